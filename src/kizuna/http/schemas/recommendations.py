"""Pydantic models of the recommendations API, and their contract converters."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kizuna.recommend.run_contracts import (
    BoughtTogether,
    CustomerRecommendations,
    ProductCard,
    RecommenderSettings,
    RunSummary,
)


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class ProductOut(_Out):
    product_id: str = Field(description="The product's id as sent in events (or its sku)")
    name: str | None
    category: str | None
    price: Decimal | None
    currency: str | None
    url: str | None
    image_url: str | None


class RecommendationOut(ProductOut):
    score: float
    reason: Literal["buy_again", "als", "popular"] | str = Field(
        description="Which signal put it there: buy_again, als (collaborative filtering) or "
                    "popular")


class CustomerRecommendationsOut(_Out):
    customer_id: int = Field(description="The customer's id (the survivor after merges)")
    source: Literal["personal", "popular", "none"] = Field(
        description="personal: from the customer's own list; popular: cold start (popular "
                    "products only); none: nothing to recommend (not trained yet)")
    items: list[RecommendationOut]
    run_id: int | None
    trained_at: datetime | None


class BoughtTogetherItemOut(ProductOut):
    orders_together: int
    confidence: float = Field(description="Share of the product's orders that contain this one")
    lift: float = Field(description="How many times more often than by chance")


class BoughtTogetherOut(_Out):
    product: ProductOut
    items: list[BoughtTogetherItemOut]
    run_id: int | None


class RunOut(_Out):
    id: int
    status: Literal["training", "ready", "failed"] | str
    mode: str = Field(description="personal, or popular_only when there was too little data")
    started_at: datetime
    trained_at: datetime | None
    interactions: int
    customers: int
    products: int
    weights: dict[str, float] = Field(description="Blend weights (buy_again, als, popularity)")
    metrics: dict[str, Any] = Field(description="Held-out evaluation: one row per method")
    params: dict[str, Any]
    duration_ms: int
    error: str | None
    note: str


class LatestRunOut(_Out):
    run: RunOut | None = Field(description="The newest run, whatever its status")
    serving: RunOut | None = Field(description="The run recommendations come from now")


class SettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    exclude_purchased: str | None = Field(None, description="auto | always | never")
    excluded_categories: list[str] | None = None
    repeatable_categories: list[str] | None = None
    retrain_hours: int | None = None


class SettingsOut(_Out):
    exclude_purchased: str
    excluded_categories: list[str]
    repeatable_categories: list[str]
    retrain_hours: int
    updated_at: datetime | None


def _product(card: ProductCard) -> dict[str, Any]:
    return {"product_id": card.external_id, "name": card.name, "category": card.category,
            "price": card.price, "currency": card.currency, "url": card.url,
            "image_url": card.image_url}


def recommendations_out(result: CustomerRecommendations) -> CustomerRecommendationsOut:
    return CustomerRecommendationsOut(
        customer_id=result.customer_id, source=result.source,  # type: ignore[arg-type]
        items=[RecommendationOut(**_product(i.product), score=i.score, reason=i.reason)
               for i in result.items],
        run_id=result.run_id, trained_at=result.trained_at)


def bought_together_out(result: BoughtTogether) -> BoughtTogetherOut:
    return BoughtTogetherOut(
        product=ProductOut(**_product(result.product)),
        items=[BoughtTogetherItemOut(**_product(i.product), orders_together=i.orders_together,
                                     confidence=i.confidence, lift=i.lift)
               for i in result.items],
        run_id=result.run_id)


def run_out(run: RunSummary) -> RunOut:
    return RunOut(id=run.id, status=run.status, mode=run.mode, started_at=run.started_at,
                  trained_at=run.trained_at, interactions=run.interactions,
                  customers=run.customers, products=run.products, weights=run.weights,
                  metrics=run.metrics, params=run.params, duration_ms=run.duration_ms,
                  error=run.error, note=run.note)


def settings_out(value: RecommenderSettings) -> SettingsOut:
    return SettingsOut(exclude_purchased=value.exclude_purchased,
                       excluded_categories=list(value.excluded_categories),
                       repeatable_categories=list(value.repeatable_categories),
                       retrain_hours=value.retrain_hours, updated_at=value.updated_at)
