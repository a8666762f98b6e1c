"""idea board: ideas, votes, comments, status history

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import kizuna.db.metadata  # noqa: F401
from sqlalchemy.dialects import postgresql  # noqa: F401

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # filled in by the ideas work


def downgrade() -> None:
    pass
