"""closed loop: follow-up tasks, alerts, notifications

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kizuna.db.metadata

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def _dt() -> kizuna.db.metadata.UtcDateTime:
    return kizuna.db.metadata.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('feedback_tasks',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('workspace_id', _ID, nullable=False),
    sa.Column('item_id', _ID, nullable=False),
    sa.Column('customer_id', _ID, nullable=True),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('owner_email', sa.String(length=320), nullable=True),
    sa.Column('opened_at', _dt(), nullable=False),
    sa.Column('due_at', _dt(), nullable=True),
    sa.Column('contacted_at', _dt(), nullable=True),
    sa.Column('closed_at', _dt(), nullable=True),
    sa.Column('updated_at', _dt(), nullable=False),
    sa.Column('alert_state', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_feedback_tasks_customer_id_customers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['feedback_items.id'], name=op.f('fk_feedback_tasks_item_id_feedback_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_feedback_tasks_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_tasks')),
    sa.UniqueConstraint('item_id', name=op.f('uq_feedback_tasks_item_id'))
    )
    with op.batch_alter_table('feedback_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_tasks_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_feedback_tasks_workspace_status', ['workspace_id', 'status'], unique=False)

    op.create_table('feedback_task_notes',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('task_id', _ID, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('author', sa.String(length=320), nullable=True),
    sa.Column('at', _dt(), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['feedback_tasks.id'], name=op.f('fk_feedback_task_notes_task_id_feedback_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_task_notes'))
    )
    with op.batch_alter_table('feedback_task_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_task_notes_task_id'), ['task_id'], unique=False)

    op.create_table('alert_deliveries',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('workspace_id', _ID, nullable=False),
    sa.Column('task_id', _ID, nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('target', sa.String(length=2000), nullable=False),
    sa.Column('message_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', _dt(), nullable=False),
    sa.Column('last_attempt_at', _dt(), nullable=True),
    sa.Column('sent_at', _dt(), nullable=True),
    sa.ForeignKeyConstraint(['task_id'], ['feedback_tasks.id'], name=op.f('fk_alert_deliveries_task_id_feedback_tasks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_alert_deliveries_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_deliveries'))
    )
    with op.batch_alter_table('alert_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_alert_deliveries_status', ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_deliveries_task_id'), ['task_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('alert_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_deliveries_task_id'))
        batch_op.drop_index('ix_alert_deliveries_status')
    op.drop_table('alert_deliveries')
    with op.batch_alter_table('feedback_task_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_task_notes_task_id'))
    op.drop_table('feedback_task_notes')
    with op.batch_alter_table('feedback_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_tasks_workspace_status')
        batch_op.drop_index(batch_op.f('ix_feedback_tasks_customer_id'))
    op.drop_table('feedback_tasks')
