"""idea board: ideas, votes, comments, status history, notifications, member links

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kizuna.db.metadata

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('idea_member_links',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('workspace_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', kizuna.db.metadata.UtcDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', kizuna.db.metadata.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_idea_member_links_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_idea_member_links_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idea_member_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_idea_member_links_token_hash'))
    )
    with op.batch_alter_table('idea_member_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idea_member_links_customer_id'), ['customer_id'], unique=False)

    op.create_table('ideas',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('workspace_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=100), nullable=True),
    sa.Column('author_customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('locale', sa.String(length=16), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('vote_count', sa.Integer(), nullable=False),
    sa.Column('comment_count', sa.Integer(), nullable=False),
    sa.Column('merged_into_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', kizuna.db.metadata.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', kizuna.db.metadata.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_customer_id'], ['customers.id'], name=op.f('fk_ideas_author_customer_id_customers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['merged_into_id'], ['ideas.id'], name=op.f('fk_ideas_merged_into_id_ideas'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_ideas_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ideas'))
    )
    with op.batch_alter_table('ideas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ideas_author_customer_id'), ['author_customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ideas_merged_into_id'), ['merged_into_id'], unique=False)
        batch_op.create_index('ix_ideas_workspace_status', ['workspace_id', 'status'], unique=False)
        batch_op.create_index('ix_ideas_workspace_votes', ['workspace_id', 'vote_count'], unique=False)

    op.create_table('idea_comments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('workspace_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('idea_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('official', sa.Boolean(), nullable=False),
    sa.Column('staff_name', sa.String(length=200), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', kizuna.db.metadata.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_idea_comments_customer_id_customers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['idea_id'], ['ideas.id'], name=op.f('fk_idea_comments_idea_id_ideas'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_idea_comments_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idea_comments'))
    )
    with op.batch_alter_table('idea_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idea_comments_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_idea_comments_idea_id'), ['idea_id'], unique=False)

    op.create_table('idea_notifications',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('workspace_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('idea_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', kizuna.db.metadata.UtcDateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', kizuna.db.metadata.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_idea_notifications_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['idea_id'], ['ideas.id'], name=op.f('fk_idea_notifications_idea_id_ideas'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_idea_notifications_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idea_notifications')),
    sa.UniqueConstraint('idea_id', 'customer_id', 'kind', 'status', name=op.f('uq_idea_notifications_idea_id_customer_id_kind_status'))
    )
    with op.batch_alter_table('idea_notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idea_notifications_customer_id'), ['customer_id'], unique=False)

    op.create_table('idea_status_changes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('workspace_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('idea_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('changed_by', sa.String(length=200), nullable=False),
    sa.Column('changed_at', kizuna.db.metadata.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['idea_id'], ['ideas.id'], name=op.f('fk_idea_status_changes_idea_id_ideas'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_idea_status_changes_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idea_status_changes'))
    )
    with op.batch_alter_table('idea_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idea_status_changes_idea_id'), ['idea_id'], unique=False)

    op.create_table('idea_votes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('workspace_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('idea_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', kizuna.db.metadata.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_idea_votes_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['idea_id'], ['ideas.id'], name=op.f('fk_idea_votes_idea_id_ideas'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_idea_votes_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idea_votes')),
    sa.UniqueConstraint('idea_id', 'customer_id', name=op.f('uq_idea_votes_idea_id_customer_id'))
    )
    with op.batch_alter_table('idea_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idea_votes_customer_id'), ['customer_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('idea_votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idea_votes_customer_id'))

    op.drop_table('idea_votes')
    with op.batch_alter_table('idea_status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idea_status_changes_idea_id'))

    op.drop_table('idea_status_changes')
    with op.batch_alter_table('idea_notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idea_notifications_customer_id'))

    op.drop_table('idea_notifications')
    with op.batch_alter_table('idea_comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idea_comments_idea_id'))
        batch_op.drop_index(batch_op.f('ix_idea_comments_customer_id'))

    op.drop_table('idea_comments')
    with op.batch_alter_table('ideas', schema=None) as batch_op:
        batch_op.drop_index('ix_ideas_workspace_votes')
        batch_op.drop_index('ix_ideas_workspace_status')
        batch_op.drop_index(batch_op.f('ix_ideas_merged_into_id'))
        batch_op.drop_index(batch_op.f('ix_ideas_author_customer_id'))

    op.drop_table('ideas')
    with op.batch_alter_table('idea_member_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idea_member_links_customer_id'))

    op.drop_table('idea_member_links')
