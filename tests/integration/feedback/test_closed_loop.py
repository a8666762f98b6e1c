"""Follow-up tasks on real databases: who gets one, status and notes, loop metrics."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kizuna.feedback import api as feedback
from kizuna.feedback.contracts import FollowupPolicy
from kizuna.feedback.errors import FollowupTaskNotFound, TaskChangeInvalid
from kizuna.runtime import Runtime
from kizuna.types import WorkspaceId
from kizuna.workspaces.contracts import Workspace
from tests.integration.feedback.data import T0, answer, customers

NOW = T0 + timedelta(days=10)


def _tasks(runtime: Runtime, ws: WorkspaceId, **kw: object) -> list[int]:
    with runtime.sessions.begin() as s:
        page = feedback.list_tasks(s, ws, now=NOW, **kw)  # type: ignore[arg-type]
    return [t.item_id for t in page.items]


def test_who_gets_a_followup_task(runtime: Runtime, workspace: Workspace) -> None:
    ws = workspace.id
    c = customers(runtime, ws, 6)
    det = answer(runtime, ws, "nps-det", "Slow", score=6, customer=c[0])
    answer(runtime, ws, "nps-det", "Slow!", score=6, customer=c[0])  # again: still one task
    answer(runtime, ws, "nps-passive", "ok", score=7, customer=c[1])
    enps = answer(runtime, ws, "enps", "", score=0, score_kind="enps", customer=c[2])
    csat = answer(runtime, ws, "csat", "bad", score=2, score_kind="csat", customer=c[3])
    answer(runtime, ws, "csat-ok", "fine", score=3, score_kind="csat", customer=c[3])
    ces = answer(runtime, ws, "ces", "hard", score=5, score_kind="ces", customer=c[4])
    answer(runtime, ws, "ces-ok", "easy", score=4, score_kind="ces", customer=c[4])
    answer(runtime, ws, "anon", "awful", score=0, anonymous=True)
    answer(runtime, ws, "nobody", "awful", score=0)  # no customer: nobody to contact
    answer(runtime, ws, "rating", "meh", score=1, score_kind="rating", customer=c[5])
    assert sorted(_tasks(runtime, ws)) == sorted([det, enps, csat, ces])
    with runtime.sessions.begin() as s:
        reasons = {t.item_id: t.reason for t in feedback.list_tasks(s, ws, now=NOW).items}
    assert reasons == {det: "detractor", enps: "detractor", csat: "low_csat", ces: "hard_ces"}


def test_policy_status_notes_and_metrics(runtime: Runtime, workspace: Workspace) -> None:
    ws = workspace.id
    c = customers(runtime, ws, 4)
    items = [answer(runtime, ws, f"d{i}", "Slow", score=i, customer=c[i], day=i) for i in range(4)]
    with runtime.sessions.begin() as s:
        assert feedback.apply_followup_policy(
            s, ws, FollowupPolicy(default_owner="Owner@Example.com", due_hours=24)) == 4
        assert feedback.apply_followup_policy(s, ws, FollowupPolicy(due_hours=1)) == 0
        page = feedback.list_tasks(s, ws, now=NOW)
    assert {t.owner_email for t in page.items} == {"owner@example.com"}
    assert all(t.overdue for t in page.items)
    assert all(t.due_at == t.opened_at + timedelta(hours=24) for t in page.items)
    ids = {t.item_id: t.id for t in page.items}
    with runtime.sessions.begin() as s:
        t0 = feedback.update_task(s, ws, ids[items[0]], at=T0 + timedelta(hours=5),
                                  author="a@example.com", status="contacted",
                                  note="Called, apologised <b>")
        assert t0.contacted_at == T0 + timedelta(hours=5) and not t0.overdue
        assert [n.kind for n in t0.notes] == ["opened", "assign", "status", "note"]
        assert t0.notes[-1].body == "Called, apologised <b>"
        t0 = feedback.update_task(s, ws, ids[items[0]], at=T0 + timedelta(days=1),
                                  author="a@example.com", status="closed")
        assert t0.contacted_at == T0 + timedelta(hours=5) and t0.closed_at is not None
        t1 = feedback.update_task(s, ws, ids[items[1]], at=T0 + timedelta(days=1, hours=15),
                                  author="b@example.com", status="closed", owner="")
        assert t1.owner_email is None and t1.contacted_at is not None
        t2 = feedback.update_task(s, ws, ids[items[2]], at=NOW, author=None, status="wont_fix")
        assert t2.contacted_at is None
        with pytest.raises(TaskChangeInvalid):
            feedback.update_task(s, ws, ids[items[3]], at=NOW, author=None, status="done")
        with pytest.raises(TaskChangeInvalid):
            feedback.update_task(s, ws, ids[items[3]], at=NOW, author=None, owner="not an email")
        with pytest.raises(TaskChangeInvalid):
            feedback.update_task(s, ws, ids[items[3]], at=NOW, author=None, note="  ")
        with pytest.raises(FollowupTaskNotFound):
            feedback.get_task(s, ws, 987_654, now=NOW)
        stats = feedback.closed_loop_stats(s, ws, since=T0, until=NOW, now=NOW)
    assert (stats.tasks, stats.contacted, stats.open, stats.overdue) == (4, 2, 1, 1)
    assert stats.contacted_share == 0.5
    assert stats.ci_low is not None and stats.ci_high is not None
    assert stats.ci_low == pytest.approx(0.150, abs=0.001)
    assert stats.ci_high == pytest.approx(0.850, abs=0.001)
    # contacted after 5 h and after 15 h (day 1 answer, closed at day 1 + 15 h)
    assert stats.median_hours_to_contact == pytest.approx(10)
    assert stats.p90_hours_to_contact == pytest.approx(5 + 0.9 * 10)
    assert _tasks(runtime, ws, status="active") == [items[3]]
    assert _tasks(runtime, ws, overdue_only=True) == [items[3]]
    assert set(_tasks(runtime, ws, owner="owner@example.com")) == {items[0], items[2], items[3]}
