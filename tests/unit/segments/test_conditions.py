"""Parsing segment conditions: every kind, and errors that name the path of the wrong part."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kizuna.segments.conditions import parse, referenced_segments, render
from kizuna.segments.contracts import (
    AllOf,
    AnyOf,
    DidEvent,
    HasConsent,
    InSegment,
    NoOrderFor,
    NotOf,
    OrdersMatch,
    TraitIs,
)
from kizuna.segments.errors import SegmentConditionInvalid

FULL: dict[str, Any] = {"all": [
    {"trait": "plan", "op": "eq", "value": "pro"},
    {"any": [{"event": "Product Viewed", "at_least": 2, "within_days": 30,
              "where": [{"property": "category", "op": "eq", "value": "jazz"}]},
             {"event": "Order Completed", "did_not": True, "within_days": 90}]},
    {"not": {"orders": {"at_least": 2, "within_days": 365, "total_at_least": 100}}},
    {"no_order_for_days": 90},
    {"consent": {"channel": "email", "purpose": "marketing"}},
    {"segment": "vip"},
]}


def test_every_kind_parses() -> None:
    cond = parse(FULL)
    assert isinstance(cond, AllOf)
    kinds = [type(c) for c in cond.items]
    assert kinds == [TraitIs, AnyOf, NotOf, NoOrderFor, HasConsent, InSegment]
    ev = cond.items[1]
    assert isinstance(ev, AnyOf) and isinstance(ev.items[0], DidEvent)
    assert ev.items[0].at_least == 2 and ev.items[0].where[0].property == "category"
    neg = cond.items[2]
    assert isinstance(neg, NotOf) and isinstance(neg.item, OrdersMatch)
    assert neg.item.total_at_least == Decimal("100")
    assert list(referenced_segments(cond)) == ["vip"]


@pytest.mark.parametrize(("bad", "path"), [
    ({"all": [{"trait": "a", "op": "eq", "value": 1}, {"event": "x"},
              {"event": "x", "within_days": 0}]}, "condition.all[2].within_days"),
    ({"any": []}, "condition.any"),
    ({"trait": "plan", "op": "like", "value": "x"}, "condition.op"),
    ({"trait": "plan", "op": "in", "value": []}, "condition.value"),
    ({"not": {"orders": {"at_least": 0}}}, "condition.not.orders.at_least"),
    ({"orders": {"total_at_least": "lots"}}, "condition.orders.total_at_least"),
    ({"event": "x", "where": [{"property": "p", "op": "eq", "value": [1]}]},
     "condition.where[0].value"),
    ({"event": "x", "bogus": 1}, "condition.bogus"),
    ({"consent": {"channel": "email"}}, "condition.consent.purpose"),
    ({"no_order_for_days": 4000}, "condition.no_order_for_days"),
    ({"metric": "clv", "op": "gt", "value": "3"}, "condition.value"),
    ({"metric": "height"}, "condition.metric"),
    ({"hello": 1}, "condition"),
    ([], "condition"),
])
def test_errors_name_the_path(bad: Any, path: str) -> None:
    with pytest.raises(SegmentConditionInvalid) as info:
        parse(bad)
    assert info.value.path == path
    assert str(info.value).startswith(f"{path}: ")


def test_depth_is_bounded() -> None:
    cond: Any = {"trait": "a", "op": "exists"}
    for _ in range(20):
        cond = {"not": cond}
    with pytest.raises(SegmentConditionInvalid, match="levels"):
        parse(cond)


def test_render_both_languages() -> None:
    cond = parse(FULL)
    en, ja = render(cond, "en"), render(cond, "ja")
    assert "trait plan is pro" in en and "at least 2 times in the last 30 days" in en
    assert "AND" in en and "OR" in en and "member of segment vip" in en
    assert "属性 plan" in ja and "過去30日間" in ja and "かつ" in ja


leaf = st.sampled_from([
    {"trait": "plan", "op": "eq", "value": "pro"},
    {"event": "Viewed", "within_days": 7},
    {"orders": {"at_least": 1}},
    {"consent": {"channel": "email", "purpose": "marketing"}},
])
trees = st.recursive(leaf, lambda kids: st.one_of(
    st.lists(kids, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
    st.lists(kids, min_size=1, max_size=3).map(lambda xs: {"any": xs}),
    kids.map(lambda x: {"not": x})), max_leaves=10)


@given(trees)
def test_any_generated_tree_parses_and_renders(tree: Any) -> None:
    cond = parse(tree)
    assert render(cond, "en") and render(cond, "ja")
