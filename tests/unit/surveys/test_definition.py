"""Survey definitions: parsing, defaults, field-precise errors."""

from __future__ import annotations

from typing import Any

import pytest

from kizuna.surveys import api as surveys
from kizuna.surveys.contracts import END, QuestionType, SurveyKind
from kizuna.surveys.errors import SurveyDefinitionInvalid
from tests.unit.surveys.examples import ENPS_DOC, NPS_DOC, doc


def _paths(document: Any) -> dict[str, str]:
    with pytest.raises(SurveyDefinitionInvalid) as info:
        surveys.parse_definition(document)
    return {e["path"]: e["message"] for e in info.value.errors}


def test_the_documented_example_parses_and_round_trips() -> None:
    d = surveys.parse_definition(NPS_DOC)
    assert d.kind is SurveyKind.NPS and not d.anonymous
    assert d.question("reason").type is QuestionType.SINGLE_CHOICE
    assert d.score_question == "nps" and d.comment_question == "improve"
    assert d.rules[1].goto == END
    assert surveys.parse_definition(surveys.definition_to_json(d)) == d


def test_enps_is_anonymous_by_default_and_custom_is_not() -> None:
    assert surveys.parse_definition(ENPS_DOC).anonymous is True
    custom = doc(ENPS_DOC, kind="custom", key="custom-one")
    assert surveys.parse_definition(custom).anonymous is False


def test_every_problem_is_reported_with_its_path() -> None:
    bad = doc(NPS_DOC, key="Not A Slug", kind="happiness", colour="red")
    bad["questions"] = [
        {"id": "nps", "type": "nps", "prompt": {"en": "no ja text"}},
        {"id": "nps", "type": "free_text", "prompt": {"ja": "重複"}},
        {"id": "pick", "type": "single_choice", "prompt": {"ja": "?"},
         "options": [{"id": "a", "label": {"ja": "A"}}]},
        {"id": "r", "type": "rating", "prompt": {"ja": "?"}, "scale_min": 5, "scale_max": 1},
        {"id": "t", "type": "free_text", "prompt": {"ja": "?"}, "max_length": 999_999},
    ]
    bad["rules"] = []
    paths = _paths(bad)
    assert "key" in paths and "kind" in paths and "colour" in paths
    assert "questions[0].prompt.ja" in paths
    assert "duplicate" in paths["questions[1].id"]
    assert "questions[2].options" in paths
    assert "questions[3].scale_max" in paths
    assert "questions[4].max_length" in paths


def test_jumps_must_go_forward_and_conditions_look_back_only() -> None:
    bad = doc(NPS_DOC, rules=[
        {"after": "improve", "goto": "nps"},
        {"after": "nps", "if": {"question": "improve", "op": "answered"}, "goto": "praise"},
        {"after": "nps", "if": {"question": "reason", "op": "eq", "value": "colour"},
         "goto": "praise"},
        {"after": "ghost", "goto": "end"},
        {"after": "nps", "if": {"question": "nps", "op": "between", "value": 3}, "goto": "end"},
    ])
    paths = _paths(bad)
    assert "forward" in paths["rules[0].goto"]
    assert "earlier" in paths["rules[1].if.question"]
    assert "not an option" in paths["rules[2].if.value"]
    assert "rules[3].after" in paths
    assert "rules[4].if.op" in paths


def test_skip_if_may_only_use_earlier_questions() -> None:
    bad = doc(NPS_DOC)
    bad["questions"][0]["skip_if"] = {"question": "reason", "op": "answered"}
    assert "earlier" in _paths(bad)["questions[0].skip_if.question"]


def test_score_kind_needs_its_question_type() -> None:
    bad = doc(NPS_DOC, kind="csat")
    assert "csat" in _paths(bad)["questions"]


def test_anonymous_surveys_refuse_identifying_hidden_fields() -> None:
    bad = doc(ENPS_DOC, hidden_fields=["department", "employee_id", "email"])
    paths = _paths(bad)
    assert "hidden_fields[1]" in paths and "hidden_fields[2]" in paths
    assert "hidden_fields[0]" not in paths


@pytest.mark.parametrize("document", [None, [], "text", 3])
def test_a_non_object_is_refused(document: Any) -> None:
    with pytest.raises(SurveyDefinitionInvalid):
        surveys.parse_definition(document)


def test_embed_origins_are_plain_origins() -> None:
    bad = doc(NPS_DOC, allowed_embed_origins=["https://*.example", "javascript:alert(1)",
                                              "https://shop.example/path"])
    paths = _paths(bad)
    assert {"allowed_embed_origins[0]", "allowed_embed_origins[1]",
            "allowed_embed_origins[2]"} <= set(paths)


def test_route_names_are_reserved_keys() -> None:
    assert "reserved" in _paths(doc(NPS_DOC, key="eligible"))["key"]
