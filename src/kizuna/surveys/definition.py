"""Reading and validating a survey definition (JSON) with field-precise errors.

Every problem is collected as ``{"path": "questions[1].options[0].id", "message": ...}`` and
raised together in one ``SurveyDefinitionInvalid``. The format is documented, with an example,
in docs/reference/surveys.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kizuna.surveys.contracts import (
    END,
    LOCALES,
    MAX_TEXT_LENGTH,
    SCALES,
    Choice,
    Condition,
    Localized,
    Question,
    QuestionType,
    Rule,
    SurveyDefinition,
    SurveyKind,
)
from kizuna.surveys.errors import SurveyDefinitionInvalid

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
HIDDEN_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
ORIGIN_RE = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")
OPS = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "contains", "answered", "not_answered")
NUMERIC_OPS = ("lt", "lte", "gt", "gte")
_KIND_TYPE = {SurveyKind.NPS: QuestionType.NPS, SurveyKind.ENPS: QuestionType.NPS,
              SurveyKind.CSAT: QuestionType.CSAT, SurveyKind.CES: QuestionType.CES}
_TOP = {"key", "kind", "anonymous", "title", "intro", "thanks", "default_locale", "questions",
        "rules", "hidden_fields", "recontact_days", "allowed_embed_origins", "closes_at",
        "score_question", "comment_question"}
_QUESTION = {"id", "type", "prompt", "required", "help", "options", "scale_min", "scale_max",
             "min_label", "max_label", "max_length", "multiline", "skip_if"}
MAX_QUESTIONS = 100
#: Keys that collide with routes (``GET /v1/surveys/eligible``).
RESERVED_KEYS = frozenset({"eligible", "static", "new"})
#: Hidden fields an anonymous survey refuses: they would lead back to a person.
IDENTIFYING = frozenset({"email", "phone", "name", "user", "customer", "member", "employee",
                         "order", "invoice", "ticket", "account", "ip", "token", "session"})


def identifying_field(name: str) -> bool:
    """Whether a hidden field name looks like it names a person or their transaction."""
    parts = set(name.split("_"))
    if name in ("product_id", "category_id", "store_id", "department_id", "team_id"):
        return False
    return bool(parts & IDENTIFYING) or name.endswith("_id")
MAX_OPTIONS = 50


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, path: str, message: str) -> None:
        self.items.append({"path": path, "message": message})


def parse_definition(doc: Mapping[str, Any]) -> SurveyDefinition:
    errors = _Errors()
    if not isinstance(doc, Mapping):
        raise SurveyDefinitionInvalid([{"path": "", "message": "must be a JSON object"}])
    for name in sorted(set(doc) - _TOP):
        errors.add(str(name), f"unknown field; allowed: {', '.join(sorted(_TOP))}")
    key = doc.get("key")
    if not isinstance(key, str) or not KEY_RE.match(key):
        errors.add("key", "required: 1-64 lower-case letters, digits or '-' (a URL slug)")
    elif key in RESERVED_KEYS:
        errors.add("key", f"{key!r} is reserved by kizuna's URLs; choose another key")
    kind = _enum(errors, "kind", doc.get("kind"), SurveyKind, required=True)
    default_locale = doc.get("default_locale", "ja")
    if default_locale not in LOCALES:
        errors.add("default_locale", f"must be one of {', '.join(LOCALES)}")
        default_locale = "ja"
    anonymous = doc.get("anonymous", kind is SurveyKind.ENPS)
    if not isinstance(anonymous, bool):
        errors.add("anonymous", "must be true or false")
        anonymous = True
    title = _localized(errors, "title", doc.get("title"), default_locale, 300, required=True)
    intro = _localized(errors, "intro", doc.get("intro"), default_locale, 2000)
    thanks = _localized(errors, "thanks", doc.get("thanks"), default_locale, 2000)
    questions = _questions(errors, doc.get("questions"), default_locale)
    order = {q.id: i for i, q in enumerate(questions)}
    by_id = {q.id: q for q in questions}
    for i, q in enumerate(questions):
        if q.skip_if is not None:
            _check_condition(errors, f"questions[{i}].skip_if", q.skip_if, by_id, order,
                             before=i - 1)
    rules = _rules(errors, doc.get("rules", []), by_id, order)
    hidden = _hidden(errors, doc.get("hidden_fields", []))
    if anonymous:
        for i, name in enumerate(hidden):
            if identifying_field(name):
                errors.add(f"hidden_fields[{i}]", f"{name!r} could identify the respondent; "
                           "anonymous surveys may keep only non-personal hidden fields "
                           "(e.g. product_id, category, department)")
    recontact = doc.get("recontact_days", 90)
    if not _is_int(recontact) or not 0 <= recontact <= 3650:
        errors.add("recontact_days", "must be a whole number of days from 0 to 3650")
        recontact = 90
    origins = _origins(errors, doc.get("allowed_embed_origins", []))
    closes_at = _datetime(errors, "closes_at", doc.get("closes_at"))
    score_q = _score_question(errors, doc.get("score_question"), kind, questions, by_id)
    comment_q = doc.get("comment_question")
    if comment_q is not None:
        if comment_q not in by_id or by_id[comment_q].type is not QuestionType.FREE_TEXT:
            errors.add("comment_question", "must name a free_text question")
    else:
        comment_q = next((q.id for q in questions if q.type is QuestionType.FREE_TEXT), None)
    if errors.items:
        raise SurveyDefinitionInvalid(errors.items)
    assert isinstance(key, str) and kind is not None and title is not None
    return SurveyDefinition(
        key=key, kind=kind, title=title, questions=tuple(questions), anonymous=anonymous,
        default_locale=default_locale, intro=intro, thanks=thanks, rules=tuple(rules),
        hidden_fields=tuple(hidden), recontact_days=int(recontact),
        allowed_embed_origins=tuple(origins), closes_at=closes_at, score_question=score_q,
        comment_question=comment_q)


# --- pieces --------------------------------------------------------------------------------


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _enum(errors: _Errors, path: str, value: object, enum_cls: Any, *,
          required: bool = False) -> Any:
    if value is None and not required:
        return None
    try:
        return enum_cls(value)
    except (ValueError, TypeError):
        allowed = ", ".join(m.value for m in enum_cls)
        errors.add(path, f"must be one of {allowed}" + ("" if value is not None else
                                                       " (required)"))
        return None


def _localized(errors: _Errors, path: str, value: object, default_locale: str, limit: int,
               *, required: bool = False) -> Localized | None:
    if value is None:
        if required:
            errors.add(path, 'required: texts per locale, e.g. {"ja": "…", "en": "…"}')
        return None
    if isinstance(value, str):  # one text for every locale
        value = {default_locale: value}
    if not isinstance(value, Mapping) or not value:
        errors.add(path, 'must be texts per locale, e.g. {"ja": "…", "en": "…"}')
        return None
    out: dict[str, str] = {}
    for loc, text in value.items():
        if loc not in LOCALES:
            errors.add(f"{path}.{loc}", f"unknown locale; use {', '.join(LOCALES)}")
        elif not isinstance(text, str) or not text.strip():
            errors.add(f"{path}.{loc}", "must be a non-empty text")
        elif len(text) > limit or "\x00" in text:
            errors.add(f"{path}.{loc}", f"must be at most {limit} characters, without NUL")
        else:
            out[loc] = text
    if out and default_locale not in out:
        errors.add(f"{path}.{default_locale}", "the default locale's text is required")
    return out


def _questions(errors: _Errors, value: object, default_locale: str) -> list[Question]:
    if not isinstance(value, list) or not value:
        errors.add("questions", "required: a non-empty list of questions")
        return []
    if len(value) > MAX_QUESTIONS:
        errors.add("questions", f"at most {MAX_QUESTIONS} questions")
    out: list[Question] = []
    seen: set[str] = set()
    for i, raw in enumerate(value[:MAX_QUESTIONS]):
        rid = raw.get("id") if isinstance(raw, Mapping) else None
        if isinstance(rid, str) and rid in seen:
            errors.add(f"questions[{i}].id", f"duplicate question id {rid!r}")
            continue
        if isinstance(rid, str):
            seen.add(rid)
        q = _question(errors, f"questions[{i}]", raw, default_locale)
        if q is not None:
            out.append(q)
    return out


def _question(errors: _Errors, path: str, raw: object, default_locale: str) -> Question | None:
    if not isinstance(raw, Mapping):
        errors.add(path, "must be an object")
        return None
    before = len(errors.items)
    for name in sorted(set(raw) - _QUESTION):
        errors.add(f"{path}.{name}", f"unknown field; allowed: {', '.join(sorted(_QUESTION))}")
    qid = raw.get("id")
    if not isinstance(qid, str) or not ID_RE.match(qid) or qid == END:
        errors.add(f"{path}.id", "required: a letter then up to 39 letters, digits or '_' "
                   "(not 'end')")
    qtype = _enum(errors, f"{path}.type", raw.get("type"), QuestionType, required=True)
    prompt = _localized(errors, f"{path}.prompt", raw.get("prompt"), default_locale, 1000,
                        required=True)
    required = raw.get("required", True)
    if not isinstance(required, bool):
        errors.add(f"{path}.required", "must be true or false")
    help_text = _localized(errors, f"{path}.help", raw.get("help"), default_locale, 1000)
    min_label = _localized(errors, f"{path}.min_label", raw.get("min_label"), default_locale, 100)
    max_label = _localized(errors, f"{path}.max_label", raw.get("max_label"), default_locale, 100)
    options: list[Choice] = []
    if qtype in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
        options = _options(errors, f"{path}.options", raw.get("options"), default_locale)
    elif "options" in raw:
        errors.add(f"{path}.options", "only choice questions have options")
    scale_min, scale_max = raw.get("scale_min"), raw.get("scale_max")
    if qtype is QuestionType.RATING:
        lo = 1 if scale_min is None else scale_min
        hi = 5 if scale_max is None else scale_max
        if not (_is_int(lo) and _is_int(hi)) or not (-10 <= lo < hi <= 100 and hi - lo <= 20):
            errors.add(f"{path}.scale_max", "rating scales need whole numbers scale_min < "
                       "scale_max, from -10 to 100, at most 20 steps apart")
    elif scale_min is not None or scale_max is not None:
        errors.add(f"{path}.scale_min", "only rating questions take scale_min / scale_max"
                   + (f" ({qtype.value} is fixed at {SCALES[qtype][0]}..{SCALES[qtype][1]})"
                      if qtype in SCALES else ""))
    max_length = raw.get("max_length", MAX_TEXT_LENGTH)
    if not _is_int(max_length) or not 1 <= max_length <= MAX_TEXT_LENGTH:
        errors.add(f"{path}.max_length", f"must be a whole number from 1 to {MAX_TEXT_LENGTH}")
        max_length = MAX_TEXT_LENGTH
    multiline = raw.get("multiline", True)
    if not isinstance(multiline, bool):
        errors.add(f"{path}.multiline", "must be true or false")
    skip_if = _condition(errors, f"{path}.skip_if", raw["skip_if"]) if "skip_if" in raw else None
    if len(errors.items) > before or qtype is None or prompt is None:
        return None
    assert isinstance(qid, str)
    return Question(
        id=qid, type=qtype, prompt=prompt, required=bool(required), help=help_text,
        options=tuple(options), scale_min=scale_min if qtype is QuestionType.RATING else None,
        scale_max=scale_max if qtype is QuestionType.RATING else None, min_label=min_label,
        max_label=max_label, max_length=int(max_length), multiline=bool(multiline),
        skip_if=skip_if)


def _options(errors: _Errors, path: str, value: object, default_locale: str) -> list[Choice]:
    if not isinstance(value, list) or not 2 <= len(value) <= MAX_OPTIONS:
        errors.add(path, f"choice questions need a list of 2 to {MAX_OPTIONS} options")
        return []
    out: list[Choice] = []
    seen: set[str] = set()
    for i, raw in enumerate(value):
        if not isinstance(raw, Mapping):
            errors.add(f"{path}[{i}]", 'must be an object {"id": ..., "label": {...}}')
            continue
        oid = raw.get("id")
        if not isinstance(oid, str) or not ID_RE.match(oid):
            errors.add(f"{path}[{i}].id", "required: a letter then letters, digits or '_'")
            continue
        if oid in seen:
            errors.add(f"{path}[{i}].id", f"duplicate option id {oid!r}")
            continue
        seen.add(oid)
        label = _localized(errors, f"{path}[{i}].label", raw.get("label"), default_locale, 300,
                           required=True)
        if label:
            out.append(Choice(id=oid, label=label))
    return out


def _condition(errors: _Errors, path: str, raw: object, depth: int = 0) -> Condition | None:
    if not isinstance(raw, Mapping):
        errors.add(path, 'must be {"question", "op", "value"} or {"all": [...]} / {"any": [...]}')
        return None
    if depth > 5:
        errors.add(path, "conditions nest at most 5 deep")
        return None
    for group in ("all", "any"):
        if group in raw:
            items = raw[group]
            if set(raw) != {group} or not isinstance(items, list) or not items:
                errors.add(path, f'a group is {{"{group}": [condition, ...]}} and nothing else')
                return None
            parts = [_condition(errors, f"{path}.{group}[{i}]", c, depth + 1)
                     for i, c in enumerate(items)]
            if any(p is None for p in parts):
                return None
            kept = tuple(p for p in parts if p is not None)
            return Condition(all=kept) if group == "all" else Condition(any=kept)
    extra = set(raw) - {"question", "op", "value"}
    if extra:
        errors.add(path, f"unknown field(s) {', '.join(sorted(map(str, extra)))}")
    question, op = raw.get("question"), raw.get("op")
    if not isinstance(question, str):
        errors.add(f"{path}.question", "required: the id of an earlier question")
        return None
    if op not in OPS:
        errors.add(f"{path}.op", f"must be one of {', '.join(OPS)}")
        return None
    value = raw.get("value")
    if op in ("answered", "not_answered"):
        if value is not None:
            errors.add(f"{path}.value", f"{op} takes no value")
    elif op in NUMERIC_OPS and not (isinstance(value, int | float) and
                                    not isinstance(value, bool)):
        errors.add(f"{path}.value", f"{op} needs a number")
        return None
    elif op == "in" and not (isinstance(value, list) and value):
        errors.add(f"{path}.value", "in needs a non-empty list")
        return None
    elif op in ("eq", "ne", "contains") and not isinstance(value, str | int | float | bool):
        errors.add(f"{path}.value", f"{op} needs a text or number")
        return None
    return Condition(question=question, op=op, value=value)


def _check_condition(errors: _Errors, path: str, cond: Condition, by_id: Mapping[str, Question],
                     order: Mapping[str, int], *, before: int) -> None:
    """References exist, point at questions at index <= ``before``, and fit their type."""
    for i, part in enumerate(cond.all):
        _check_condition(errors, f"{path}.all[{i}]", part, by_id, order, before=before)
    for i, part in enumerate(cond.any):
        _check_condition(errors, f"{path}.any[{i}]", part, by_id, order, before=before)
    if cond.question is None:
        return
    q = by_id.get(cond.question)
    if q is None:
        errors.add(f"{path}.question", f"unknown question {cond.question!r}")
        return
    if order[q.id] > before:
        errors.add(f"{path}.question", f"{q.id!r} is not answered yet at this point; "
                   "conditions may only look at earlier questions")
    if cond.op in NUMERIC_OPS and q.scale is None:
        errors.add(f"{path}.op", f"{cond.op} needs a scale question; {q.id!r} is {q.type.value}")
    if cond.op == "contains" and q.type is not QuestionType.MULTIPLE_CHOICE:
        errors.add(f"{path}.op", "contains needs a multiple_choice question")
    if q.options:
        ids = {o.id for o in q.options}
        values = cond.value if isinstance(cond.value, list) else [cond.value]
        for v in values if cond.op in ("eq", "ne", "in", "contains") else []:
            if v not in ids:
                errors.add(f"{path}.value", f"{v!r} is not an option of {q.id!r}")


def _rules(errors: _Errors, value: object, by_id: Mapping[str, Question],
           order: Mapping[str, int]) -> list[Rule]:
    if not isinstance(value, list):
        errors.add("rules", "must be a list")
        return []
    out: list[Rule] = []
    for i, raw in enumerate(value):
        path = f"rules[{i}]"
        if not isinstance(raw, Mapping):
            errors.add(path, 'must be {"after": "q1", "if": {...}, "goto": "q3" | "end"}')
            continue
        extra = set(raw) - {"after", "if", "goto"}
        if extra:
            errors.add(path, f"unknown field(s) {', '.join(sorted(map(str, extra)))}")
        after, goto = raw.get("after"), raw.get("goto")
        if after not in by_id:
            errors.add(f"{path}.after", f"unknown question {after!r}")
            continue
        if goto != END and goto not in by_id:
            errors.add(f"{path}.goto", f"must be a question id or {END!r}; got {goto!r}")
            continue
        assert isinstance(after, str) and isinstance(goto, str)
        if goto != END and order[goto] <= order[after]:
            errors.add(f"{path}.goto", f"jumps may only go forward: {goto!r} does not come "
                       f"after {after!r} (this prevents loops)")
            continue
        when = None
        if raw.get("if") is not None:
            when = _condition(errors, f"{path}.if", raw["if"])
            if when is None:
                continue
            _check_condition(errors, f"{path}.if", when, by_id, order, before=order[after])
        out.append(Rule(after=after, goto=goto, when=when))
    return out


def _hidden(errors: _Errors, value: object) -> list[str]:
    if not isinstance(value, list) or len(value) > 20:
        errors.add("hidden_fields", "must be a list of at most 20 names")
        return []
    out: list[str] = []
    for i, name in enumerate(value):
        if not isinstance(name, str) or not HIDDEN_RE.match(name):
            errors.add(f"hidden_fields[{i}]", "must be lower-case letters, digits or '_', "
                       "starting with a letter (e.g. order_id)")
        elif name in out:
            errors.add(f"hidden_fields[{i}]", f"duplicate hidden field {name!r}")
        elif name in ("t", "lang", "response_id", "step", "state"):  # the hosted page's
            errors.add(f"hidden_fields[{i}]", f"{name!r} is reserved")
        else:
            out.append(name)
    return out


def _origins(errors: _Errors, value: object) -> list[str]:
    if not isinstance(value, list):
        errors.add("allowed_embed_origins", "must be a list of origins")
        return []
    out: list[str] = []
    for i, origin in enumerate(value):
        if not isinstance(origin, str) or not ORIGIN_RE.match(origin):
            errors.add(f"allowed_embed_origins[{i}]",
                       "must be an origin like https://shop.example (scheme and host, "
                       "optional port, no path or wildcard)")
        else:
            out.append(origin.lower())
    return out


def _datetime(errors: _Errors, path: str, value: object) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        errors.add(path, "must be an ISO 8601 date-time with a time zone, "
                   "e.g. 2026-12-31T23:59:00+09:00")
        return None
    return parsed


def _score_question(errors: _Errors, value: object, kind: SurveyKind | None,
                    questions: list[Question], by_id: Mapping[str, Question]) -> str | None:
    wanted = _KIND_TYPE.get(kind) if kind is not None else None
    if value is not None:
        q = by_id.get(str(value))
        if q is None or q.scale is None:
            errors.add("score_question", "must name a scale question (nps, csat, ces, rating)")
            return None
        if wanted is not None and q.type is not wanted:
            errors.add("score_question", f"a {kind} survey is scored by a {wanted} question")
            return None
        return q.id
    if wanted is None:
        return None
    found = next((q.id for q in questions if q.type is wanted), None)
    if found is None and questions:
        errors.add("questions", f"a {kind} survey needs a question of type {wanted.value}")
    return found


# --- back to JSON --------------------------------------------------------------------------


def _condition_json(cond: Condition) -> dict[str, Any]:
    if cond.all:
        return {"all": [_condition_json(c) for c in cond.all]}
    if cond.any:
        return {"any": [_condition_json(c) for c in cond.any]}
    out: dict[str, Any] = {"question": cond.question, "op": cond.op}
    if cond.op not in ("answered", "not_answered"):
        out["value"] = cond.value
    return out


def to_json(d: SurveyDefinition) -> dict[str, Any]:
    questions: list[dict[str, Any]] = []
    for q in d.questions:
        item: dict[str, Any] = {"id": q.id, "type": q.type.value, "prompt": dict(q.prompt),
                                "required": q.required}
        if q.help:
            item["help"] = dict(q.help)
        if q.options:
            item["options"] = [{"id": o.id, "label": dict(o.label)} for o in q.options]
        if q.type is QuestionType.RATING:
            item["scale_min"], item["scale_max"] = q.scale or (1, 5)
        if q.min_label:
            item["min_label"] = dict(q.min_label)
        if q.max_label:
            item["max_label"] = dict(q.max_label)
        if q.type is QuestionType.FREE_TEXT:
            item["max_length"] = q.max_length
            item["multiline"] = q.multiline
        if q.skip_if is not None:
            item["skip_if"] = _condition_json(q.skip_if)
        questions.append(item)
    doc: dict[str, Any] = {
        "key": d.key, "kind": d.kind.value, "anonymous": d.anonymous,
        "default_locale": d.default_locale, "title": dict(d.title), "questions": questions,
        "rules": [{"after": r.after, "goto": r.goto,
                   **({"if": _condition_json(r.when)} if r.when else {})} for r in d.rules],
        "hidden_fields": list(d.hidden_fields), "recontact_days": d.recontact_days,
        "allowed_embed_origins": list(d.allowed_embed_origins),
    }
    if d.intro:
        doc["intro"] = dict(d.intro)
    if d.thanks:
        doc["thanks"] = dict(d.thanks)
    if d.closes_at is not None:
        doc["closes_at"] = d.closes_at.isoformat()
    if d.score_question:
        doc["score_question"] = d.score_question
    if d.comment_question:
        doc["comment_question"] = d.comment_question
    return doc
