"""The abandoned-cart journey end to end on both databases: real ingest → the dispatcher's
journeys consumer → waits ended by the ticker → the outbox → a real SMTP server."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from kizuna.clock import FrozenClock
from kizuna.db.engine import transaction
from kizuna.db.metadata import import_all_tables
from kizuna.experiments import api as experiments
from kizuna.ingest import api as ingest
from kizuna.ingest.feed_tables import EventFeedCursorRow
from kizuna.journeys import api as journeys
from kizuna.runtime import Runtime
from kizuna.types import CustomerId
from kizuna.workspaces.contracts import Workspace
from tests.integration.journeys.helpers import (
    count,
    customer,
    dispatcher,
    send_jobs,
    track,
    worker,
)
from tests.integration.messaging.channel_servers import smtp_server

T0 = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


def _cart_journey(runtime: Runtime, workspace: Workspace, holdout: float = 50.0) -> int:
    tpl = journeys.template("abandoned_cart")
    definition: dict[str, Any] = {**tpl.definition, "holdout_pct": holdout}
    with transaction(runtime.sessions) as s:
        j = journeys.create_journey(s, workspace.id, key="cart", name="Cart",
                                    definition=definition, now=T0)
        journeys.set_status(s, workspace.id, "cart", "live", now=T0)
    return j.id


def _arm(workspace: Workspace, cid: int, holdout: float = 50.0) -> str:
    return experiments.assign("journey:cart", str(cid), [experiments.Arm(name="main")],
                              holdout_pct=holdout,
                              salt=experiments.workspace_salt(workspace.id))


def _people(runtime: Runtime, workspace: Workspace, write_key: str) -> dict[str, CustomerId]:
    """Two customers in the main arm and one in the holdout."""
    found: dict[str, list[CustomerId]] = {"main": [], "holdout": []}
    for i in range(40):
        cid = customer(runtime, workspace, write_key, f"u{i}")
        found[_arm(workspace, cid)].append(cid)
        if len(found["main"]) >= 2 and found["holdout"]:
            break
    return {"a": found["main"][0], "b": found["main"][1], "h": found["holdout"][0]}


def _user(cid: int, runtime: Runtime) -> str:
    t = import_all_tables().tables["customers"]
    with runtime.sessions() as s:
        return str(s.scalar(select(t.c.external_id).where(t.c.id == cid)))


def test_abandoned_cart_end_to_end(runtime: Runtime, workspace: Workspace,
                                   write_key: str) -> None:
    clock = FrozenClock(T0)
    runtime.clock = clock
    people = _people(runtime, workspace, write_key)
    users = {k: _user(v, runtime) for k, v in people.items()}
    jid = _cart_journey(runtime, workspace)
    disp = dispatcher(runtime)

    for name, user in users.items():
        track(runtime, write_key, user, "Checkout Started", f"cart-{name}", cart_id=f"c-{name}")
    assert disp.drain() >= 3
    with runtime.sessions() as s:
        runs = {r.customer_id: r for r in journeys.list_runs(s, workspace.id, "cart")}
    assert {runs[people[k]].arm for k in "ab"} == {"main"} and runs[people["h"]].arm == "holdout"
    assert all(r.state is journeys.RunState.WAITING_EVENT for r in runs.values())
    assert all(r.due_at == T0 + timedelta(hours=1) for r in runs.values())

    # B orders the same cart after 20 minutes: converted, nothing will be sent to B
    clock.advance(timedelta(minutes=20))
    track(runtime, write_key, users["b"], "Order Completed", "order-b", cart_id="c-b",
          order_id="o-b", total=5000)
    disp.drain()
    assert journeys.advance_due(runtime.sessions, clock.now()) == 0  # nobody is due yet

    clock.at = T0 + timedelta(hours=1, seconds=1)
    assert journeys.advance_due(runtime.sessions, clock.now()) == 2  # A and H time out
    with runtime.sessions() as s:
        states = {r.customer_id: r.state for r in journeys.list_runs(s, workspace.id, "cart")}
    assert states == {people["a"]: journeys.RunState.COMPLETED,
                      people["b"]: journeys.RunState.CONVERTED,
                      people["h"]: journeys.RunState.COMPLETED}
    (only,) = send_jobs(runtime)
    assert only.startswith(f"journey:{jid}:") and only.endswith(f":reminder:{people['a']}")

    with smtp_server() as (port, box):
        assert worker(runtime, port, clock).run_until_idle() == 1
    ((_from, rcpts, raw),) = box.received
    assert rcpts == [f"{users['a']}@example.com"]
    subject = email.message_from_bytes(raw, policy=email.policy.default)["Subject"]
    assert "お買い物かご" in subject  # the template's default language (ja)

    # replaying the whole feed enrols nobody twice and sends nothing more
    with transaction(runtime.sessions) as s:
        s.execute(update(EventFeedCursorRow).where(EventFeedCursorRow.consumer == "journeys")
                  .values(position=0))
    replay = dispatcher(runtime)
    replay.drain()
    with transaction(runtime.sessions) as s:
        journeys.apply_events(s, ingest.read_feed(s, after_id=0), clock.now())
    assert count(runtime, "journey_runs") == 3
    assert len(send_jobs(runtime)) == 1

    # results: the holdout customer is counted, with "not enough data" flagged honestly
    with runtime.sessions() as s:
        res = journeys.journey_results(s, workspace.id, "cart", now=clock.now())
    assert res.entries == 3 and res.report is not None
    arms = {a.name: a for a in res.report.arms}
    assert arms["holdout"].n == 1 and arms["main"].n == 2
    assert arms["main"].conversions == 1
    assert not res.report.enough_data


def test_version_edit_keeps_runs_in_flight(runtime: Runtime, workspace: Workspace,
                                           write_key: str) -> None:
    clock = FrozenClock(T0)
    runtime.clock = clock
    old = {"trigger": {"type": "event", "event": "Signed Up"}, "holdout_pct": 0,
           "re_entry": "always",
           "steps": [{"id": "pause", "type": "wait", "duration": "1d"},
                     {"id": "hello", "type": "send", "template": {
                         "en": {"subject": "Old hello", "text": "v1"}}}]}
    new = {**old, "steps": [{"id": "pause2", "type": "wait", "duration": "2d"},
                            {"id": "hi", "type": "send", "template": {
                                "en": {"subject": "New hello", "text": "v2"}}}]}
    first = customer(runtime, workspace, write_key, "early")
    second = customer(runtime, workspace, write_key, "late")
    with transaction(runtime.sessions) as s:
        journeys.create_journey(s, workspace.id, key="welcome", name="Welcome", definition=old,
                                now=T0)
        journeys.set_status(s, workspace.id, "welcome", "live", now=T0)
    disp = dispatcher(runtime)
    track(runtime, write_key, "early", "Signed Up", "su-1")
    disp.drain()
    with transaction(runtime.sessions) as s:
        edited = journeys.update_journey(s, workspace.id, "welcome", definition=new, now=T0)
    assert edited.current_version == 2
    track(runtime, write_key, "late", "Signed Up", "su-2")
    disp.drain()
    with runtime.sessions() as s:
        runs = {r.customer_id: r for r in journeys.list_runs(s, workspace.id, "welcome")}
    assert (runs[first].version, runs[first].step_id) == (1, "hello")
    assert (runs[second].version, runs[second].step_id) == (2, "hi")

    clock.at = T0 + timedelta(days=1, seconds=1)
    assert journeys.advance_due(runtime.sessions, clock.now()) == 1
    clock.at = T0 + timedelta(days=2, seconds=1)
    assert journeys.advance_due(runtime.sessions, clock.now()) == 1
    keys = send_jobs(runtime)
    assert any(k.endswith(f":hello:{first}") for k in keys)
    assert any(k.endswith(f":hi:{second}") for k in keys)
    with smtp_server() as (port, box):
        assert worker(runtime, port, clock).run_until_idle() == 2
    subjects = {email.message_from_bytes(raw)["Subject"] for _f, _r, raw in box.received}
    assert subjects == {"Old hello", "New hello"}
