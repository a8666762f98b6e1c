"""The qualifying figure for tiers: spend or points earned in the rolling window."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from kizuna.commerce import api as commerce
from kizuna.loyalty import store
from kizuna.loyalty.contracts import Programme, TierBasis
from kizuna.types import CustomerId


def figures(session: Session, programme: Programme, customer_ids: Collection[CustomerId],
            now: datetime) -> dict[CustomerId, Decimal]:
    """Per customer: the sum of non-cancelled order totals (returns count negative) placed
    in the last ``tier_window_days``, or the points earned (earn + bonus − reversals) there.
    Orders count whether or not the customer was a member when they were placed."""
    since = now - timedelta(days=programme.config.tier_window_days)
    workspace_id = programme.workspace_id
    if programme.config.tier_basis == TierBasis.POINTS:
        points = store.points_earned_since(session, workspace_id, customer_ids, since)
        return {CustomerId(c): Decimal(p) for c, p in points.items()}
    return dict(commerce.spend_by_customer(session, workspace_id, customer_ids,
                                           since=since, until=now))
