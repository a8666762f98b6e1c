"""Incremental membership through the dispatcher: identify/track/alias events move customers
in and out at once, replays record nothing twice, and a full recompute afterwards finds
nothing to change (randomized); time windows and consents through their sweeps."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from kizuna.commerce import api as commerce
from kizuna.commerce.contracts import OrderRecord
from kizuna.db.metadata import import_all_tables
from kizuna.dispatch import Consumer, Dispatcher
from kizuna.ingest import api as ingest
from kizuna.ingest.feed_tables import EventFeedCursorRow
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert, IdentityRef
from kizuna.runtime import Runtime
from kizuna.segments import api as segments
from kizuna.segments.incremental import membership_counts
from kizuna.types import CustomerId
from kizuna.workspaces.contracts import Workspace

PRO = {"trait": "plan", "op": "eq", "value": "pro"}
SEGMENTS: dict[str, Any] = {
    "pro": PRO,
    "buyers": {"orders": {"at_least": 1}},
    "viewers": {"event": "Product Viewed", "at_least": 2},
    "pro-buyers": {"all": [{"segment": "pro"}, {"segment": "buyers"}]},
    "quiet": {"not": {"event": "Product Viewed", "within_days": 30}},
}


def _events(runtime: Runtime, name: str) -> list[tuple[int, str]]:
    events = import_all_tables().tables["events"]
    with runtime.sessions() as s:
        return [(int(c), str(m)) for c, m in s.execute(
            select(events.c.customer_id, events.c.message_id).where(events.c.event == name)
            .order_by(events.c.id))]


def _send(runtime: Runtime, write_key: str, messages: list[dict[str, Any]]) -> None:
    with runtime.sessions.begin() as s:
        source = ingest.find_source_by_write_key(s, write_key)
        assert source is not None
        ingest.ingest_messages(s, source=source, messages=messages,
                               received_at=runtime.clock.now())


def _define(runtime: Runtime, workspace: Workspace, defs: dict[str, Any]) -> None:
    now = runtime.clock.now()
    with runtime.sessions.begin() as s:
        for key, cond in defs.items():
            segments.create_segment(s, workspace.id, key=key, name=key.title(), condition=cond,
                                    now=now)
        segments.recompute_all(s, workspace.id, now)


def _dispatcher(runtime: Runtime) -> Dispatcher:
    d = Dispatcher(runtime, [Consumer("segments", segments.apply_events)])
    d.run_once()  # starts at the end of the feed
    return d


def _members(runtime: Runtime, workspace: Workspace, key: str) -> list[int]:
    with runtime.sessions() as s:
        return segments.list_members(s, workspace.id, key, limit=10_000)


def _customer(runtime: Runtime, workspace: Workspace, user_id: str) -> int:
    with runtime.sessions() as s:
        found = profiles.find_customer_id(s, workspace.id, IdentityRef(user_id=user_id))
    assert found is not None
    return int(found)


def test_identify_moves_a_customer_in_and_out(runtime: Runtime, workspace: Workspace,
                                              write_key: str) -> None:
    _define(runtime, workspace, {"pro": PRO})
    d = _dispatcher(runtime)
    _send(runtime, write_key, [{"type": "identify", "userId": "u1", "messageId": "i1",
                                "traits": {"plan": "pro"}}])
    d.drain()
    cid = _customer(runtime, workspace, "u1")
    assert _members(runtime, workspace, "pro") == [cid]
    entered = _events(runtime, segments.ENTERED)
    assert [c for c, _ in entered] == [cid]
    assert entered[0][1].endswith(f":enter:{cid}:c1")  # not the full recompute's id
    _send(runtime, write_key, [{"type": "identify", "userId": "u1", "messageId": "i2",
                                "traits": {"plan": "free"}}])
    d.drain()
    assert _members(runtime, workspace, "pro") == []
    assert [c for c, _ in _events(runtime, segments.EXITED)] == [cid]
    # a replay of the whole feed (a crash before positions were saved) records nothing twice
    with runtime.sessions.begin() as s:
        s.execute(update(EventFeedCursorRow).values(position=0))
    Dispatcher(runtime, [Consumer("segments", segments.apply_events)]).drain()
    assert len(_events(runtime, segments.ENTERED)) == 1
    assert len(_events(runtime, segments.EXITED)) == 1
    with runtime.sessions() as s:
        assert segments.get_segment(s, workspace.id, "pro").size == 0


def test_random_events_agree_with_a_full_recompute(runtime: Runtime, workspace: Workspace,
                                                   write_key: str) -> None:
    _define(runtime, workspace, SEGMENTS)
    d = _dispatcher(runtime)
    rng = random.Random(11)
    n = 0
    for _batch in range(6):
        messages: list[dict[str, Any]] = []
        for _ in range(rng.randint(5, 25)):
            n += 1
            user = f"u{rng.randint(1, 12)}"
            kind = rng.random()
            if kind < 0.3:
                messages.append({"type": "identify", "userId": user, "messageId": f"r{n}",
                                 "traits": {"plan": rng.choice(["pro", "free", None])}})
            elif kind < 0.6:
                messages.append({"type": "track", "userId": user, "messageId": f"r{n}",
                                 "event": "Product Viewed",
                                 "properties": {"category": "jazz"}})
            elif kind < 0.8:
                messages.append({"type": "track", "userId": user, "messageId": f"r{n}",
                                 "event": "Order Completed",
                                 "properties": {"order_id": f"o{n}", "total": 10,
                                                "currency": "JPY"}})
            else:
                messages.append({"type": "page", "userId": user, "messageId": f"r{n}",
                                 "name": "Home"})
        _send(runtime, write_key, messages)
        d.drain()
    now = runtime.clock.now()
    with runtime.sessions.begin() as s:
        sizes = {seg.key: seg.size or 0 for seg in segments.list_segments(s, workspace.id)}
        rows = {seg.key: membership_counts(s, seg.id)
                for seg in segments.list_segments(s, workspace.id)}
        outcomes = segments.recompute_all(s, workspace.id, now)
    assert [(o.key, o.entered, o.exited) for o in outcomes] == [
        (o.key, 0, 0) for o in outcomes]
    assert sizes == {o.key: o.size for o in outcomes} == rows
    assert sum(sizes.values()) > 0
    assert len(_events(runtime, segments.ENTERED)) >= sum(sizes.values())


def test_merged_profile_survivor_is_re_evaluated(runtime: Runtime, workspace: Workspace,
                                                 write_key: str) -> None:
    _define(runtime, workspace, {"pro": PRO})
    d = _dispatcher(runtime)
    _send(runtime, write_key, [
        {"type": "identify", "anonymousId": "a1", "messageId": "m1", "traits": {"plan": "pro"}},
        {"type": "identify", "userId": "u1", "messageId": "m2", "traits": {"plan": "pro"}}])
    d.drain()
    assert len(_members(runtime, workspace, "pro")) == 2
    _send(runtime, write_key, [{"type": "alias", "previousId": "a1", "userId": "u1",
                                "messageId": "m3"}])
    d.drain()
    survivor = _customer(runtime, workspace, "u1")
    assert _members(runtime, workspace, "pro") == [survivor]
    with runtime.sessions.begin() as s:
        seg = segments.get_segment(s, workspace.id, "pro")
        assert membership_counts(s, seg.id) == 1 and seg.size == 1
        assert [(o.entered, o.exited) for o in segments.recompute_all(
            s, workspace.id, runtime.clock.now())] == [(0, 0)]


def test_no_order_for_90_days_fires_in_the_time_sweep(runtime: Runtime,
                                                      workspace: Workspace) -> None:
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    with runtime.sessions.begin() as s:
        ids = profiles.upsert_customers(s, workspace.id, [
            CustomerUpsert(external_id="due"), CustomerUpsert(external_id="recent")], now)
        commerce.record_orders(s, workspace.id, [
            OrderRecord(external_id="o1", customer_id=ids[0],
                        placed_at=now - timedelta(days=90) + timedelta(minutes=30),
                        total=Decimal("10")),
            OrderRecord(external_id="o2", customer_id=ids[1],
                        placed_at=now - timedelta(days=10), total=Decimal("10"))], now)
        segments.create_segment(s, workspace.id, key="lapsed", name="Lapsed",
                                condition={"no_order_for_days": 90}, now=now)
        assert segments.recompute_segment(s, workspace.id, "lapsed", now).size == 0
    assert segments.sweep_time_windows(runtime.sessions, now) == {workspace.id: 0}
    later = now + timedelta(minutes=29)
    assert segments.sweep_time_windows(runtime.sessions, later) == {workspace.id: 0}
    later = now + timedelta(minutes=31)  # the 90th day of customer "due" has passed
    assert segments.sweep_time_windows(runtime.sessions, later) == {workspace.id: 1}
    assert _members(runtime, workspace, "lapsed") == [ids[0]]
    assert [c for c, _ in _events(runtime, segments.ENTERED)] == [ids[0]]
    with runtime.sessions() as s:
        seg = segments.get_segment(s, workspace.id, "lapsed")
    assert seg.recompute_count == 1 and seg.size == 1  # no full recompute ran
    assert segments.sweep_time_windows(runtime.sessions, later + timedelta(days=1)) == {
        workspace.id: 0}


def test_within_days_event_leaves_the_window(runtime: Runtime, workspace: Workspace,
                                             write_key: str) -> None:
    now = runtime.clock.now()
    _send(runtime, write_key, [{"type": "track", "userId": "u1", "messageId": "v1",
                                "event": "Product Viewed",
                                "timestamp": (now - timedelta(days=7) + timedelta(hours=1))
                                .isoformat()}])
    cid = _customer(runtime, workspace, "u1")
    _define(runtime, workspace, {"recent": {"event": "Product Viewed", "within_days": 7}})
    assert _members(runtime, workspace, "recent") == [cid]
    segments.sweep_time_windows(runtime.sessions, now)
    assert segments.sweep_time_windows(runtime.sessions, now + timedelta(hours=2)) == {
        workspace.id: 1}
    assert _members(runtime, workspace, "recent") == []
    assert [c for c, _ in _events(runtime, segments.EXITED)] == [cid]


def test_consent_change_is_picked_up(runtime: Runtime, workspace: Workspace) -> None:
    now = runtime.clock.now()
    with runtime.sessions.begin() as s:
        ids = profiles.upsert_customers(s, workspace.id, [CustomerUpsert(external_id="c")], now)
    _define(runtime, workspace, {"mail": {"consent": {"channel": "email",
                                                      "purpose": "marketing"}}})
    segments.sweep_consents(runtime.sessions, now)  # a new consent segment starts at the end
    with runtime.sessions.begin() as s:
        profiles.record_consent(s, workspace.id, CustomerId(ids[0]), channel="email",
                                purpose="marketing", status="granted", method="api",
                                wording=None, at=now)
    assert segments.sweep_consents(runtime.sessions, now) == {workspace.id: 1}
    assert _members(runtime, workspace, "mail") == [ids[0]]
    with runtime.sessions.begin() as s:
        profiles.record_consent(s, workspace.id, CustomerId(ids[0]), channel="email",
                                purpose="marketing", status="withdrawn", method="api",
                                wording=None, at=now + timedelta(seconds=1))
    segments.sweep_consents(runtime.sessions, now + timedelta(seconds=1))
    assert _members(runtime, workspace, "mail") == []
