"""per-customer metric scores for segment conditions (RFM segment, CLV, P(alive), NPS group,
journey stage, engagement score) and the last refresh of each workspace

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kizuna.db.metadata

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def _utc() -> kizuna.db.metadata.UtcDateTime:
    return kizuna.db.metadata.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('customer_scores',
    sa.Column('customer_id', _ID, autoincrement=False, nullable=False),
    sa.Column('workspace_id', _ID, nullable=False),
    sa.Column('rfm_segment', sa.String(length=40), nullable=True),
    sa.Column('clv', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('p_alive', sa.Float(), nullable=True),
    sa.Column('expected_purchases', sa.Float(), nullable=True),
    sa.Column('nps_group', sa.String(length=20), nullable=True),
    sa.Column('nps_score', sa.Integer(), nullable=True),
    sa.Column('journey_stage', sa.String(length=20), nullable=True),
    sa.Column('engagement_score', sa.Float(), nullable=True),
    sa.Column('computed_at', _utc(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_customer_scores_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_customer_scores'))
    )
    op.create_index('ix_customer_scores_workspace', 'customer_scores', ['workspace_id'], unique=False)
    op.create_table('customer_score_refreshes',
    sa.Column('workspace_id', _ID, autoincrement=False, nullable=False),
    sa.Column('computed_at', _utc(), nullable=False),
    sa.Column('customers', sa.Integer(), nullable=False),
    sa.Column('changed', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('notes', sa.String(length=4000), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_customer_score_refreshes_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', name=op.f('pk_customer_score_refreshes'))
    )


def downgrade() -> None:
    op.drop_table('customer_score_refreshes')
    op.drop_index('ix_customer_scores_workspace', table_name='customer_scores')
    op.drop_table('customer_scores')
