"""event feed cursors and segment time-window sweep state (filled by the dispatcher work)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kizuna.db.metadata

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('event_feed_cursors',
    sa.Column('consumer', sa.String(length=100), nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', kizuna.db.metadata.UtcDateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_error_at', kizuna.db.metadata.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('consumer', name=op.f('pk_event_feed_cursors'))
    )
    op.create_table('segment_live_state',
    sa.Column('segment_id', _ID, nullable=False),
    sa.Column('changes', sa.BigInteger(), nullable=False),
    sa.Column('swept_at', kizuna.db.metadata.UtcDateTime(timezone=True), nullable=True),
    sa.Column('consent_position', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['segment_id'], ['segments.id'], name=op.f('fk_segment_live_state_segment_id_segments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('segment_id', name=op.f('pk_segment_live_state'))
    )


def downgrade() -> None:
    op.drop_table('segment_live_state')
    op.drop_table('event_feed_cursors')
