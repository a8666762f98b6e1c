"""journeys, journey versions and runs

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import kizuna.db.metadata

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
_TS = kizuna.db.metadata.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('journeys',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('workspace_id', _ID, nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('current_version', sa.Integer(), nullable=False),
    sa.Column('trigger_kind', sa.String(length=16), nullable=False),
    sa.Column('goal_event', sa.String(length=200), nullable=True),
    sa.Column('holdout_pct', sa.Float(), nullable=False),
    sa.Column('created_at', _TS, nullable=False),
    sa.Column('updated_at', _TS, nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_journeys_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journeys')),
    sa.UniqueConstraint('workspace_id', 'key', name=op.f('uq_journeys_workspace_id_key'))
    )
    op.create_table('journey_versions',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('journey_id', _ID, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('definition', _JSON, nullable=False),
    sa.Column('created_at', _TS, nullable=False),
    sa.ForeignKeyConstraint(['journey_id'], ['journeys.id'], name=op.f('fk_journey_versions_journey_id_journeys'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journey_versions')),
    sa.UniqueConstraint('journey_id', 'version', name=op.f('uq_journey_versions_journey_id_version'))
    )
    op.create_table('journey_runs',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('workspace_id', _ID, nullable=False),
    sa.Column('journey_id', _ID, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('customer_id', _ID, nullable=False),
    sa.Column('arm', sa.String(length=64), nullable=False),
    sa.Column('trigger_key', sa.String(length=200), nullable=False),
    sa.Column('trigger_event_id', sa.BigInteger(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('step_id', sa.String(length=64), nullable=True),
    sa.Column('due_at', _TS, nullable=True),
    sa.Column('wait_event', sa.String(length=200), nullable=True),
    sa.Column('correlation_value', sa.String(length=200), nullable=True),
    sa.Column('context', _JSON, nullable=False),
    sa.Column('entered_at', _TS, nullable=False),
    sa.Column('finished_at', _TS, nullable=True),
    sa.Column('updated_at', _TS, nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_journey_runs_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['journey_id'], ['journeys.id'], name=op.f('fk_journey_runs_journey_id_journeys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_journey_runs_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journey_runs')),
    sa.UniqueConstraint('journey_id', 'customer_id', 'trigger_key', name=op.f('uq_journey_runs_journey_id_customer_id_trigger_key'))
    )
    op.create_index('ix_journey_runs_due', 'journey_runs', ['state', 'due_at'], unique=False)
    op.create_index('ix_journey_runs_customer_state', 'journey_runs', ['workspace_id', 'customer_id', 'state'], unique=False)
    op.create_index('ix_journey_runs_journey_state', 'journey_runs', ['journey_id', 'state'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_journey_runs_journey_state', table_name='journey_runs')
    op.drop_index('ix_journey_runs_customer_state', table_name='journey_runs')
    op.drop_index('ix_journey_runs_due', table_name='journey_runs')
    op.drop_table('journey_runs')
    op.drop_table('journey_versions')
    op.drop_table('journeys')
