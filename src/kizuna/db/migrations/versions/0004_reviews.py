"""product reviews and moderation

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import kizuna.db.metadata  # noqa: F401
from sqlalchemy.dialects import postgresql  # noqa: F401

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # filled in by the reviews work


def downgrade() -> None:
    pass
