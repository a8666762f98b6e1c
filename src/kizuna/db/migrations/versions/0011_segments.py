"""segments: definitions and memberships

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import kizuna.db.metadata

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('segments',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('workspace_id', _ID, nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('condition', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('recompute_count', sa.Integer(), nullable=False),
    sa.Column('computed_at', kizuna.db.metadata.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', kizuna.db.metadata.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', kizuna.db.metadata.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_segments_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_segments')),
    sa.UniqueConstraint('workspace_id', 'key', name=op.f('uq_segments_workspace_id_key'))
    )
    op.create_table('segment_memberships',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('segment_id', _ID, nullable=False),
    sa.Column('customer_id', _ID, nullable=False),
    sa.Column('entered_at', kizuna.db.metadata.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_segment_memberships_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['segment_id'], ['segments.id'], name=op.f('fk_segment_memberships_segment_id_segments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_segment_memberships'))
    )
    op.create_index('ix_segment_memberships_customer', 'segment_memberships', ['customer_id'], unique=False)
    op.create_index('ix_segment_memberships_segment_customer', 'segment_memberships', ['segment_id', 'customer_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_segment_memberships_segment_customer', table_name='segment_memberships')
    op.drop_index('ix_segment_memberships_customer', table_name='segment_memberships')
    op.drop_table('segment_memberships')
    op.drop_table('segments')
