"""One answer against its question: normalisation and messages in the respondent's locale."""

from __future__ import annotations

from typing import Any

import pytest

from kizuna.surveys import api as surveys
from kizuna.surveys.errors import AnswerInvalid
from tests.unit.surveys.examples import NPS_DOC

D = surveys.parse_definition(NPS_DOC)


@pytest.mark.parametrize(("value", "expected"), [("9", 9), (0, 0), (10.0, 10), (" 7 ", 7)])
def test_scale_answers_become_whole_numbers(value: Any, expected: int) -> None:
    assert surveys.validate_answer(D.question("nps"), value, locale="en") == expected


@pytest.mark.parametrize(("value", "key"), [
    ("11", "out_of_scale"), (-1, "out_of_scale"), ("nine", "not_a_number"), (True, "not_a_number"),
    (7.5, "not_a_number"), ("", "required"), (None, "required")])
def test_bad_scale_answers_name_the_problem(value: Any, key: str) -> None:
    with pytest.raises(AnswerInvalid) as info:
        surveys.validate_answer(D.question("nps"), value, locale="ja")
    assert info.value.errors[0]["key"] == key
    assert info.value.errors[0]["question"] == "nps"


def test_messages_follow_the_locale() -> None:
    for locale, fragment in (("ja", "0から10まで"), ("en", "from 0 to 10")):
        with pytest.raises(AnswerInvalid) as info:
            surveys.validate_answer(D.question("nps"), "99", locale=locale)
        assert fragment in info.value.errors[0]["message"]


def test_choices_must_be_offered_options() -> None:
    q = D.question("reason")
    assert surveys.validate_answer(q, "price", locale="en") == "price"
    assert surveys.validate_answer(q, "", locale="en") is None  # optional: passed
    with pytest.raises(AnswerInvalid):
        surveys.validate_answer(q, "<script>", locale="en")
    with pytest.raises(AnswerInvalid):
        surveys.validate_answer(q, ["price", "quality"], locale="en")


def test_text_is_kept_as_typed_but_limited() -> None:
    q = D.question("improve")  # max_length 2000
    html = "<script>alert('x')</script> & <b>太字</b>"
    assert surveys.validate_answer(q, html, locale="en") == html
    with pytest.raises(AnswerInvalid) as info:
        surveys.validate_answer(q, "あ" * 2001, locale="en")
    assert info.value.errors[0]["key"] == "too_long"
    assert "2001" in info.value.errors[0]["message"]
    with pytest.raises(AnswerInvalid) as info:
        surveys.validate_answer(q, "a\x00b", locale="en")
    assert info.value.errors[0]["key"] == "nul_byte"
    with pytest.raises(AnswerInvalid):
        surveys.validate_answer(q, {"not": "text"}, locale="en")
