"""consent records, suppression list, send caps (filled by the consent work)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kizuna.db.metadata

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def _utc() -> kizuna.db.metadata.UtcDateTime:
    return kizuna.db.metadata.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('message_send_policies',
    sa.Column('workspace_id', _ID, nullable=False),
    sa.Column('daily_cap', sa.Integer(), nullable=False),
    sa.Column('weekly_cap', sa.Integer(), nullable=False),
    sa.Column('quiet_start_minute', sa.Integer(), nullable=False),
    sa.Column('quiet_end_minute', sa.Integer(), nullable=False),
    sa.Column('email_per_second', sa.Integer(), nullable=False),
    sa.Column('webhook_per_second', sa.Integer(), nullable=False),
    sa.Column('other_per_second', sa.Integer(), nullable=False),
    sa.Column('updated_at', _utc(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_message_send_policies_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', name=op.f('pk_message_send_policies'))
    )
    op.create_table('message_suppressions',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('workspace_id', _ID, nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('address', sa.String(length=320), nullable=False),
    sa.Column('customer_id', _ID, nullable=True),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('created_at', _utc(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_message_suppressions_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_message_suppressions_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_suppressions'))
    )
    with op.batch_alter_table('message_suppressions', schema=None) as batch_op:
        batch_op.create_index('ix_message_suppressions_address', ['workspace_id', 'channel', 'address'], unique=False)
        batch_op.create_index('ix_message_suppressions_customer', ['customer_id', 'channel'], unique=False)

    op.create_table('message_sends',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('workspace_id', _ID, nullable=False),
    sa.Column('customer_id', _ID, nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('transactional', sa.Boolean(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=300), nullable=False),
    sa.Column('sent_at', _utc(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_message_sends_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_message_sends_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_sends')),
    sa.UniqueConstraint('workspace_id', 'idempotency_key', name=op.f('uq_message_sends_workspace_id_idempotency_key'))
    )
    with op.batch_alter_table('message_sends', schema=None) as batch_op:
        batch_op.create_index('ix_message_sends_channel', ['workspace_id', 'channel', 'sent_at'], unique=False)
        batch_op.create_index('ix_message_sends_customer', ['customer_id', 'sent_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('message_sends', schema=None) as batch_op:
        batch_op.drop_index('ix_message_sends_customer')
        batch_op.drop_index('ix_message_sends_channel')
    op.drop_table('message_sends')
    with op.batch_alter_table('message_suppressions', schema=None) as batch_op:
        batch_op.drop_index('ix_message_suppressions_customer')
        batch_op.drop_index('ix_message_suppressions_address')
    op.drop_table('message_suppressions')
    op.drop_table('message_send_policies')
