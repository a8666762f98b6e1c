"""Journey engine on both databases: date triggers per time zone, property filters, branches,
re-entry rules, goal exits, pause/archive, segment entry, waits until a local time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from kizuna.clock import FrozenClock
from kizuna.db.engine import transaction
from kizuna.ingest import api as ingest
from kizuna.journeys import api as journeys
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.runtime import Runtime
from kizuna.segments import api as segments
from kizuna.workspaces.contracts import Workspace
from tests.integration.journeys.helpers import customer, dispatcher, send_jobs, track

T0 = datetime(2026, 12, 2, 0, 30, tzinfo=UTC)  # 09:30 in Tokyo, 19:30 (1 Dec) in New York
HELLO = {"en": {"subject": "Hi", "text": "Hello"}}


def _live(runtime: Runtime, workspace: Workspace, key: str, definition: dict[str, Any],
          now: datetime = T0) -> int:
    with transaction(runtime.sessions) as s:
        j = journeys.create_journey(s, workspace.id, key=key, name=key, definition=definition,
                                    now=now)
        journeys.set_status(s, workspace.id, key, "live", now=now)
    return j.id


def _runs(runtime: Runtime, workspace: Workspace, key: str) -> list[journeys.Run]:
    with runtime.sessions() as s:
        return journeys.list_runs(s, workspace.id, key)


def test_birthday_fires_at_nine_local_time_once_per_year(runtime: Runtime,
                                                         workspace: Workspace) -> None:
    with transaction(runtime.sessions) as s:
        tokyo, ny, other = profiles.upsert_customers(s, workspace.id, [
            CustomerUpsert(external_id="tokyo", email="t@example.com", birthday=date(1990, 12, 2),
                           timezone="Asia/Tokyo"),
            CustomerUpsert(external_id="ny", email="n@example.com", birthday=date(1985, 12, 2),
                           timezone="America/New_York"),
            CustomerUpsert(external_id="other", email="o@example.com",
                           birthday=date(1990, 12, 3), timezone="Asia/Tokyo")], T0)
    tpl = journeys.template("birthday").definition
    _live(runtime, workspace, "bday", {**tpl, "holdout_pct": 0})

    assert journeys.enrol_due_dates(runtime.sessions, T0 - timedelta(hours=1)) == 0  # 08:30
    assert journeys.enrol_due_dates(runtime.sessions, T0) == 1
    assert journeys.enrol_due_dates(runtime.sessions, T0 + timedelta(minutes=1)) == 0
    assert [r.customer_id for r in _runs(runtime, workspace, "bday")] == [tokyo]
    assert journeys.advance_due(runtime.sessions, T0) == 1
    ny_nine = datetime(2026, 12, 2, 14, 5, tzinfo=UTC)
    assert journeys.enrol_due_dates(runtime.sessions, ny_nine) == 1
    assert journeys.advance_due(runtime.sessions, ny_nine) == 1
    keys = send_jobs(runtime)
    assert len(keys) == 2 and {k.rsplit(":", 1)[1] for k in keys} == {str(tokyo), str(ny)}
    assert other not in {r.customer_id for r in _runs(runtime, workspace, "bday")}
    assert {r.trigger_key for r in _runs(runtime, workspace, "bday")} == {"birthday:2026"}


def test_detractor_filter_and_trait_update(runtime: Runtime, workspace: Workspace,
                                           write_key: str) -> None:
    runtime.clock = FrozenClock(T0)
    sad, happy = (customer(runtime, workspace, write_key, u) for u in ("sad", "happy"))
    tpl = journeys.template("detractor_follow_up").definition
    _live(runtime, workspace, "detractors", {**tpl, "holdout_pct": 0})
    disp = dispatcher(runtime)
    with transaction(runtime.sessions) as s:
        for cid, score in ((sad, 3), (happy, 9)):
            ingest.record_customer_event(s, workspace.id, customer_id=cid,
                                         event="Survey Responded",
                                         properties={"survey_type": "nps", "score": score},
                                         at=T0, message_id=f"survey:{cid}")
    disp.drain()
    (run,) = _runs(runtime, workspace, "detractors")
    assert run.customer_id == sad and run.state is journeys.RunState.COMPLETED
    with runtime.sessions() as s:
        assert profiles.get_customer(s, workspace.id, sad).traits["needs_follow_up"] is True
    assert [k.rsplit(":", 2)[1] for k in send_jobs(runtime)] == ["apology"]


def test_branch_re_entry_after_exit_and_goal(runtime: Runtime, workspace: Workspace,
                                             write_key: str) -> None:
    clock = FrozenClock(T0)
    runtime.clock = clock
    pro = customer(runtime, workspace, write_key, "pro", plan="pro")
    free = customer(runtime, workspace, write_key, "free", plan="free")
    _live(runtime, workspace, "nudge", {
        "trigger": {"type": "event", "event": "Viewed"}, "holdout_pct": 0,
        "re_entry": "after_exit", "goal_event": "Purchased",
        "steps": [
            {"id": "plan", "type": "branch",
             "condition": {"trait": "plan", "op": "eq", "value": "pro"},
             "then": "send-pro", "else": "send-free"},
            {"id": "send-pro", "type": "send", "template": HELLO, "next": "pause"},
            {"id": "send-free", "type": "send", "template": HELLO},
            {"id": "pause", "type": "wait", "duration": "1d"},
        ]})
    disp = dispatcher(runtime)
    track(runtime, write_key, "pro", "Viewed", "v1")
    track(runtime, write_key, "free", "Viewed", "v2")
    track(runtime, write_key, "pro", "Viewed", "v3")  # still in the journey: not again
    disp.drain()
    keys = send_jobs(runtime)
    assert sorted(k.rsplit(":", 2)[1] for k in keys) == ["send-free", "send-pro"]
    assert any(k.endswith(f"send-pro:{pro}") for k in keys)
    assert any(k.endswith(f"send-free:{free}") for k in keys)
    assert len(_runs(runtime, workspace, "nudge")) == 2

    clock.advance(timedelta(hours=1))
    track(runtime, write_key, "pro", "Purchased", "p1")
    disp.drain()
    states = {r.customer_id: r.state for r in _runs(runtime, workspace, "nudge")}
    assert states == {pro: journeys.RunState.CONVERTED, free: journeys.RunState.WAITING}
    track(runtime, write_key, "pro", "Viewed", "v4")  # the run ended: enters again
    disp.drain()
    assert len(_runs(runtime, workspace, "nudge")) == 3


def test_pause_holds_runs_and_archive_ends_them(runtime: Runtime, workspace: Workspace,
                                               write_key: str) -> None:
    clock = FrozenClock(T0)
    runtime.clock = clock
    customer(runtime, workspace, write_key, "p")
    _live(runtime, workspace, "slow", {
        "trigger": {"type": "event", "event": "Joined"}, "holdout_pct": 0,
        "steps": [{"id": "pause", "type": "wait", "duration": "1h"},
                  {"id": "hello", "type": "send", "template": HELLO}]})
    disp = dispatcher(runtime)
    track(runtime, write_key, "p", "Joined", "j1")
    disp.drain()
    with transaction(runtime.sessions) as s:
        journeys.set_status(s, workspace.id, "slow", "paused", now=T0)
    track(runtime, write_key, "p", "Joined", "j2")
    disp.drain()
    assert len(_runs(runtime, workspace, "slow")) == 1  # no new entries while paused
    later = T0 + timedelta(hours=2)
    assert journeys.advance_due(runtime.sessions, later) == 0  # runs wait
    with transaction(runtime.sessions) as s:
        journeys.set_status(s, workspace.id, "slow", "archived", now=later)
    (run,) = _runs(runtime, workspace, "slow")
    assert run.state is journeys.RunState.EXITED and send_jobs(runtime) == []


def test_segment_entry_and_wait_until_local_time(runtime: Runtime, workspace: Workspace,
                                                 write_key: str) -> None:
    clock = FrozenClock(T0)
    runtime.clock = clock
    cid = customer(runtime, workspace, write_key, "vip", plan="vip")
    with transaction(runtime.sessions) as s:
        segments.create_segment(s, workspace.id, key="vips", name="VIPs",
                                condition={"trait": "plan", "op": "eq", "value": "vip"}, now=T0)
    _live(runtime, workspace, "vip-hello", {
        "trigger": {"type": "segment_entered", "segment": "vips"}, "holdout_pct": 0,
        "steps": [{"id": "morning", "type": "wait", "until": "18:00"},
                  {"id": "hello", "type": "send", "template": HELLO}]})
    disp = dispatcher(runtime)
    with transaction(runtime.sessions) as s:
        segments.recompute_segment(s, workspace.id, "vips", T0)
    disp.drain()
    (run,) = _runs(runtime, workspace, "vip-hello")
    assert run.customer_id == cid and run.state is journeys.RunState.WAITING
    # the workspace's zone (Asia/Tokyo): 18:00 local = 09:00 UTC the same day
    assert run.due_at == datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    assert journeys.advance_due(runtime.sessions, run.due_at) == 1
    assert len(send_jobs(runtime)) == 1


def test_days_since_last_order_and_anniversary_traits(runtime: Runtime,
                                                      workspace: Workspace) -> None:
    from decimal import Decimal

    from kizuna.commerce import api as commerce
    from kizuna.commerce.contracts import OrderRecord

    with transaction(runtime.sessions) as s:
        lapsed, recent, again, married = profiles.upsert_customers(s, workspace.id, [
            CustomerUpsert(external_id=e, email=f"{e}@example.com", timezone="Asia/Tokyo",
                           traits={"anniversary": "2019-12-02"} if e == "married" else {})
            for e in ("lapsed", "recent", "again", "married")], T0)
        day = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)  # 2 Nov, 12:00 Tokyo: 30 days ago
        commerce.record_orders(s, workspace.id, [
            OrderRecord(external_id="o1", customer_id=lapsed, placed_at=day, total=Decimal(10)),
            OrderRecord(external_id="o2", customer_id=recent, placed_at=day + timedelta(days=3),
                        total=Decimal(10)),
            OrderRecord(external_id="o3", customer_id=again, placed_at=day, total=Decimal(10)),
            OrderRecord(external_id="o4", customer_id=again, placed_at=day + timedelta(days=9),
                        total=Decimal(10))], T0)
    _live(runtime, workspace, "lapsed", {
        "trigger": {"type": "date", "field": "last_order", "offset_days": 30, "at": "09:00"},
        "holdout_pct": 0, "re_entry": "always",
        "steps": [{"id": "hello", "type": "send", "template": HELLO}]})
    _live(runtime, workspace, "anniversary", {
        "trigger": {"type": "date", "field": "traits.anniversary", "at": "09:00"},
        "holdout_pct": 0, "re_entry": "always",
        "steps": [{"id": "hello", "type": "send", "template": HELLO}]})
    enrolled = journeys.enrol_due_dates(runtime.sessions, T0)
    assert [r.customer_id for r in _runs(runtime, workspace, "anniversary")] == [married]
    assert [r.customer_id for r in _runs(runtime, workspace, "lapsed")] == [lapsed]
    assert enrolled == 2
    assert [r.trigger_key for r in _runs(runtime, workspace, "lapsed")] == [
        "last_order:2026-11-02"]
    assert [r.customer_id for r in _runs(runtime, workspace, "anniversary")] == [married]
    assert journeys.enrol_due_dates(runtime.sessions, T0 + timedelta(minutes=1)) == 0


def test_ab_variants_per_arm(runtime: Runtime, workspace: Workspace, write_key: str) -> None:
    from sqlalchemy import select

    from kizuna.db.metadata import import_all_tables

    runtime.clock = FrozenClock(T0)
    _live(runtime, workspace, "ab", {
        "trigger": {"type": "event", "event": "Joined"}, "holdout_pct": 0,
        "arms": [{"name": "a", "weight": 1}, {"name": "b", "weight": 1}],
        "steps": [{"id": "hello", "type": "send", "template": HELLO,
                   "variants": {"b": {"en": {"subject": "Hi from B", "text": "B"}}}}]})
    disp = dispatcher(runtime)
    for i in range(12):
        customer(runtime, workspace, write_key, f"ab{i}")
        track(runtime, write_key, f"ab{i}", "Joined", f"join-{i}")
    disp.drain()
    arms = {r.customer_id: r.arm for r in _runs(runtime, workspace, "ab")}
    assert set(arms.values()) == {"a", "b"}
    jobs = import_all_tables().tables["outbox_jobs"]
    with runtime.sessions() as s:
        payloads = list(s.scalars(select(jobs.c.payload)))
    for p in payloads:
        expected = "Hi from B" if arms[p["customer_id"]] == "b" else "Hi"
        assert p["template"]["en"]["subject"] == expected
    assert len(payloads) == 12


def test_two_tickers_at_once_send_once_per_run(runtime: Runtime, workspace: Workspace) -> None:
    import threading

    with transaction(runtime.sessions) as s:
        ids = profiles.upsert_customers(s, workspace.id, [
            CustomerUpsert(external_id=f"t{i}", email=f"t{i}@example.com", traits={"n": i})
            for i in range(60)], T0)
    _live(runtime, workspace, "tick", {
        "trigger": {"type": "event", "event": "Tick"}, "holdout_pct": 0,
        "steps": [{"id": "pause", "type": "wait", "duration": "1h"},
                  {"id": "hello", "type": "send", "template": HELLO}]})
    with transaction(runtime.sessions) as s:
        for cid in ids:
            ingest.record_customer_event(s, workspace.id, customer_id=cid, event="Tick",
                                         properties={}, at=T0, message_id=f"tick:{cid}")
        journeys.apply_events(s, ingest.read_feed(s, after_id=0), T0)
    later = T0 + timedelta(hours=2)
    counts: list[int] = []
    errors: list[BaseException] = []

    def tick() -> None:
        try:
            counts.append(journeys.advance_due(runtime.sessions, later, limit=7))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=tick) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and sum(counts) == 60
    keys = send_jobs(runtime)
    assert len(keys) == 60 and len(set(keys)) == 60
    assert {r.state for r in _runs(runtime, workspace, "tick")} == {
        journeys.RunState.COMPLETED}
