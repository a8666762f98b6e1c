"""The housekeeping loop against a real database: runs tasks, survives failures, stops."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from kizuna import housekeeping
from kizuna.clock import FrozenClock
from kizuna.db.engine import transaction
from kizuna.housekeeping import Housekeeper, Task
from kizuna.http.app import create_app
from kizuna.loyalty import api as loyalty
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import IdentityRef
from kizuna.recommend import api as recommend
from kizuna.runtime import Runtime
from kizuna.settings import Settings
from kizuna.types import WorkspaceId
from kizuna.workspaces.contracts import Workspace
from kizuna.workspaces.tables import WorkspaceRow
from tests.integration.loyalty.shop import order, programme
from tests.integration.recommend.rec_shop import write_rec_shop

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


def _second_workspace(runtime: Runtime) -> WorkspaceId:
    with runtime.sessions() as s, s.begin():  # no facade creates workspaces yet
        row = WorkspaceRow(slug="second", name="Second shop", created_at=NOW)
        s.add(row)
        s.flush()
        return WorkspaceId(row.id)


def _counter_task(name: str = "count") -> Task:
    def run(rt: Runtime, workspace_id: WorkspaceId, now: datetime) -> None:
        with transaction(rt.sessions) as s:
            ids = profiles.ensure_customers_by_external_id(s, workspace_id, ["hk"], now)
            current = profiles.get_customer(s, workspace_id, ids["hk"]).traits.get("runs", 0)
            profiles.apply_traits(s, workspace_id, ids["hk"], {"runs": current + 1}, now)

    return Task(name, 0.01, run)


def _failing_task() -> Task:
    def run(rt: Runtime, workspace_id: WorkspaceId, now: datetime) -> None:
        with transaction(rt.sessions) as s:
            profiles.ensure_customers_by_external_id(s, workspace_id, ["never"], now)
            raise RuntimeError("boom")

    return Task("boom", 0.01, run)


def _runs(runtime: Runtime, workspace_id: WorkspaceId) -> int:
    with runtime.sessions() as s:
        found = profiles.find_customer_id(s, workspace_id,
                                          IdentityRef(user_id="hk"))
        if found is None:
            return 0
        return int(profiles.get_customer(s, workspace_id, found).traits.get("runs", 0))


def _wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def test_loop_runs_every_workspace_survives_failures_and_stops(
    runtime: Runtime, workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    second = _second_workspace(runtime)
    keeper = Housekeeper(runtime, [_failing_task(), _counter_task()], tick=0.01,
                         first_delay=0)
    caplog.set_level(logging.ERROR, logger="kizuna.housekeeping")
    assert keeper.start()
    try:
        _wait_for(lambda: _runs(runtime, workspace.id) >= 3 and _runs(runtime, second) >= 3)
    finally:
        assert keeper.stop(timeout=10)
    assert not keeper.running
    stopped_at = (_runs(runtime, workspace.id), _runs(runtime, second))
    time.sleep(0.1)
    assert (_runs(runtime, workspace.id), _runs(runtime, second)) == stopped_at
    failed = [r for r in keeper.history if r.outcome == "failed"]
    assert failed and {r.workspace_id for r in failed} == {workspace.id, second}
    assert all(r.task == "boom" and "RuntimeError: boom" in r.error for r in failed)
    assert any(f"workspace {second}" in rec.getMessage() and "'boom'" in rec.getMessage()
               for rec in caplog.records)
    with runtime.sessions() as s:  # the failing task's transaction was rolled back
        assert profiles.find_customer_id(s, workspace.id, IdentityRef(user_id="never")) is None


def test_stop_waits_for_the_running_task(runtime: Runtime, workspace: Workspace) -> None:
    entered = threading.Event()

    def slow(rt: Runtime, workspace_id: WorkspaceId, now: datetime) -> None:
        entered.set()
        time.sleep(0.3)

    keeper = Housekeeper(runtime, [Task("slow", 60, slow)], tick=0.01, first_delay=0)
    assert keeper.start()
    assert entered.wait(5)
    started = time.monotonic()
    assert keeper.stop(timeout=10)
    assert time.monotonic() - started < 1.0
    assert [r.outcome for r in keeper.history] == ["ok"]


def test_one_loop_per_process(runtime: Runtime, workspace: Workspace) -> None:
    first = Housekeeper(runtime, [_counter_task()], tick=0.01)
    second = Housekeeper(runtime, [_counter_task()], tick=0.01)
    assert first.start()
    try:
        assert not second.start()
    finally:
        assert first.stop(timeout=10)
    assert second.start()
    assert second.stop(timeout=10)


def test_default_tasks_run_loyalty_and_retrain(runtime: Runtime, workspace: Workspace) -> None:
    runtime.clock = FrozenClock(NOW)
    shop = write_rec_shop(runtime, workspace, now=NOW, customers=24)
    member = shop.customers["u001"]
    with runtime.sessions() as s, s.begin():
        programme(s, workspace.id)
        loyalty.enrol(s, workspace.id, member, channel="api", now=NOW - timedelta(days=3))
        order(s, workspace.id, member, "hk-order-1", 5000, NOW - timedelta(days=1))
    keeper = Housekeeper(runtime, housekeeping.default_tasks(runtime.settings), first_delay=0)
    runs = keeper.run_due()
    assert [(r.task, r.outcome) for r in runs][:2] == [("loyalty", "ok"), ("recommend", "ok")]
    assert ("segments", "ok") in [(r.task, r.outcome) for r in runs]
    assert keeper.run_due() == []  # nothing due again before the intervals pass
    with runtime.sessions() as s:
        summary = loyalty.member_summary(s, workspace.id, member, now=NOW)
        picks = recommend.recommendations_for_template(s, workspace.id, member, now=NOW)
    assert summary is not None and summary.balance > 0
    assert picks


def test_advisory_lock_lets_one_process_run_a_task(
    runtime: Runtime, workspace: Workspace
) -> None:
    keeper = Housekeeper(runtime, [_counter_task()])
    key = housekeeping.lock_key("count", workspace.id)
    if runtime.engine.dialect.name != "postgresql":
        assert keeper.run_task(keeper.tasks[0], workspace.id).outcome == "ok"
        return
    with runtime.engine.connect() as other:  # another server process holding the lock
        other.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": key})
        other.commit()
        assert keeper.run_task(keeper.tasks[0], workspace.id).outcome == "skipped"
        other.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        other.commit()
    assert keeper.run_task(keeper.tasks[0], workspace.id).outcome == "ok"
    assert _runs(runtime, workspace.id) == 1
    with runtime.engine.connect() as conn:  # released after the task
        # pg_locks is server-wide: other tests' databases (dispatchers in worker processes)
        # hold advisory locks of their own, so count this test database's only
        assert conn.execute(sa.text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())")).scalar() == 0


@pytest.mark.parametrize(("background", "enabled", "expected"), [
    (True, True, True), (True, False, False), (False, True, False),
])
def test_app_lifespan_starts_and_stops_the_loop(
    settings: Settings, runtime: Runtime, background: bool, enabled: bool, expected: bool
) -> None:
    app_settings = settings.model_copy(update={"housekeeping": enabled})
    app = create_app(app_settings, runtime, background=background)
    assert not housekeeping._ACTIVE.locked()
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        assert housekeeping._ACTIVE.locked() is expected
        assert any(t.name == "kizuna-housekeeping" for t in threading.enumerate()) is expected
    assert not housekeeping._ACTIVE.locked()
    assert not any(t.name == "kizuna-housekeeping" for t in threading.enumerate())
