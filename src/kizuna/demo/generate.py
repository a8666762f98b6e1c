"""The demo data set: CDNOW orders, invented people, and behaviour consistent with both.

Pure Python, no database: :func:`generate_demo` returns contracts and Segment-spec message
dicts. The same ``seed``, ``customers`` and ``anchor`` always give the same data.

Dates: CDNOW runs from 1997-01-01 to 1998-06-30. Every date is shifted by a whole number of
days so that the last CDNOW day becomes two days before ``anchor`` (relative spacing, hence
inter-purchase times, are kept). Order amounts are CDNOW's, in USD.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

from kizuna.commerce.contracts import OrderLine, OrderRecord, ProductUpsert
from kizuna.demo import behaviour
from kizuna.demo.catalogue import CATEGORIES, CURRENCY, DemoProduct, build_catalogue
from kizuna.demo.cdnow import (
    CDNOW_LAST_DAY,
    CdnowTransaction,
    read_cdnow,
    sample_customers,
)
from kizuna.demo.messages import local_time
from kizuna.demo.people import DemoPerson, make_person

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoConsent:
    user_id: str
    channel: str
    purpose: str
    status: str
    method: str
    wording: str
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoOrder:
    user_id: str
    record: OrderRecord  # customer_id is filled in when loading


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoData:
    seed: int
    anchor: date
    shift_days: int
    people: tuple[DemoPerson, ...]
    products: tuple[ProductUpsert, ...]
    consents: tuple[DemoConsent, ...]
    orders: tuple[DemoOrder, ...]
    messages: tuple[dict[str, Any], ...]  # sorted by timestamp

    def digest(self) -> str:
        """SHA-256 over everything generated (for reproducibility checks)."""
        h = hashlib.sha256()
        for person in self.people:
            h.update(repr(person).encode())
        for item in (*self.products, *self.consents, *self.orders):
            h.update(repr(item).encode())
        for message in self.messages:
            h.update(json.dumps(message, sort_keys=True, ensure_ascii=False).encode())
        return h.hexdigest()


def shift_for(anchor: date) -> int:
    """Days added to CDNOW dates so that its last day lands two days before ``anchor``.

    Two days, not one, so that an evening order in Los Angeles on that day is still in the
    past at midnight UTC of ``anchor``.
    """
    return ((anchor - timedelta(days=2)) - CDNOW_LAST_DAY).days


def _split_order(
    rng: random.Random,
    tx: CdnowTransaction,
    person: DemoPerson,
    by_category: dict[str, list[DemoProduct]],
    catalogue: tuple[DemoProduct, ...],
) -> list[tuple[DemoProduct, int, Decimal]]:
    """CDNOW's CD count and dollars as order lines whose amounts sum to the dollars exactly."""
    cds = max(tx.cds, 1)
    kinds = min(cds, rng.choice((1, 1, 1, 2, 2, 3, 4)))
    chosen: list[DemoProduct] = []
    while len(chosen) < kinds:
        if rng.random() < 0.8:
            pool = by_category[rng.choice(person.favourite_categories)]
        else:
            pool = list(catalogue)
        product = rng.choice(pool)
        if product not in chosen:
            chosen.append(product)
    quantities = [1] * kinds
    for _ in range(cds - kinds):
        quantities[rng.randrange(kinds)] += 1
    weights = [p.price * q for p, q in zip(chosen, quantities, strict=True)]
    total_weight = sum(weights)
    amounts = [(tx.dollars * w / total_weight).quantize(CENT, ROUND_DOWN) for w in weights]
    amounts[0] += tx.dollars - sum(amounts)
    return list(zip(chosen, quantities, amounts, strict=True))


def _order_record(
    tx: CdnowTransaction,
    person: DemoPerson,
    at: datetime,
    lines: list[tuple[DemoProduct, int, Decimal]],
) -> OrderRecord:
    locale = person.locale
    return OrderRecord(
        external_id=f"cdnow-{tx.customer:05d}-{tx.day:%Y%m%d}-{tx.seq}",
        customer_id=None,
        placed_at=at,
        total=tx.dollars,
        subtotal=tx.dollars,
        revenue=tx.dollars,
        currency=CURRENCY,
        channel="web",
        origin="demo",
        lines=tuple(
            OrderLine(
                product_external_id=p.external_id,
                quantity=Decimal(q),
                amount=amount,
                unit_price=(amount / q).quantize(CENT),
                sku=p.external_id.upper(),
                name=p.title(locale),
                category=p.category.en,
            )
            for p, q, amount in lines
        ),
    )


def generate_demo(
    *, customers: int = 2000, seed: int = 7, anchor: date, cdnow_path: Path | None = None
) -> DemoData:
    """Generate the demo data set for ``customers`` CDNOW customers (see module docstring)."""
    transactions = read_cdnow(cdnow_path)
    chosen = sample_customers(transactions, customers, seed)
    shift = timedelta(days=shift_for(anchor))
    catalogue = build_catalogue()
    by_category: dict[str, list[DemoProduct]] = {c.slug: [] for c in CATEGORIES}
    for product in catalogue:
        by_category[product.category.slug].append(product)
    slugs = tuple(c.slug for c in CATEGORIES)
    japanese = frozenset(c.slug for c in CATEGORIES if c.japanese_origin)
    campaigns = behaviour.campaign_calendar(anchor, shift)
    end = local_time(anchor, 0, "UTC")

    people: list[DemoPerson] = []
    orders: list[DemoOrder] = []
    consents: list[DemoConsent] = []
    messages: list[dict[str, Any]] = []
    for cdnow_id in chosen:
        rng = random.Random(f"kizuna-demo-{seed}-{cdnow_id}")
        person = make_person(rng, cdnow_id, anchor, slugs, japanese)
        people.append(person)
        placed: list[tuple[datetime, OrderRecord]] = []
        for tx in transactions[cdnow_id]:
            hour = rng.choice((rng.uniform(9, 23.5), rng.uniform(19, 23.9)))
            at = local_time(tx.day + shift, hour, person.timezone)
            lines = _split_order(rng, tx, person, by_category, catalogue)
            record = _order_record(tx, person, at, lines)
            placed.append((at, record))
            orders.append(DemoOrder(user_id=person.user_id, record=record))
        person_consents = behaviour.person_activity(
            rng, person, placed, catalogue, by_category, campaigns, end, messages
        )
        consents.extend(DemoConsent(user_id=person.user_id, **c) for c in person_consents)
    messages.sort(key=lambda m: m["timestamp"])
    return DemoData(
        seed=seed,
        anchor=anchor,
        shift_days=shift.days,
        people=tuple(people),
        products=tuple(p.to_upsert() for p in catalogue),
        consents=tuple(consents),
        orders=tuple(orders),
        messages=tuple(messages),
    )
