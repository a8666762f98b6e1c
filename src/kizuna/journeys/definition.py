"""Parse and validate a journey definition (JSON) into :class:`Definition`, and back.

Every error names the path of the wrong part (``steps[2].timeout``), so editors can point at
it. ``render(parse(doc))`` is the canonical form: ``parse(render(d)) == d`` for every valid
definition ``d``. The format is documented in docs/reference/journeys.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kizuna.errors import KizunaError
from kizuna.journeys.contracts import (
    END,
    ArmSpec,
    BranchStep,
    DateTrigger,
    Definition,
    EventTrigger,
    ExitStep,
    ReEntry,
    ScheduleTrigger,
    SendStep,
    Step,
    Trigger,
    UpdateTraitStep,
    WaitForEventStep,
    WaitStep,
)
from kizuna.journeys.errors import JourneyDefinitionInvalid

SEGMENT_ENTERED, SEGMENT_EXITED = "Segment Entered", "Segment Exited"
CHANNELS = ("email", "webhook", "in_app")
RESERVED_ARMS = ("holdout", "global_control")
MAX_STEPS = 50
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")
_TIME = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_MAX_SECONDS = 366 * 86400
_DATE_FIELD = re.compile(r"^(birthday|last_order|traits\.[A-Za-z0-9_]{1,64})$")
_STEP_KEYS: dict[str, set[str]] = {
    "send": {"channel", "purpose", "transactional", "template", "variants", "webhook_url",
             "next"},
    "wait": {"duration", "until", "next"},
    "wait_for_event": {"event", "where", "correlate", "timeout", "on_event", "on_timeout"},
    "branch": {"condition", "then", "else"},
    "update_trait": {"traits", "next"},
    "exit": set(),
}
_TOP_KEYS = {"trigger", "steps", "goal_event", "conversion_window_days", "re_entry",
             "holdout_pct", "global_control_pct", "arms"}


def _fail(path: str, message: str) -> JourneyDefinitionInvalid:
    return JourneyDefinitionInvalid(path, message)


def _obj(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(path, "must be a JSON object")
    return value


def _keys(doc: Mapping[str, Any], allowed: set[str], path: str) -> None:
    unknown = sorted(set(doc) - allowed)
    if unknown:
        raise _fail(f"{path}.{unknown[0]}" if path else unknown[0],
                    f"unknown key; allowed: {', '.join(sorted(allowed))}")


def _text(doc: Mapping[str, Any], key: str, path: str, *, required: bool = True,
          limit: int = 200) -> str | None:
    value = doc.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise _fail(f"{path}.{key}", f"must be a non-empty text of at most {limit} characters")
    return value


def _number(doc: Mapping[str, Any], key: str, path: str, default: float, lo: float,
            hi: float) -> float:
    value = doc.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value < hi:
        raise _fail(f"{path}{key}", f"must be a number from {lo:g} up to (not including) {hi:g}")
    return float(value)


_OPS = ("eq", "ne", "lt", "lte", "gt", "gte", "in")


def _scalar(v: Any) -> bool:
    return isinstance(v, (str, int, float, bool))


def _where(value: Any, path: str) -> dict[str, Any]:
    """Property filters: ``{"cart_id": "c1"}`` (equal) or ``{"score": {"lte": 6}}``
    (operators eq, ne, lt, lte, gt, gte, in)."""
    doc = _obj(value if value is not None else {}, path)
    for k, v in doc.items():
        if _scalar(v):
            continue
        if not isinstance(v, Mapping) or len(v) != 1 or next(iter(v)) not in _OPS:
            raise _fail(f"{path}.{k}", "must be a text, number or true/false to compare with, "
                                       f"or one operator of {', '.join(_OPS)}")
        op, arg = next(iter(v.items()))
        ok = (isinstance(arg, list) and 0 < len(arg) <= 100 and all(map(_scalar, arg))
              if op == "in" else _scalar(arg))
        if not ok:
            raise _fail(f"{path}.{k}.{op}", "must be a list of values" if op == "in"
                        else "must be a text, number or true/false")
    return dict(doc)


def _compare(op: str, have: Any, want: Any) -> bool:
    if op == "eq":
        return bool(have == want)
    if op == "ne":
        return bool(have != want)
    if op == "in":
        return have in want
    if isinstance(have, bool) or isinstance(want, bool):
        return False
    if isinstance(have, (int, float)) and isinstance(want, (int, float)):
        pass
    elif not (isinstance(have, str) and isinstance(want, str)):
        return False
    return bool({"lt": have < want, "lte": have <= want, "gt": have > want,
                 "gte": have >= want}[op])


def where_ok(where: Mapping[str, Any], properties: Mapping[str, Any]) -> bool:
    """Whether event ``properties`` pass the filters ``where`` (a missing property fails)."""
    for k, v in where.items():
        if k not in properties:
            return False
        if isinstance(v, Mapping):
            op, want = next(iter(v.items()))
            if not _compare(op, properties[k], want):
                return False
        elif properties[k] != v:
            return False
    return True


def parse_time(value: Any, path: str) -> str:
    if not isinstance(value, str) or not _TIME.match(value):
        raise _fail(path, "must be a local time of day as HH:MM (24 hours), e.g. 09:00")
    return value


def parse_duration(value: Any, path: str) -> int:
    """Seconds from ``"30m"``, ``"1h"``, ``"7d"``, ``"2w"``, ``"45s"`` or a whole number."""
    seconds: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        seconds = value
    elif isinstance(value, str) and (m := _DURATION.match(value)):
        seconds = int(m.group(1)) * _UNITS[m.group(2)]
    if seconds is None or not 0 < seconds <= _MAX_SECONDS:
        raise _fail(path, 'must be a duration like "30m", "1h", "7d", "2w" (up to a year) '
                          "or a number of seconds")
    return seconds


def format_duration(seconds: int) -> str:
    for unit in ("w", "d", "h", "m"):
        if seconds % _UNITS[unit] == 0:
            return f"{seconds // _UNITS[unit]}{unit}"
    return f"{seconds}s"


def _trigger(value: Any) -> Trigger:
    doc = _obj(value, "trigger")
    kind = doc.get("type")
    if kind == "event":
        _keys(doc, {"type", "event", "where"}, "trigger")
        return EventTrigger(event=str(_text(doc, "event", "trigger")),
                            where=_where(doc.get("where"), "trigger.where"))
    if kind in ("segment_entered", "segment_exited"):
        _keys(doc, {"type", "segment"}, "trigger")
        seg = str(_text(doc, "segment", "trigger", limit=100))
        return EventTrigger(event=SEGMENT_ENTERED if kind == "segment_entered" else SEGMENT_EXITED,
                            where={"segment": seg})
    if kind == "date":
        _keys(doc, {"type", "field", "at", "offset_days"}, "trigger")
        fld = doc.get("field")
        if not isinstance(fld, str) or not _DATE_FIELD.match(fld):
            raise _fail("trigger.field", 'must be "birthday", "last_order" or '
                                         '"traits.<name>" (a date trait)')
        offset = doc.get("offset_days", 0)
        if isinstance(offset, bool) or not isinstance(offset, int) or not -366 <= offset <= 366:
            raise _fail("trigger.offset_days", "must be a whole number of days from -366 to 366")
        return DateTrigger(field=fld, at=parse_time(doc.get("at", "09:00"), "trigger.at"),
                           offset_days=offset)
    if kind == "schedule":
        _keys(doc, {"type", "every", "at", "segment", "weekday"}, "trigger")
        every = doc.get("every")
        if every not in ("day", "week"):
            raise _fail("trigger.every", 'must be "day" or "week"')
        weekday = doc.get("weekday")
        if every == "week":
            if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
                raise _fail("trigger.weekday", "must be 0 (Monday) … 6 (Sunday) for a weekly "
                                               "schedule")
        elif weekday is not None:
            raise _fail("trigger.weekday", "is only allowed with every = week")
        return ScheduleTrigger(every=str(every), at=parse_time(doc.get("at"), "trigger.at"),
                               segment=str(_text(doc, "segment", "trigger", limit=100)),
                               weekday=weekday)
    raise _fail("trigger.type", "must be one of event, segment_entered, segment_exited, date, "
                                "schedule")


def _target(doc: Mapping[str, Any], key: str, path: str) -> str | None:
    value = doc.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not (value == END or _ID.match(value)):
        raise _fail(f"{path}.{key}", f'must be a step id or "{END}"')
    return value


def _template(value: Any, path: str) -> dict[str, Any]:
    from kizuna.messaging import api as messaging

    doc = _obj(value, path)
    try:
        messaging.template_from_document(doc)
    except KizunaError as exc:
        raise _fail(path, str(exc)) from exc
    return dict(doc)


def _send(doc: Mapping[str, Any], sid: str, path: str, arms: set[str]) -> SendStep:
    channel = doc.get("channel", "email")
    if channel not in CHANNELS:
        raise _fail(f"{path}.channel", f"must be one of {', '.join(CHANNELS)}")
    transactional = doc.get("transactional", False)
    if not isinstance(transactional, bool):
        raise _fail(f"{path}.transactional", "must be true or false")
    variants_doc = _obj(doc.get("variants") or {}, f"{path}.variants")
    variants = {}
    for arm, tpl in variants_doc.items():
        if arm not in arms:
            raise _fail(f"{path}.variants.{arm}", f"is not an arm of this journey "
                                                  f"({', '.join(sorted(arms))})")
        variants[arm] = _template(tpl, f"{path}.variants.{arm}")
    url = doc.get("webhook_url", "")
    if not isinstance(url, str) or len(url) > 2000:
        raise _fail(f"{path}.webhook_url", "must be a URL text")
    if channel == "webhook" and not url:
        raise _fail(f"{path}.webhook_url", "is required for the webhook channel")
    return SendStep(id=sid, channel=str(channel),
                    purpose=str(_text(doc, "purpose", path, limit=64) if "purpose" in doc
                                else "marketing"),
                    transactional=transactional,
                    template=_template(doc.get("template"), f"{path}.template"),
                    variants=variants, webhook_url=url, next=_target(doc, "next", path))


def _step(value: Any, i: int, arms: set[str]) -> Step:
    path = f"steps[{i}]"
    doc = _obj(value, path)
    sid = doc.get("id")
    if not isinstance(sid, str) or not _ID.match(sid) or sid == END:
        raise _fail(f"{path}.id", "must be 1..50 lowercase letters, digits, _ or -, starting "
                                  f'with a letter or digit (not "{END}")')
    kind = doc.get("type")
    if kind not in _STEP_KEYS:
        raise _fail(f"{path}.type", f"must be one of {', '.join(_STEP_KEYS)}")
    _keys(doc, {"id", "type", *_STEP_KEYS[kind]}, path)
    if kind == "send":
        return _send(doc, sid, path, arms)
    if kind == "wait":
        if ("duration" in doc) == ("until" in doc):
            raise _fail(path, 'give either "duration" or "until" (a local time of day)')
        return WaitStep(
            id=sid, next=_target(doc, "next", path),
            seconds=parse_duration(doc["duration"], f"{path}.duration")
            if "duration" in doc else None,
            until=parse_time(doc["until"], f"{path}.until") if "until" in doc else None)
    if kind == "wait_for_event":
        return WaitForEventStep(
            id=sid, event=str(_text(doc, "event", path)),
            where=_where(doc.get("where"), f"{path}.where"),
            correlate=_text(doc, "correlate", path, required=False, limit=100),
            timeout_seconds=parse_duration(doc.get("timeout"), f"{path}.timeout"),
            on_event=_target(doc, "on_event", path), on_timeout=_target(doc, "on_timeout", path))
    if kind == "branch":
        from kizuna.segments import api as segments

        cond = doc.get("condition")
        try:
            segments.parse(cond)
        except KizunaError as exc:
            sub = str(exc.fields.get("path", ""))
            raise _fail(f"{path}.{sub or 'condition'}", str(exc)) from exc
        return BranchStep(id=sid, condition=_obj(cond, f"{path}.condition"),
                          then=_target(doc, "then", path), otherwise=_target(doc, "else", path))
    if kind == "update_trait":
        traits = _obj(doc.get("traits"), f"{path}.traits")
        if not traits:
            raise _fail(f"{path}.traits", "must name at least one trait")
        return UpdateTraitStep(id=sid, traits=dict(traits), next=_target(doc, "next", path))
    return ExitStep(id=sid)


def successors(steps: tuple[Step, ...], index: int) -> list[str]:
    """Where step ``index`` may go (step ids or END); a missing target is the next step."""
    step = steps[index]
    following = steps[index + 1].id if index + 1 < len(steps) else END
    if isinstance(step, ExitStep):
        return []
    if isinstance(step, BranchStep):
        return [step.then or following, step.otherwise or following]
    if isinstance(step, WaitForEventStep):
        return [step.on_event or following, step.on_timeout or following]
    return [step.next or following]


def _check_graph(steps: tuple[Step, ...]) -> None:
    index = {s.id: i for i, s in enumerate(steps)}
    for i, _s in enumerate(steps):
        for target in successors(steps, i):
            if target != END and target not in index:
                raise _fail(f"steps[{i}]", f"goes to step {target!r}, which does not exist")
    state: dict[str, int] = {}

    def visit(sid: str, trail: tuple[str, ...]) -> None:
        if state.get(sid) == 2:
            return
        if state.get(sid) == 1:
            raise _fail(f"steps[{index[sid]}]", "the steps loop back ("
                        + " → ".join((*trail, sid)) + "); a journey must move forward")
        state[sid] = 1
        for target in successors(steps, index[sid]):
            if target != END:
                visit(target, (*trail, sid))
        state[sid] = 2

    visit(steps[0].id, ())


def parse(value: Any) -> Definition:
    """The :class:`Definition` of a JSON document; raises :class:`JourneyDefinitionInvalid`."""
    doc = _obj(value, "definition")
    _keys(doc, _TOP_KEYS, "")
    trigger = _trigger(doc.get("trigger"))
    arms_doc = doc.get("arms", [{"name": "main"}])
    if not isinstance(arms_doc, list) or not 1 <= len(arms_doc) <= 10:
        raise _fail("arms", "must be a list of 1 to 10 arms")
    arms: list[ArmSpec] = []
    for i, a in enumerate(arms_doc):
        a = _obj(a, f"arms[{i}]")
        _keys(a, {"name", "weight"}, f"arms[{i}]")
        name = a.get("name")
        if not isinstance(name, str) or not _ID.match(name) or name in RESERVED_ARMS:
            raise _fail(f"arms[{i}].name", "must be an id (lowercase letters, digits, _ or -), "
                                           "not holdout or global_control")
        if name in {x.name for x in arms}:
            raise _fail(f"arms[{i}].name", "is used twice")
        arms.append(ArmSpec(name=name, weight=_number(a, "weight", f"arms[{i}].", 1.0,
                                                      1e-9, 1e9)))
    holdout = _number(doc, "holdout_pct", "", 10.0, 0, 100)
    global_control = _number(doc, "global_control_pct", "", 0.0, 0, 100)
    if holdout + global_control >= 100:
        raise _fail("holdout_pct", "holdout_pct + global_control_pct must stay below 100")
    re_entry = doc.get("re_entry", ReEntry.ONCE.value)
    if re_entry not in {r.value for r in ReEntry}:
        raise _fail("re_entry", "must be once, after_exit or always")
    goal = doc.get("goal_event")
    if goal is not None and (not isinstance(goal, str) or not goal.strip() or len(goal) > 200):
        raise _fail("goal_event", "must be an event name (or left out)")
    window = _number(doc, "conversion_window_days", "", 7.0, 0.01, 366)
    steps_doc = doc.get("steps")
    if not isinstance(steps_doc, list) or not 1 <= len(steps_doc) <= MAX_STEPS:
        raise _fail("steps", f"must be a list of 1 to {MAX_STEPS} steps")
    names = {a.name for a in arms}
    steps = tuple(_step(s, i, names) for i, s in enumerate(steps_doc))
    seen: set[str] = set()
    for i, s in enumerate(steps):
        if s.id in seen:
            raise _fail(f"steps[{i}].id", f"{s.id!r} is used by another step")
        seen.add(s.id)
    _check_graph(steps)
    return Definition(trigger=trigger, steps=steps, goal_event=goal,
                      conversion_window_days=window, re_entry=ReEntry(re_entry),
                      holdout_pct=holdout, global_control_pct=global_control, arms=tuple(arms))


def _render_trigger(t: Trigger) -> dict[str, Any]:
    if isinstance(t, EventTrigger):
        if t.event in (SEGMENT_ENTERED, SEGMENT_EXITED) and set(t.where) == {"segment"} \
                and isinstance(t.where["segment"], str):
            kind = "segment_entered" if t.event == SEGMENT_ENTERED else "segment_exited"
            return {"type": kind, "segment": t.where["segment"]}
        return {"type": "event", "event": t.event, **({"where": dict(t.where)} if t.where else {})}
    if isinstance(t, DateTrigger):
        return {"type": "date", "field": t.field, "at": t.at, "offset_days": t.offset_days}
    doc: dict[str, Any] = {"type": "schedule", "every": t.every, "at": t.at, "segment": t.segment}
    if t.weekday is not None:
        doc["weekday"] = t.weekday
    return doc


def _render_step(s: Step) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": s.id}
    if isinstance(s, SendStep):
        doc |= {"type": "send", "channel": s.channel, "purpose": s.purpose,
                "transactional": s.transactional, "template": dict(s.template)}
        if s.variants:
            doc["variants"] = {k: dict(v) for k, v in s.variants.items()}
        if s.webhook_url:
            doc["webhook_url"] = s.webhook_url
    elif isinstance(s, WaitStep):
        doc["type"] = "wait"
        if s.seconds is not None:
            doc["duration"] = format_duration(s.seconds)
        else:
            doc["until"] = s.until
    elif isinstance(s, WaitForEventStep):
        doc |= {"type": "wait_for_event", "event": s.event,
                "timeout": format_duration(s.timeout_seconds)}
        if s.where:
            doc["where"] = dict(s.where)
        if s.correlate:
            doc["correlate"] = s.correlate
        for key, value in (("on_event", s.on_event), ("on_timeout", s.on_timeout)):
            if value:
                doc[key] = value
    elif isinstance(s, BranchStep):
        doc |= {"type": "branch", "condition": dict(s.condition)}
        for key, value in (("then", s.then), ("else", s.otherwise)):
            if value:
                doc[key] = value
    elif isinstance(s, UpdateTraitStep):
        doc |= {"type": "update_trait", "traits": dict(s.traits)}
    else:
        doc["type"] = "exit"
    nxt = getattr(s, "next", None)
    if nxt:
        doc["next"] = nxt
    return doc


def render(d: Definition) -> dict[str, Any]:
    """The canonical JSON document of a definition."""
    doc: dict[str, Any] = {
        "trigger": _render_trigger(d.trigger), "re_entry": d.re_entry.value,
        "holdout_pct": d.holdout_pct, "global_control_pct": d.global_control_pct,
        "arms": [{"name": a.name, "weight": a.weight} for a in d.arms],
        "conversion_window_days": d.conversion_window_days,
        "steps": [_render_step(s) for s in d.steps],
    }
    if d.goal_event:
        doc["goal_event"] = d.goal_event
    return doc
