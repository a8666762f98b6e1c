"""Segment definitions and full recompute: enter/exit events, idempotency, cycles, merges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from kizuna.commerce import api as commerce
from kizuna.commerce.contracts import OrderRecord
from kizuna.db.metadata import import_all_tables
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.runtime import Runtime
from kizuna.segments import api as segments
from kizuna.segments.errors import SegmentConditionInvalid, SegmentCycle, SegmentExists
from kizuna.types import CustomerId
from kizuna.workspaces.contracts import Workspace

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
PRO = {"trait": "plan", "op": "eq", "value": "pro"}


def _events(runtime: Runtime, name: str) -> list[tuple[int, str]]:
    events = import_all_tables().tables["events"]
    with runtime.sessions() as s:
        return [(int(c), str(m)) for c, m in s.execute(
            select(events.c.customer_id, events.c.message_id).where(events.c.event == name)
            .order_by(events.c.customer_id))]


def _people(runtime: Runtime, workspace: Workspace, plans: list[str]) -> list[CustomerId]:
    with runtime.sessions.begin() as s:
        return profiles.upsert_customers(
            s, workspace.id, [CustomerUpsert(external_id=f"u{i}", traits={"plan": p})
                              for i, p in enumerate(plans)], NOW)


def test_recompute_records_enter_and_exit(runtime: Runtime, workspace: Workspace) -> None:
    ids = _people(runtime, workspace, ["pro", "free", "pro"])
    with runtime.sessions.begin() as s:
        segments.create_segment(s, workspace.id, key="pro", name="Pro plan", condition=PRO,
                                now=NOW)
        first = segments.recompute_segment(s, workspace.id, "pro", NOW)
    assert (first.entered, first.exited, first.size, first.run) == (2, 0, 2, 1)
    entered = _events(runtime, segments.ENTERED)
    assert [c for c, _ in entered] == [ids[0], ids[2]]
    assert entered[0][1].startswith("segment:") and entered[0][1].endswith(f":enter:{ids[0]}:1")
    later = NOW + timedelta(minutes=5)
    with runtime.sessions.begin() as s:
        profiles.apply_traits(s, workspace.id, ids[0], {"plan": "free"}, later)
        profiles.apply_traits(s, workspace.id, ids[1], {"plan": "pro"}, later)
        second = segments.recompute_segment(s, workspace.id, "pro", later)
        third = segments.recompute_segment(s, workspace.id, "pro", later)
    assert (second.entered, second.exited, second.size) == (1, 1, 2)
    assert (third.entered, third.exited, third.size) == (0, 0, 2)
    assert [c for c, _ in _events(runtime, segments.EXITED)] == [ids[0]]
    assert len(_events(runtime, segments.ENTERED)) == 3
    with runtime.sessions() as s:
        assert segments.list_members(s, workspace.id, "pro") == sorted([ids[1], ids[2]])
        seg = segments.get_segment(s, workspace.id, "pro")
    assert seg.size == 2 and seg.recompute_count == 3 and seg.computed_at == later


def test_time_based_condition_fires_on_recompute(runtime: Runtime, workspace: Workspace) -> None:
    ids = _people(runtime, workspace, ["pro"])
    with runtime.sessions.begin() as s:
        commerce.record_orders(s, workspace.id, [OrderRecord(
            external_id="o1", customer_id=ids[0], placed_at=NOW, total=Decimal("10"))], NOW)
        segments.create_segment(s, workspace.id, key="lapsed", name="Lapsed",
                                condition={"no_order_for_days": 90}, now=NOW)
        assert segments.recompute_segment(s, workspace.id, "lapsed", NOW).size == 0
        out = segments.recompute_segment(s, workspace.id, "lapsed", NOW + timedelta(days=91))
    assert out.entered == 1


def test_references_and_cycles(runtime: Runtime, workspace: Workspace) -> None:
    _people(runtime, workspace, ["pro", "free"])
    with runtime.sessions.begin() as s:
        segments.create_segment(s, workspace.id, key="a", name="A", condition=PRO, now=NOW)
        segments.create_segment(s, workspace.id, key="b", name="B",
                                condition={"not": {"segment": "a"}}, now=NOW)
        assert segments.preview_size(s, workspace.id, {"segment": "b"}, NOW).size == 1
        with pytest.raises(SegmentCycle):
            segments.update_segment(s, workspace.id, "a", name="A",
                                    condition={"segment": "b"}, now=NOW)
        with pytest.raises(SegmentCycle):
            segments.create_segment(s, workspace.id, key="c", name="C",
                                    condition={"all": [PRO, {"segment": "c"}]}, now=NOW)
        with pytest.raises(SegmentCycle):
            segments.delete_segment(s, workspace.id, "a")
        with pytest.raises(SegmentExists):
            segments.create_segment(s, workspace.id, key="a", name="A", condition=PRO, now=NOW)
        with pytest.raises(SegmentConditionInvalid):
            segments.create_segment(s, workspace.id, key="Bad Key", name="x", condition=PRO,
                                    now=NOW)
        segments.delete_segment(s, workspace.id, "b")
        assert [x.key for x in segments.list_segments(s, workspace.id)] == ["a"]


def test_merged_customers_are_excluded(runtime: Runtime, workspace: Workspace) -> None:
    ids = _people(runtime, workspace, ["pro", "pro"])
    customers = import_all_tables().tables["customers"]
    with runtime.sessions.begin() as s:
        s.execute(customers.update().where(customers.c.id == ids[1])
                  .values(merged_into_id=ids[0]))
        assert set(segments.preview_size(s, workspace.id, PRO, NOW).sample) == {ids[0]}
