"""Rules of the idea board without a database: validation and the status machine."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kizuna.ideas import logic
from kizuna.ideas.contracts import IdeaInput, IdeaStatus
from kizuna.ideas.errors import IdeaInvalid, IdeaTransitionInvalid

S = IdeaStatus


@pytest.mark.parametrize(("current", "requested"), [
    (S.NEW, S.UNDER_REVIEW), (S.NEW, S.DECLINED), (S.UNDER_REVIEW, S.PLANNED),
    (S.UNDER_REVIEW, S.DECLINED), (S.PLANNED, S.SHIPPED), (S.PLANNED, S.DECLINED),
])
def test_allowed_transitions(current: IdeaStatus, requested: IdeaStatus) -> None:
    assert logic.check_transition(current, requested) is True


@pytest.mark.parametrize(("current", "requested"), [
    (S.NEW, S.PLANNED), (S.NEW, S.SHIPPED), (S.UNDER_REVIEW, S.NEW), (S.PLANNED, S.NEW),
    (S.SHIPPED, S.DECLINED), (S.DECLINED, S.NEW), (S.SHIPPED, S.PLANNED),
])
def test_refused_transitions(current: IdeaStatus, requested: IdeaStatus) -> None:
    with pytest.raises(IdeaTransitionInvalid) as caught:
        logic.check_transition(current, requested)
    assert caught.value.status == 409
    assert caught.value.fields["current_status"] == current.value


def test_same_status_is_no_change() -> None:
    assert all(logic.check_transition(s, s) is False for s in S)


def test_statuses_only_move_forward() -> None:
    order = {s: n for n, s in enumerate(S)}
    for current, nexts in logic.TRANSITIONS.items():
        assert all(order[n] > order[current] for n in nexts)


def test_threshold() -> None:
    assert logic.reaches_threshold(S.NEW, 10, 10)
    assert not logic.reaches_threshold(S.NEW, 9, 10)
    assert not logic.reaches_threshold(S.PLANNED, 50, 10)
    assert not logic.reaches_threshold(S.NEW, 50, 0)


def test_parse_status() -> None:
    assert logic.parse_status("planned") is S.PLANNED
    with pytest.raises(IdeaInvalid, match="not an idea status"):
        logic.parse_status("done")


@given(title=st.text(max_size=200), body=st.text(max_size=50),
       category=st.one_of(st.none(), st.text(max_size=120)))
def test_clean_idea_accepts_only_valid_text(title: str, body: str, category: str | None) -> None:
    try:
        clean = logic.clean_idea(IdeaInput(title=title, body=body, category=category))
    except IdeaInvalid as exc:
        assert exc.fields["field"] in {"title", "body", "category"}
        return
    assert 1 <= len(clean.title) <= 150 and clean.title == title.strip()
    assert "\x00" not in clean.title + clean.body + (clean.category or "")
    assert clean.category is None or 1 <= len(clean.category) <= 100
