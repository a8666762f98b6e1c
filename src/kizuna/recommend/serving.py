"""Serving: a customer's list from the current run, with exclusions applied at read time.

Candidates, in order: the customer's own precomputed list (merged profiles: the rows moved
to the survivor, duplicates removed), then popular products of the customer's language, of
the categories the customer buys, then of the whole shop. Each candidate is dropped if

* it is out of stock (product ``attributes``: ``in_stock`` false, ``stock`` ≤ 0, or
  ``availability`` "out of stock" / "OutOfStock" / "sold out"),
* its category is excluded (workspace setting or the request), compared case-insensitively,
* the customer already bought it and ``exclude_purchased`` says so: ``always``; ``never``;
  ``auto`` — unless its repeat rate (share of its buyers who bought it again, learnt at
  training) is at least :data:`AUTO_REPEAT_RATE`. Products of ``repeatable_categories`` are
  always allowed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from kizuna.profiles import api as profiles
from kizuna.recommend import store
from kizuna.recommend.errors import RecommendProductNotFound
from kizuna.recommend.run_contracts import (
    BoughtTogether,
    BoughtTogetherItem,
    CustomerRecommendations,
    RecommendedProduct,
    RecommenderSettings,
)
from kizuna.types import CustomerId, WorkspaceId

AUTO_REPEAT_RATE = 0.2
MAX_LIMIT = 50
_OUT_OF_STOCK = {"outofstock", "soldout", "discontinued"}
_FALSE = {"false", "0", "no", "n", "off"}


def in_stock(attributes: dict[str, Any] | None) -> bool:
    """False when the product's attributes say it cannot be bought now."""
    attrs = attributes or {}
    flag = attrs.get("in_stock")
    if flag is False or (isinstance(flag, str) and flag.strip().lower() in _FALSE):
        return False
    if isinstance(flag, int | float) and not isinstance(flag, bool) and flag <= 0:
        return False
    stock = attrs.get("stock")
    if stock is not None and not isinstance(stock, bool):
        try:
            if float(stock) <= 0:
                return False
        except (TypeError, ValueError):
            pass
    availability = attrs.get("availability")
    if isinstance(availability, str):
        word = re.sub(r"[^a-z]", "", availability.lower().rsplit("/", 1)[-1])
        if word in _OUT_OF_STOCK:
            return False
    return True


def _norm(category: str | None) -> str:
    return (category or "").strip().casefold()


class _Filter:
    def __init__(self, settings: RecommenderSettings, extra: Sequence[str], purchased: set[int],
                 repeat: dict[int, float]) -> None:
        self.categories = {_norm(c) for c in (*settings.excluded_categories, *extra) if c}
        self.repeatable = {_norm(c) for c in settings.repeatable_categories if c}
        self.mode = settings.exclude_purchased
        self.purchased = purchased
        self.repeat = repeat

    def allows(self, row: dict[str, Any]) -> bool:
        category = _norm(row["category"])
        if category and category in self.categories:
            return False
        if not in_stock(row["attributes"]):
            return False
        if int(row["id"]) not in self.purchased or self.mode == "never":
            return True
        if category and category in self.repeatable:
            return True
        if self.mode == "always":
            return False
        return self.repeat.get(int(row["id"]), 0.0) >= AUTO_REPEAT_RATE


def recommendations_for(
    session: Session,
    workspace_id: WorkspaceId,
    customer_id: CustomerId | int,
    *,
    limit: int = 10,
    exclude_categories: Sequence[str] = (),
    now: datetime,
) -> CustomerRecommendations:
    """Up to ``limit`` products for the customer (see the module docstring)."""
    customer = profiles.get_customer(session, workspace_id, customer_id)  # raises if unknown
    limit = max(1, min(limit, MAX_LIMIT))
    run = store.current_run(session, workspace_id)
    if run is None:
        return CustomerRecommendations(customer_id=customer.id, source="none", items=(),
                                       run_id=None, trained_at=None)
    settings = store.get_settings(session, workspace_id)
    purchased = (set() if settings.exclude_purchased == "never"
                 else store.purchased_products(session, workspace_id, customer.id))
    repeat = (store.scores_in_scope(session, run.id, "repeat", purchased)
              if settings.exclude_purchased == "auto" and purchased else {})
    personal = store.customer_rows(session, run.id, customer.id)
    candidates: list[tuple[int, float, str]] = list(personal)
    fill_scopes = [f"locale:{_language(customer.locale)}"] if customer.locale else []
    bought_categories = _top_categories(session, workspace_id, purchased)
    fill_scopes += [f"category:{c}" for c in bought_categories] + ["trending", "all"]
    for scope in fill_scopes:
        candidates += [(pid, score, "popular")
                       for pid, score in store.popular_list(session, run.id, scope, 3 * limit)]
    rows = store.product_rows(session, workspace_id, {c[0] for c in candidates})
    keep = _Filter(settings, exclude_categories, purchased, repeat)
    items: list[RecommendedProduct] = []
    seen: set[int] = set()
    for pid, score, reason in candidates:
        row = rows.get(pid)
        if pid in seen or row is None or not keep.allows(row):
            continue
        seen.add(pid)
        items.append(RecommendedProduct(product=store.to_card(row, True), score=score,
                                        reason=reason))
        if len(items) == limit:
            break
    if any(i.reason != "popular" for i in items):
        source = "personal"
    else:
        source = "popular" if items else "none"
    return CustomerRecommendations(customer_id=customer.id, source=source, items=tuple(items),
                                   run_id=run.id, trained_at=run.trained_at)


def _language(locale: str) -> str:
    return locale.strip().lower().replace("_", "-").split("-", 1)[0]


def _top_categories(session: Session, workspace_id: WorkspaceId, purchased: set[int],
                    n: int = 2) -> list[str]:
    if not purchased:
        return []
    rows = store.product_rows(session, workspace_id, purchased)
    counts = Counter(r["category"] for r in rows.values() if r["category"])
    return [c for c, _ in counts.most_common(n)]


def frequently_bought_together(
    session: Session, workspace_id: WorkspaceId, product_external_id: str, *, limit: int = 5
) -> BoughtTogether:
    """The product's partners from the current run (out-of-stock ones left out)."""
    product_id = store.product_id_by_external(session, workspace_id, product_external_id)
    if product_id is None:
        raise RecommendProductNotFound(
            f"No product {product_external_id!r} in the catalogue.",
            product_id=product_external_id)
    limit = max(1, min(limit, MAX_LIMIT))
    run = store.current_run(session, workspace_id)
    pairs = store.pairs_of(session, run.id, product_id, 3 * limit) if run else []
    rows = store.product_rows(session, workspace_id, {product_id, *(p[0] for p in pairs)})
    items = [
        BoughtTogetherItem(product=store.to_card(rows[other], True), orders_together=n,
                           confidence=conf, lift=lift)
        for other, n, conf, lift in pairs
        if other in rows and in_stock(rows[other]["attributes"])
    ][:limit]
    me = rows[product_id]
    return BoughtTogether(product=store.to_card(me, in_stock(me["attributes"])),
                          items=tuple(items), run_id=run.id if run else None)


def as_template_items(
    result: CustomerRecommendations,
) -> list[dict[str, Any]]:
    """Plain dicts for message templates (no contracts leak into user templates)."""
    return [{
        "name": i.product.name or i.product.external_id,
        "url": i.product.url,
        "image_url": i.product.image_url,
        "price": i.product.price,
        "currency": i.product.currency,
        "category": i.product.category,
        "product_id": i.product.external_id,
        "reason": i.reason,
    } for i in result.items]

