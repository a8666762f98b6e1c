"""product reviews and moderation

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import kizuna.db.metadata

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('reviews',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('workspace_id', _ID, nullable=False),
    sa.Column('customer_id', _ID, nullable=False),
    sa.Column('product_id', sa.String(length=200), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('photos', _JSON, nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=True),
    sa.Column('verified_purchase', sa.Boolean(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reject_reason', sa.String(length=32), nullable=True),
    sa.Column('moderation_note', sa.Text(), nullable=True),
    sa.Column('moderated_by', _ID, nullable=True),
    sa.Column('moderated_at', kizuna.db.metadata.UtcDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', kizuna.db.metadata.UtcDateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', kizuna.db.metadata.UtcDateTime(timezone=True), nullable=False),
    sa.Column('attributes', _JSON, nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_reviews_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['moderated_by'], ['users.id'], name=op.f('fk_reviews_moderated_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_reviews_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviews'))
    )
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index('ix_reviews_customer_product', ['workspace_id', 'customer_id', 'product_id'], unique=False)
        batch_op.create_index('ix_reviews_product', ['workspace_id', 'product_id', 'status'], unique=False)
        batch_op.create_index('ix_reviews_queue', ['workspace_id', 'status', 'submitted_at'], unique=False)

    op.create_table('review_links',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('workspace_id', _ID, nullable=False),
    sa.Column('customer_id', _ID, nullable=False),
    sa.Column('product_id', sa.String(length=200), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', kizuna.db.metadata.UtcDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', kizuna.db.metadata.UtcDateTime(timezone=True), nullable=False),
    sa.Column('used_at', kizuna.db.metadata.UtcDateTime(timezone=True), nullable=True),
    sa.Column('review_id', _ID, nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_review_links_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_review_links_review_id_reviews'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_review_links_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_review_links_token_hash'))
    )
    with op.batch_alter_table('review_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_links_customer_id'), ['customer_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('review_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_links_customer_id'))
    op.drop_table('review_links')
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_reviews_queue')
        batch_op.drop_index('ix_reviews_product')
        batch_op.drop_index('ix_reviews_customer_product')
    op.drop_table('reviews')
