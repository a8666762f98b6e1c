"""Branch and skip logic (hypothesis): forward only, always ends, skip rules respected, and a
respondent who follows the steps ends with every required question on the path answered."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kizuna.surveys import api as surveys
from kizuna.surveys.branching import holds
from kizuna.surveys.contracts import END, SurveyDefinition
from kizuna.surveys.responses import finish_answers
from tests.unit.surveys.examples import NPS_DOC

TYPES = ("nps", "rating", "single_choice", "multiple_choice", "free_text")
OPTIONS = [{"id": o, "label": {"ja": o}} for o in ("a", "b", "c")]


def _question(i: int, qtype: str, required: bool) -> dict[str, Any]:
    q: dict[str, Any] = {"id": f"q{i}", "type": qtype, "prompt": {"ja": f"質問{i}"},
                         "required": required}
    if qtype in ("single_choice", "multiple_choice"):
        q["options"] = OPTIONS
    return q


@st.composite
def leaf(draw: st.DrawFn, types: list[str], upto: int) -> dict[str, Any]:
    i = draw(st.integers(0, upto))
    qtype, qid = types[i], f"q{i}"
    if qtype in ("nps", "rating"):
        op = draw(st.sampled_from(["lte", "gte", "eq", "answered", "not_answered"]))
        value: Any = draw(st.integers(0, 10))
    elif qtype == "single_choice":
        op = draw(st.sampled_from(["eq", "in", "answered"]))
        value = "a" if op == "eq" else ["a", "b"]
    elif qtype == "multiple_choice":
        op, value = "contains", draw(st.sampled_from(["a", "b", "c"]))
    else:
        op, value = draw(st.sampled_from(["answered", "not_answered"])), None
    out = {"question": qid, "op": op}
    if op not in ("answered", "not_answered"):
        out["value"] = value
    return out


@st.composite
def definitions(draw: st.DrawFn) -> SurveyDefinition:
    n = draw(st.integers(1, 8))
    types = [draw(st.sampled_from(TYPES)) for _ in range(n)]
    questions = [_question(i, t, draw(st.booleans())) for i, t in enumerate(types)]
    for i in range(1, n):
        if draw(st.integers(0, 3)) == 0:
            questions[i]["skip_if"] = draw(leaf(types, i - 1))
    rules = []
    for _ in range(draw(st.integers(0, 6))):
        after = draw(st.integers(0, n - 1))
        later = [f"q{j}" for j in range(after + 1, n)] + [END]
        rule: dict[str, Any] = {"after": f"q{after}", "goto": draw(st.sampled_from(later))}
        if draw(st.booleans()):
            when = draw(leaf(types, after))
            rule["if"] = {"any": [when, draw(leaf(types, after))]} if draw(
                st.booleans()) else when
        rules.append(rule)
    return surveys.parse_definition({"key": "gen", "kind": "custom", "title": {"ja": "t"},
                                     "questions": questions, "rules": rules})


def _answer(draw: Any, qtype: str) -> Any:
    if qtype == "nps":
        return draw(st.integers(0, 10))
    if qtype == "rating":
        return draw(st.integers(1, 5))
    if qtype == "single_choice":
        return draw(st.sampled_from(["a", "b", "c"]))
    if qtype == "multiple_choice":
        return draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, unique=True))
    return draw(st.text(min_size=1, max_size=5).filter(str.strip))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_steps_only_go_forward_end_and_respect_skip_rules(data: st.DataObject) -> None:
    d = data.draw(definitions())
    order = {qid: i for i, qid in enumerate(d.question_ids)}
    answers = {q.id: _answer(data.draw, q.type.value) for q in d.questions
               if data.draw(st.booleans())}
    for current in (None, *d.question_ids):
        step = surveys.next_step(d, answers, current)
        assert step == END or current is None or order[step] > order[current]
    path = surveys.path_of(d, answers)
    assert len(path) <= len(d.questions)
    assert list(path) == sorted(path, key=order.__getitem__)
    for qid in path:
        skip = d.question(qid).skip_if
        assert skip is None or not holds(skip, answers)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_respondent_following_the_steps_answers_every_required_question(
    data: st.DataObject,
) -> None:
    d = data.draw(definitions())
    answers: dict[str, Any] = {}
    walked: list[str] = []
    step = surveys.next_step(d, answers, None)
    while step != END:
        walked.append(step)
        q = d.question(step)
        answers[step] = _answer(data.draw, q.type.value) if (
            q.required or data.draw(st.booleans())) else None
        step = surveys.next_step(d, answers, step)
        assert len(walked) <= len(d.questions)
    assert tuple(walked) == surveys.path_of(d, answers)
    finished = finish_answers(d, answers, "en")  # raises if a required answer is missing
    assert all(finished[qid] is not None for qid in walked if d.question(qid).required)
    for qid in walked:
        back = surveys.previous_step(d, answers, qid)
        assert back is None or walked.index(back) == walked.index(qid) - 1


def test_the_example_branches_promoters_to_praise_and_others_to_improve() -> None:
    d = surveys.parse_definition(NPS_DOC)
    assert surveys.path_of(d, {"nps": 10}) == ("nps", "praise")
    assert surveys.path_of(d, {"nps": 3}) == ("nps", "reason", "improve")
    assert surveys.next_step(d, {"nps": 3, "reason": None, "improve": "x"}, "improve") == END
