"""(placeholder: filled in by this issue's work)"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from kizuna.auth.contracts import User
from kizuna.types import CustomerId

router = APIRouter()


def profile_panel(
    request: Request, session: Session, user: User, customer_id: CustomerId
) -> dict[str, Any] | None:
    """What the customer profile page shows of this domain (None: no panel)."""
    return None
