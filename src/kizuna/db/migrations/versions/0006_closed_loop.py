"""closed loop: follow-up tasks, alerts, notifications

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import kizuna.db.metadata  # noqa: F401
from sqlalchemy.dialects import postgresql  # noqa: F401

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # filled in by the feedback closed-loop work


def downgrade() -> None:
    pass
