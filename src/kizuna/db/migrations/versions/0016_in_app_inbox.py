"""in-app inbox messages and inbox settings

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import kizuna.db.metadata

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def _utc() -> kizuna.db.metadata.UtcDateTime:
    return kizuna.db.metadata.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('in_app_messages',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('workspace_id', _ID, nullable=False),
    sa.Column('customer_id', _ID, nullable=False),
    sa.Column('idempotency_key', sa.String(length=300), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('link_url', sa.String(length=2000), nullable=False),
    sa.Column('created_at', _utc(), nullable=False),
    sa.Column('read_at', _utc(), nullable=True),
    sa.Column('dismissed_at', _utc(), nullable=True),
    sa.Column('expires_at', _utc(), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_in_app_messages_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_in_app_messages_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_in_app_messages')),
    sa.UniqueConstraint('workspace_id', 'idempotency_key', name=op.f('uq_in_app_messages_workspace_id_idempotency_key'))
    )
    with op.batch_alter_table('in_app_messages', schema=None) as batch_op:
        batch_op.create_index('ix_in_app_messages_customer', ['customer_id', 'created_at'], unique=False)

    op.create_table('in_app_inbox_settings',
    sa.Column('workspace_id', _ID, nullable=False),
    sa.Column('allowed_origins', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('secret_version', sa.Integer(), nullable=False),
    sa.Column('updated_at', _utc(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_in_app_inbox_settings_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', name=op.f('pk_in_app_inbox_settings'))
    )


def downgrade() -> None:
    op.drop_table('in_app_inbox_settings')
    with op.batch_alter_table('in_app_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_in_app_messages_customer')
    op.drop_table('in_app_messages')
