"""Helpers for the loyalty tests: customers, orders and a programme through the facades."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from kizuna.commerce import api as commerce
from kizuna.commerce.contracts import OrderRecord
from kizuna.loyalty import api as loyalty
from kizuna.loyalty.contracts import ProgrammeConfig, RewardSpec
from kizuna.profiles import api as profiles
from kizuna.types import CustomerId, WorkspaceId
from kizuna.workspaces.tables import WorkspaceRow

T0 = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)


def customers(session: Session, ws: WorkspaceId, *names: str) -> list[CustomerId]:
    found = profiles.ensure_customers_by_external_id(session, ws, names, T0)
    return [found[n] for n in names]


def order(session: Session, ws: WorkspaceId, customer: CustomerId | None, external_id: str,
          total: int | str, at: datetime, *, status: str = "completed") -> None:
    commerce.record_orders(session, ws, [OrderRecord(
        external_id=external_id, customer_id=customer, placed_at=at, total=Decimal(total),
        status=status, currency="JPY")], at)


def programme(session: Session, ws: WorkspaceId, **changes: object) -> ProgrammeConfig:
    config = replace(loyalty.default_programme_config("JPY"), **changes)  # type: ignore[arg-type]
    loyalty.configure_programme(session, ws, config, now=T0)
    return config


def reward(session: Session, ws: WorkspaceId, key: str, cost: int, *,
           stock: int | None = None, min_tier: str | None = None) -> None:
    loyalty.save_reward(session, ws, RewardSpec(
        key=key, name_ja="特典", name_en="Reward", cost_points=cost, coupon_prefix="KZ",
        stock=stock, min_tier=min_tier), now=T0)


def new_workspace(session: Session, slug: str, timezone: str = "Asia/Tokyo") -> WorkspaceId:
    """Another tenant (tests that need a clean shop per example)."""
    row = WorkspaceRow(slug=slug, name=slug, timezone=timezone, currency="JPY", created_at=T0)
    session.add(row)
    session.flush()
    return WorkspaceId(row.id)
