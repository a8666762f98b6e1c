"""Loading the demo data set through the real facades, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select

from kizuna.commerce import api as commerce
from kizuna.db.engine import transaction
from kizuna.demo import listen, load
from kizuna.demo.generate import DemoData, generate_demo
from kizuna.ingest import api as ingest
from kizuna.ingest.tables import EventRow
from kizuna.profiles import api as profiles
from kizuna.runtime import Runtime

SEED = 7


@pytest.fixture(scope="module")
def data() -> DemoData:
    return generate_demo(customers=30, seed=SEED, anchor=date(2026, 11, 23))


def _access(runtime: Runtime) -> load.DemoAccess:
    with transaction(runtime.sessions) as session:
        return load.ensure_demo_access(session, runtime.clock, secret="s3cret", seed=SEED)


def test_demo_loads_orders_customers_consent_and_merged_events(
    runtime: Runtime, data: DemoData
) -> None:
    access = _access(runtime)
    report = load.load_demo(runtime.sessions, access=access, data=data, clock=runtime.clock)
    assert report.orders_written == len(data.orders)
    # Survey answers and reviews are loaded as responses and reviews (demo/listen.py).
    assert report.events_accepted == len([m for m in data.messages if not listen.handles(m)])

    with transaction(runtime.sessions) as session:
        ws = access.workspace_id
        assert load.workspace_has_data(session, ws)
        customers = [
            profiles.get_customer(session, ws, cid)
            for cid in profiles.ensure_customers_by_external_id(
                session, ws, [p.user_id for p in data.people], runtime.clock.now()
            ).values()
        ]
        locales = Counter(c.locale for c in customers)
        assert locales["ja"] > 0 and locales["en"] > 0
        ja = next(c for c in customers if c.locale == "ja")
        assert ja.timezone == "Asia/Tokyo" and ja.traits["last_name_kana"]
        # First seen is historical (CDNOW's Q1-1997 cohort, shifted), not the loading time.
        assert all(c.first_seen_at.date() < date(2025, 9, 1) for c in customers)

        orders = sum(
            len(commerce.list_customer_orders(session, ws, c.id, limit=500)) for c in customers
        )
        assert orders == len(data.orders)
        consented = [c for c in customers if profiles.list_consents(session, ws, c.id)]
        assert consented
        statuses = {k.status for c in consented for k in profiles.list_consents(session, ws, c.id)}
        assert "granted" in statuses

        # Anonymous browsing before the first identify ends up on the customer's timeline.
        anonymous_on_timeline = 0
        merges = 0
        for c in customers:
            page = ingest.list_timeline(session, ws, c.id, limit=500)
            anonymous_on_timeline += sum(
                1 for e in page.entries if e.kind == "event" and e.anonymous_id and not e.user_id
            )
            merges += len(profiles.list_merges(session, ws, c.id))
        assert anonymous_on_timeline > 0
        assert merges > 0


def test_loading_twice_adds_nothing(runtime: Runtime, data: DemoData) -> None:
    access = _access(runtime)
    load.load_demo(runtime.sessions, access=access, data=data, clock=runtime.clock)

    def counts() -> tuple[int, int]:
        with transaction(runtime.sessions) as session:
            events = session.scalar(select(func.count()).select_from(EventRow)) or 0
            return profiles.count_customers(session, access.workspace_id), events

    before = counts()
    again = _access(runtime)
    assert again.write_key == access.write_key and again.source.id == access.source.id
    report = load.load_demo(runtime.sessions, access=again, data=data, clock=runtime.clock)
    assert report.orders_written == 0 and report.orders_skipped == len(data.orders)
    plain = [m for m in data.messages if not listen.handles(m)]
    assert report.events_accepted == 0 and report.events_duplicate == len(plain)
    assert report.consents == 0
    assert report.listen.survey_responses == 0 and report.listen.ideas == 0
    assert counts() == before
