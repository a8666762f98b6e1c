"""The journey definition validator: valid definitions round-trip, invalid ones name a path."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kizuna.journeys.definition import parse, parse_duration, render, where_ok
from kizuna.journeys.engine import next_local_time
from kizuna.journeys.errors import JourneyDefinitionInvalid
from kizuna.journeys.templates import TEMPLATE_NAMES, template

ids = st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True).filter(lambda s: s != "end")
names = st.text(st.characters(whitelist_categories=("L", "N")), min_size=1, max_size=20)
scalars = st.one_of(st.text(max_size=10), st.integers(-1000, 1000), st.booleans())
wheres = st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True), st.one_of(
    scalars, st.builds(lambda op, v: {op: v}, st.sampled_from(["lt", "lte", "gt", "gte", "eq"]),
                       st.integers(0, 10))), max_size=3)
times = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59))
durations = st.builds(lambda n, u: f"{n}{u}", st.integers(1, 50), st.sampled_from("smhdw"))
template_doc = st.builds(lambda s: {"en": {"subject": s, "text": "Hello {{ customer.name }}"}},
                         names)

triggers = st.one_of(
    st.builds(lambda e, w: {"type": "event", "event": e, "where": w}, names, wheres),
    st.builds(lambda k: {"type": "segment_entered", "segment": k}, ids),
    st.builds(lambda k: {"type": "segment_exited", "segment": k}, ids),
    st.builds(lambda f, t, o: {"type": "date", "field": f, "at": t, "offset_days": o},
              st.sampled_from(["birthday", "last_order", "traits.anniversary"]), times,
              st.integers(-30, 30)),
    st.builds(lambda t, k: {"type": "schedule", "every": "day", "at": t, "segment": k},
              times, ids),
)


def _step(kind: str, sid: str, d: str, t: str, tpl: dict[str, Any]) -> dict[str, Any]:
    if kind == "send":
        return {"id": sid, "type": "send", "template": tpl}
    if kind == "wait":
        return {"id": sid, "type": "wait", "duration": d}
    if kind == "until":
        return {"id": sid, "type": "wait", "until": t}
    if kind == "wfe":
        return {"id": sid, "type": "wait_for_event", "event": "Order Completed",
                "correlate": "cart_id", "timeout": d}
    if kind == "branch":
        return {"id": sid, "type": "branch", "condition": {"no_order_for_days": 30}}
    if kind == "trait":
        return {"id": sid, "type": "update_trait", "traits": {"flag": True}}
    return {"id": sid, "type": "exit"}


@st.composite
def definitions(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 6))
    step_ids = draw(st.lists(ids, min_size=n, max_size=n, unique=True))
    kinds = draw(st.lists(st.sampled_from(["send", "wait", "until", "wfe", "branch", "trait",
                                           "exit"]), min_size=n, max_size=n))
    steps = [_step(k, i, draw(durations), draw(times), draw(template_doc))
             for k, i in zip(kinds, step_ids, strict=True)]
    arms = draw(st.lists(ids, min_size=1, max_size=3, unique=True).filter(
        lambda a: not {"holdout", "global_control"} & set(a)))
    doc: dict[str, Any] = {
        "trigger": draw(triggers), "steps": steps,
        "re_entry": draw(st.sampled_from(["once", "after_exit", "always"])),
        "holdout_pct": draw(st.floats(0, 50)), "global_control_pct": draw(st.floats(0, 40)),
        "arms": [{"name": a, "weight": draw(st.floats(0.1, 10))} for a in arms],
    }
    if draw(st.booleans()):
        doc["goal_event"] = draw(names)
    return doc


@settings(max_examples=150, deadline=None)
@given(definitions())
def test_every_valid_definition_round_trips(doc: dict[str, Any]) -> None:
    d = parse(doc)
    assert parse(render(d)) == d
    assert render(parse(render(d))) == render(d)


BROKEN: list[tuple[dict[str, Any], str]] = [
    ({"steps": []}, "trigger"),
    ({"trigger": {"type": "nope"}, "steps": []}, "trigger.type"),
    ({"trigger": {"type": "event", "event": "X"}, "steps": []}, "steps"),
    ({"trigger": {"type": "event", "event": "X"},
      "steps": [{"id": "a", "type": "wait", "duration": "soon"}]}, "steps[0].duration"),
    ({"trigger": {"type": "event", "event": "X"},
      "steps": [{"id": "a", "type": "wait", "duration": "1h", "next": "zz"}]}, "steps[0]"),
    ({"trigger": {"type": "event", "event": "X"},
      "steps": [{"id": "a", "type": "wait", "duration": "1h", "next": "a"}]}, "steps[0]"),
    ({"trigger": {"type": "event", "event": "X"},
      "steps": [{"id": "a", "type": "send", "template": {"xx": 1}}]}, "steps[0].template"),
    ({"trigger": {"type": "event", "event": "X"},
      "steps": [{"id": "a", "type": "branch", "condition": {"bogus": 1}}]},
     "steps[0].condition"),
    ({"trigger": {"type": "date", "field": "shoe_size"},
      "steps": [{"id": "a", "type": "exit"}]}, "trigger.field"),
    ({"trigger": {"type": "event", "event": "X"}, "holdout_pct": 100,
      "steps": [{"id": "a", "type": "exit"}]}, "holdout_pct"),
    ({"trigger": {"type": "event", "event": "X"}, "re_entry": "sometimes",
      "steps": [{"id": "a", "type": "exit"}]}, "re_entry"),
    ({"trigger": {"type": "event", "event": "X"},
      "steps": [{"id": "a", "type": "exit"}, {"id": "a", "type": "exit"}]}, "steps[1].id"),
    ({"trigger": {"type": "event", "event": "X"}, "arms": [{"name": "holdout"}],
      "steps": [{"id": "a", "type": "exit"}]}, "arms[0].name"),
    ({"trigger": {"type": "event", "event": "X"},
      "steps": [{"id": "a", "type": "send", "template": {"en": {"text": "x"}},
                 "variants": {"b": {"en": {"text": "y"}}}}]}, "steps[0].variants.b"),
    ({"trigger": {"type": "event", "event": "X", "where": {"score": {"about": 3}}},
      "steps": [{"id": "a", "type": "exit"}]}, "trigger.where.score"),
]


@pytest.mark.parametrize(("doc", "path"), BROKEN)
def test_invalid_definitions_fail_with_the_path(doc: dict[str, Any], path: str) -> None:
    with pytest.raises(JourneyDefinitionInvalid) as err:
        parse(doc)
    assert err.value.path == path


@given(st.dictionaries(st.text(max_size=5), st.integers()))
def test_a_definition_without_trigger_never_parses(doc: dict[str, Any]) -> None:
    with pytest.raises(JourneyDefinitionInvalid):
        parse(doc)


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_every_ready_made_template_is_valid(name: str) -> None:
    tpl = template(name, {"public_base_url": "https://shop.example"})
    assert parse(tpl.definition) and tpl.title["ja"] and tpl.title["en"]


def test_the_nps_mail_links_to_the_hosted_survey_page() -> None:
    doc = template("post_purchase", {"public_base_url": "https://shop.example/",
                                     "survey": "nps-2026"}).definition
    assert "https://shop.example/p/s/nps-2026" in doc["steps"][2]["template"]["en"]["text"]


def test_where_filters_and_operators() -> None:
    where = {"survey_type": "nps", "score": {"lte": 6}}
    assert where_ok(where, {"survey_type": "nps", "score": 3})
    assert not where_ok(where, {"survey_type": "nps", "score": 9})
    assert not where_ok(where, {"survey_type": "nps"})
    assert not where_ok(where, {"survey_type": "nps", "score": "3"})
    assert where_ok({"tier": {"in": ["gold", "silver"]}}, {"tier": "gold"})


def test_durations() -> None:
    assert parse_duration("90m", "d") == 5400 and parse_duration(3600, "d") == 3600
    with pytest.raises(JourneyDefinitionInvalid):
        parse_duration("400d", "d")


def test_wait_until_a_local_time_uses_the_zone() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    now = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)  # 12:00 in Tokyo
    assert next_local_time(now, "09:00", tokyo) == datetime(2026, 12, 3, 0, 0, tzinfo=UTC)
    assert next_local_time(now, "18:30", tokyo) == datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    ny = ZoneInfo("America/New_York")  # DST ends on 1 Nov 2026
    before = datetime(2026, 10, 31, 14, 0, tzinfo=UTC)  # 10:00 EDT on 31 Oct
    assert next_local_time(before, "09:00", ny) == datetime(2026, 11, 1, 14, 0, tzinfo=UTC)
