"""Compiled segment SQL against a generated shop on SQLite and PostgreSQL, checked against a
Python reference evaluator: every leaf kind, and random AND/OR/NOT trees (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kizuna.runtime import Runtime
from kizuna.segments import api as segments
from kizuna.segments.conditions import parse
from kizuna.workspaces.contracts import Workspace
from tests.integration.segments.shopdata import Person, reference, write_people

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
LEAVES: list[dict[str, Any]] = [
    {"trait": "plan", "op": "eq", "value": "pro"},
    {"trait": "plan", "op": "ne", "value": "pro"},
    {"trait": "plan", "op": "eq", "value": 5},
    {"trait": "plan", "op": "in", "value": ["free", 5]},
    {"trait": "plan", "op": "contains", "value": "r"},
    {"trait": "plan", "op": "exists"},
    {"trait": "score", "op": "gt", "value": 50},
    {"trait": "score", "op": "lt", "value": 20.5},
    {"trait": "vip", "op": "eq", "value": True},
    {"trait": "vip", "op": "ne", "value": False},
    {"trait": "country", "op": "eq", "value": "JP"},
    {"trait": "country", "op": "in", "value": ["JP", "US"]},
    {"trait": "country", "op": "exists"},
    {"event": "Product Viewed", "within_days": 30},
    {"event": "Product Viewed", "at_least": 2, "within_days": 60,
     "where": [{"property": "category", "op": "eq", "value": "jazz"}]},
    {"event": "Product Viewed", "where": [{"property": "price", "op": "gt", "value": 10}]},
    {"event": "Product Viewed", "did_not": True, "within_days": 10},
    {"orders": {"at_least": 1}},
    {"orders": {"at_least": 2, "within_days": 365, "total_at_least": 100}},
    {"orders": {"at_least": 1, "within_days": 30}},
    {"no_order_for_days": 90},
    {"consent": {"channel": "email", "purpose": "marketing"}},
]


@pytest.fixture
def people(runtime: Runtime, workspace: Workspace, write_key: str) -> dict[int, Person]:
    return write_people(runtime, workspace.id, write_key, NOW)


def _sql(runtime: Runtime, workspace: Workspace, cond: Any) -> set[int]:
    with runtime.sessions() as s:
        return set(s.scalars(segments.compiled_select(s, workspace.id, cond, NOW)))


def _ref(people: dict[int, Person], cond: Any) -> set[int]:
    parsed = parse(cond)
    return {cid for cid, p in people.items() if reference(parsed, p, NOW)}


def test_each_leaf_matches_reference(runtime: Runtime, workspace: Workspace,
                                     people: dict[int, Person]) -> None:
    nonempty = 0
    for leaf in LEAVES:
        expected = _ref(people, leaf)
        assert _sql(runtime, workspace, leaf) == expected, leaf
        nonempty += bool(expected) and len(expected) < len(people)
    assert nonempty >= len(LEAVES) - 3  # the data really discriminates


trees = st.recursive(st.sampled_from(LEAVES), lambda kids: st.one_of(
    st.lists(kids, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
    st.lists(kids, min_size=1, max_size=3).map(lambda xs: {"any": xs}),
    kids.map(lambda x: {"not": x})), max_leaves=8)


def test_random_trees_match_reference(runtime: Runtime, workspace: Workspace,
                                      people: dict[int, Person]) -> None:
    @settings(max_examples=40, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(trees)
    def check(tree: Any) -> None:
        assert _sql(runtime, workspace, tree) == _ref(people, tree)
        # De Morgan and double negation hold in SQL
        assert _sql(runtime, workspace, {"not": {"not": tree}}) == _ref(people, tree)

    check()


def test_preview_counts_and_samples(runtime: Runtime, workspace: Workspace,
                                    people: dict[int, Person]) -> None:
    cond = {"any": [{"trait": "plan", "op": "exists"}, {"orders": {"at_least": 1}}]}
    expected = _ref(people, cond)
    with runtime.sessions() as s:
        preview = segments.preview_size(s, workspace.id, cond, NOW, sample=10)
    assert preview.size == len(expected)
    assert len(preview.sample) == min(10, len(expected))
    assert set(preview.sample) <= expected
