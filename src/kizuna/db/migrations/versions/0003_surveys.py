"""surveys, questions, invitations and responses

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import kizuna.db.metadata  # noqa: F401
from sqlalchemy.dialects import postgresql  # noqa: F401

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # filled in by the surveys work


def downgrade() -> None:
    pass
