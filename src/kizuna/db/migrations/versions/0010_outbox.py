"""delivery outbox: jobs, attempts, dead letters (filled by the jobs work)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import kizuna.db.metadata

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def _utc() -> kizuna.db.metadata.UtcDateTime:
    return kizuna.db.metadata.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('outbox_jobs',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('workspace_id', _ID, nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('idempotency_key', sa.String(length=300), nullable=False),
    sa.Column('payload', _JSON, nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('run_after', _utc(), nullable=False),
    sa.Column('claimed_by', sa.String(length=200), nullable=True),
    sa.Column('claimed_at', _utc(), nullable=True),
    sa.Column('heartbeat_at', _utc(), nullable=True),
    sa.Column('started_at', _utc(), nullable=True),
    sa.Column('send_started_at', _utc(), nullable=True),
    sa.Column('finished_at', _utc(), nullable=True),
    sa.Column('possible_duplicate', sa.Boolean(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('result', _JSON, nullable=True),
    sa.Column('created_at', _utc(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_outbox_jobs_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_jobs')),
    sa.UniqueConstraint('workspace_id', 'idempotency_key', name=op.f('uq_outbox_jobs_workspace_id_idempotency_key'))
    )
    with op.batch_alter_table('outbox_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_jobs_claim', ['status', 'run_after'], unique=False)
        batch_op.create_index('ix_outbox_jobs_heartbeat', ['status', 'heartbeat_at'], unique=False)
        batch_op.create_index('ix_outbox_jobs_workspace_status', ['workspace_id', 'status', 'kind'], unique=False)

    op.create_table('outbox_attempts',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('job_id', _ID, nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('worker', sa.String(length=200), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('possibly_delivered', sa.Boolean(), nullable=False),
    sa.Column('started_at', _utc(), nullable=True),
    sa.Column('finished_at', _utc(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['outbox_jobs.id'], name=op.f('fk_outbox_attempts_job_id_outbox_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_attempts'))
    )
    with op.batch_alter_table('outbox_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_attempts_job_id'), ['job_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_attempts_job_id'))
    op.drop_table('outbox_attempts')
    with op.batch_alter_table('outbox_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_jobs_workspace_status')
        batch_op.drop_index('ix_outbox_jobs_heartbeat')
        batch_op.drop_index('ix_outbox_jobs_claim')
    op.drop_table('outbox_jobs')
