"""What the recommend facade returns: training runs, served recommendations, settings.

(The modelling contracts — interactions, recommendations of a model, evaluations — are in
``contracts``.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from kizuna.types import CustomerId

PERSONAL = "personal"  # the run has per-customer lists (enough data)
POPULAR_ONLY = "popular_only"  # too little data: popularity lists only

EXCLUDE_PURCHASED = ("auto", "always", "never")


@dataclass(frozen=True, slots=True, kw_only=True)
class RunSummary:
    """One training run: what it learnt from, its blend weights and held-out evaluation."""

    id: int
    status: str  # training | ready | failed
    mode: str  # personal | popular_only (empty while training)
    started_at: datetime
    trained_at: datetime | None
    interactions: int
    customers: int
    products: int
    weights: dict[str, float]
    params: dict[str, Any]
    metrics: dict[str, Any]
    duration_ms: int
    error: str | None
    note: str  # a sentence for people: why popularity only, why it failed, ...
    rows_written: dict[str, int]  # customer_recommendations, product_associations, ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductCard:
    """A catalogue product as shown next to a recommendation."""

    product_id: int
    external_id: str
    name: str | None
    category: str | None
    price: Decimal | None
    currency: str | None
    url: str | None
    image_url: str | None
    in_stock: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class RecommendedProduct:
    product: ProductCard
    score: float
    reason: str  # buy_again | als | popular


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerRecommendations:
    """What to show one customer; ``source`` is ``personal`` (at least one item from the
    customer's own list), ``popular`` (cold start: popular lists only) or ``none``."""

    customer_id: CustomerId
    source: str
    items: tuple[RecommendedProduct, ...]
    run_id: int | None
    trained_at: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class BoughtTogetherItem:
    product: ProductCard
    orders_together: int
    confidence: float  # share of the product's orders that also contain this one
    lift: float  # confidence / the other product's share of all orders


@dataclass(frozen=True, slots=True, kw_only=True)
class BoughtTogether:
    product: ProductCard
    items: tuple[BoughtTogetherItem, ...]
    run_id: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class RecommenderSettings:
    exclude_purchased: str  # auto | always | never
    excluded_categories: tuple[str, ...]
    repeatable_categories: tuple[str, ...]
    retrain_hours: int
    updated_at: datetime | None  # None: never saved (defaults)
