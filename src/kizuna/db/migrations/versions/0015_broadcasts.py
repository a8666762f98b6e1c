"""broadcasts and their recipients

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import kizuna.db.metadata

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
_TS = kizuna.db.metadata.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('broadcasts',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('workspace_id', _ID, nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('segment_key', sa.String(length=100), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('transactional', sa.Boolean(), nullable=False),
    sa.Column('template', _JSON, nullable=False),
    sa.Column('arms', _JSON, nullable=False),
    sa.Column('holdout_pct', sa.Float(), nullable=False),
    sa.Column('global_control_pct', sa.Float(), nullable=False),
    sa.Column('goal_event', sa.String(length=200), nullable=True),
    sa.Column('window_days', sa.Float(), nullable=False),
    sa.Column('throttle_per_minute', sa.Integer(), nullable=True),
    sa.Column('webhook_url', sa.String(length=2000), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('scheduled_at', _TS, nullable=True),
    sa.Column('started_at', _TS, nullable=True),
    sa.Column('finished_at', _TS, nullable=True),
    sa.Column('cancelled_at', _TS, nullable=True),
    sa.Column('cursor', _ID, nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('enqueued', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', _TS, nullable=False),
    sa.Column('updated_at', _TS, nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_broadcasts_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broadcasts')),
    sa.UniqueConstraint('workspace_id', 'key', name=op.f('uq_broadcasts_workspace_id_key'))
    )
    op.create_index('ix_broadcasts_status_scheduled', 'broadcasts', ['status', 'scheduled_at'], unique=False)
    op.create_table('broadcast_recipients',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('broadcast_id', _ID, nullable=False),
    sa.Column('customer_id', _ID, nullable=False),
    sa.Column('arm', sa.String(length=100), nullable=False),
    sa.Column('entered_at', _TS, nullable=False),
    sa.ForeignKeyConstraint(['broadcast_id'], ['broadcasts.id'], name=op.f('fk_broadcast_recipients_broadcast_id_broadcasts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_broadcast_recipients_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broadcast_recipients')),
    sa.UniqueConstraint('broadcast_id', 'customer_id', name=op.f('uq_broadcast_recipients_broadcast_id_customer_id'))
    )


def downgrade() -> None:
    op.drop_table('broadcast_recipients')
    op.drop_index('ix_broadcasts_status_scheduled', table_name='broadcasts')
    op.drop_table('broadcasts')
