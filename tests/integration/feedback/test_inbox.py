"""The inbox on real databases: enrichment, filters, tags, themes, key drivers."""

from __future__ import annotations

import pytest

from kizuna.feedback import api as feedback
from kizuna.feedback.contracts import FeedbackFilters
from kizuna.feedback.errors import FeedbackFilterInvalid, FeedbackItemNotFound, TagInvalid
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace
from tests.integration.feedback.data import T0, XSS, answer, customers


def _ids(runtime: Runtime, ws: Workspace, **filters: object) -> set[int]:
    with runtime.sessions.begin() as s:
        page = feedback.list_feedback(s, ws.id, FeedbackFilters(**filters))  # type: ignore[arg-type]
    return {i.id for i in page.items}


def test_recording_analyses_text_and_filters_find_it(
    runtime: Runtime, workspace: Workspace
) -> None:
    ws = workspace.id
    [c0, c1] = customers(runtime, ws, 2)
    bad = answer(runtime, ws, "r1", "配送が遅くて残念でした", score=3, customer=c0, locale="ja")
    good = answer(runtime, ws, "r2", "Great service, fast delivery!", score=10, customer=c1,
                  product_id="p-1", category="shoes", day=2)
    empty = answer(runtime, ws, "r3", "", score=8, anonymous=True, day=3)
    csat = answer(runtime, ws, "r4", f"100% {XSS}", score=1, score_kind="csat", day=4)
    with runtime.sessions.begin() as s:
        item = feedback.get_item(s, ws, bad)
        assert item.sentiment_label == "negative" and item.sentiment is not None
        assert item.sentiment < 0 and item.key_phrases
        assert feedback.get_item(s, ws, empty).sentiment_label is None
    assert _ids(runtime, workspace) == {bad, good, empty, csat}
    assert _ids(runtime, workspace, sentiment="positive") == {good}
    assert _ids(runtime, workspace, score_group="detractor") == {bad}
    assert _ids(runtime, workspace, score_group="passive") == {empty}
    assert _ids(runtime, workspace, score_group="promoter") == {good}
    assert _ids(runtime, workspace, score_group="low_csat") == {csat}
    assert _ids(runtime, workspace, has_text=False) == {empty}
    assert _ids(runtime, workspace, has_text=True) == {bad, good, csat}
    assert _ids(runtime, workspace, date_from=(T0.date()), date_to=T0.date()) == {bad}
    assert _ids(runtime, workspace, product_id="p-1", category="shoes") == {good}
    assert _ids(runtime, workspace, search="FAST") == {good}
    assert _ids(runtime, workspace, search="100%") == {csat}
    assert _ids(runtime, workspace, search="0%_") == set()  # LIKE wildcards are literal
    assert _ids(runtime, workspace, search="遅く") == {bad}
    assert _ids(runtime, workspace, kind="review") == set()
    with pytest.raises(FeedbackFilterInvalid):
        _ids(runtime, workspace, score_group="angry")
    with pytest.raises(FeedbackFilterInvalid):
        _ids(runtime, workspace, sentiment="meh")


def test_recording_again_updates_and_reanalyses(runtime: Runtime, workspace: Workspace) -> None:
    ws = workspace.id
    first = answer(runtime, ws, "r1", "Terrible, slow and rude", score=9)
    again = answer(runtime, ws, "r1", "Wonderful, friendly and quick", score=9)
    assert first == again
    with runtime.sessions.begin() as s:
        assert feedback.get_item(s, ws, first).sentiment_label == "positive"


def test_tags_are_normalised_added_removed_and_filterable(
    runtime: Runtime, workspace: Workspace
) -> None:
    ws = workspace.id
    a = answer(runtime, ws, "a", "slow delivery", score=2)
    b = answer(runtime, ws, "b", "nice", score=10)
    with runtime.sessions.begin() as s:
        added = feedback.tag_feedback(s, ws, [a, b], add=["  Delivery  Time ", "ＶＩＰ", "配送"])
        assert added == 2
        assert feedback.tag_feedback(s, ws, [b], remove=["delivery time"]) == 1
        assert feedback.get_item(s, ws, a).tags == ("delivery time", "vip", "配送")
        assert feedback.get_item(s, ws, b).tags == ("vip", "配送")
        assert feedback.list_tags(s, ws)[:2] == ["vip", "配送"]
    assert _ids(runtime, workspace, tag="Delivery Time") == {a}
    assert _ids(runtime, workspace, tag="配送") == {a, b}
    with runtime.sessions.begin() as s:
        for bad in ["", "x" * 41, 'quote"', "a<b>", "tab\x00"]:
            with pytest.raises(TagInvalid):
                feedback.tag_feedback(s, ws, [a], add=[bad])
        with pytest.raises(FeedbackItemNotFound):
            feedback.tag_feedback(s, ws, [a, 999_999], add=["ok"])


def test_themes_and_key_drivers(runtime: Runtime, workspace: Workspace) -> None:
    ws = workspace.id
    slow = ["Delivery was slow and late", "Slow delivery again, late parcel",
            "The parcel delivery was very late", "Late delivery, slow courier",
            "Delivery took too long, late", "Slow late delivery"]
    staff = ["Friendly staff, helpful support", "Support staff were friendly",
             "Helpful friendly support team", "Staff support was helpful",
             "Very friendly helpful staff", "Support staff friendly and kind"]
    for i, t in enumerate(slow):
        answer(runtime, ws, f"s{i}", t, score=2 + i % 3, day=i)
    for i, t in enumerate(staff):
        answer(runtime, ws, f"f{i}", t, score=9 + i % 2, day=i)
    with runtime.sessions.begin() as s:
        summaries = feedback.refresh_themes(s, ws, at=T0.replace(month=6))
    assert sum(t.size for t in summaries) >= 10
    worst = max(summaries, key=lambda t: t.detractor_share or 0)
    assert worst.detractor_share == 1.0 and worst.mean_sentiment is not None
    assert worst.mean_sentiment < 0
    with runtime.sessions.begin() as s:
        drivers = feedback.key_drivers(s, ws)
        assert drivers and all(d.n >= 5 for d in drivers)
        assert drivers[0].effect_on_nps < 0 and drivers[0].detractors >= 5
        assert feedback.key_drivers(s, ws, min_answers=100) == []
