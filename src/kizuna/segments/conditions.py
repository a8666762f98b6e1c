"""Parse a condition's JSON into ``contracts`` dataclasses, with errors that name the path
(``conditions.all[2].within_days: must be 1..3650``), and render it as readable text."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from kizuna.segments.contracts import (
    METRICS,
    OPS,
    AllOf,
    AnyOf,
    Compare,
    Condition,
    DidEvent,
    HasConsent,
    InSegment,
    MetricIs,
    NoOrderFor,
    NotOf,
    OrdersMatch,
    PropertyIs,
    TraitIs,
)
from kizuna.segments.errors import SegmentConditionInvalid
from kizuna.segments.metric_fields import FIELDS, metric_compare

MAX_DAYS = 3650
MAX_DEPTH = 12
MAX_NODES = 200
_KINDS = ("all", "any", "not", "trait", "event", "orders", "no_order_for_days", "consent",
          "segment", "metric")


def _fail(path: str, message: str) -> SegmentConditionInvalid:
    return SegmentConditionInvalid(path, message)


def _int(obj: Mapping[str, Any], key: str, path: str, lo: int, hi: int,
         default: int | None = None) -> int | None:
    if key not in obj or obj[key] is None:
        return default
    v = obj[key]
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise _fail(f"{path}.{key}", f"must be {lo}..{hi}")
    return v


def _text(obj: Mapping[str, Any], key: str, path: str) -> str:
    v = obj.get(key)
    if not isinstance(v, str) or not v.strip() or len(v) > 200:
        raise _fail(f"{path}.{key}", "must be a non-empty text of at most 200 characters")
    return v.strip()


def _only(obj: Mapping[str, Any], allowed: tuple[str, ...], path: str) -> None:
    for k in obj:
        if k not in allowed:
            raise _fail(f"{path}.{k}", f"unknown field; expected one of {', '.join(allowed)}")


def _compare(obj: Mapping[str, Any], path: str) -> Compare:
    op = obj.get("op")
    if op not in OPS:
        raise _fail(f"{path}.op", f"must be one of {'|'.join(OPS)}")
    value = obj.get("value")
    if op == "exists":
        return Compare("exists")
    if op == "in":
        if not isinstance(value, list) or not value or len(value) > 500:
            raise _fail(f"{path}.value", "must be a list of 1..500 texts or numbers")
        for i, v in enumerate(value):
            if isinstance(v, bool) or not isinstance(v, str | int | float):
                raise _fail(f"{path}.value[{i}]", "must be a text or a number")
        return Compare("in", tuple(value))
    if op in ("gt", "lt"):
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise _fail(f"{path}.value", "must be a number (or an ISO date for birthday)")
        return Compare(op, value)
    if op == "contains":
        if not isinstance(value, str) or not value:
            raise _fail(f"{path}.value", "must be a non-empty text")
        return Compare(op, value)
    if not isinstance(value, str | int | float | bool):
        raise _fail(f"{path}.value", "must be a text, a number or true/false")
    return Compare(op, value)


def parse(obj: Any, path: str = "condition") -> Condition:
    """The condition ``obj`` (decoded JSON) as dataclasses; raises SegmentConditionInvalid."""
    count = [0]
    return _parse(obj, path, 0, count)


def _parse(obj: Any, path: str, depth: int, count: list[int]) -> Condition:
    count[0] += 1
    if count[0] > MAX_NODES:
        raise _fail(path, f"a condition may have at most {MAX_NODES} parts")
    if depth > MAX_DEPTH:
        raise _fail(path, f"conditions may nest at most {MAX_DEPTH} levels deep")
    if not isinstance(obj, Mapping):
        raise _fail(path, "must be an object such as {\"trait\": \"plan\", \"op\": \"eq\", "
                          "\"value\": \"pro\"}")
    kind = next((k for k in _KINDS if k in obj), None)
    if kind is None:
        raise _fail(path, f"must have one of the keys {', '.join(_KINDS)}")
    if kind in ("all", "any"):
        _only(obj, (kind,), path)
        items = obj[kind]
        if not isinstance(items, list) or not items:
            raise _fail(f"{path}.{kind}", "must be a non-empty list of conditions")
        parsed = tuple(_parse(c, f"{path}.{kind}[{i}]", depth + 1, count)
                       for i, c in enumerate(items))
        return AllOf(parsed) if kind == "all" else AnyOf(parsed)
    if kind == "not":
        _only(obj, ("not",), path)
        return NotOf(_parse(obj["not"], f"{path}.not", depth + 1, count))
    if kind == "trait":
        _only(obj, ("trait", "op", "value"), path)
        return TraitIs(_text(obj, "trait", path), _compare(obj, path))
    if kind == "event":
        _only(obj, ("event", "at_least", "within_days", "where", "did_not"), path)
        did_not = obj.get("did_not", False)
        if not isinstance(did_not, bool):
            raise _fail(f"{path}.did_not", "must be true or false")
        where = obj.get("where", [])
        if not isinstance(where, list) or len(where) > 20:
            raise _fail(f"{path}.where", "must be a list of at most 20 property filters")
        filters = []
        for i, w in enumerate(where):
            wp = f"{path}.where[{i}]"
            if not isinstance(w, Mapping):
                raise _fail(wp, "must be an object {\"property\": …, \"op\": …, \"value\": …}")
            _only(w, ("property", "op", "value"), wp)
            filters.append(PropertyIs(_text(w, "property", wp), _compare(w, wp)))
        return DidEvent(
            event=_text(obj, "event", path),
            at_least=_int(obj, "at_least", path, 1, 1_000_000, 1) or 1,
            within_days=_int(obj, "within_days", path, 1, MAX_DAYS),
            where=tuple(filters), did_not=did_not)
    if kind == "orders":
        _only(obj, ("orders",), path)
        o = obj["orders"]
        op_ = f"{path}.orders"
        if not isinstance(o, Mapping):
            raise _fail(op_, "must be an object such as {\"at_least\": 2, \"within_days\": 365}")
        _only(o, ("at_least", "within_days", "total_at_least"), op_)
        total: Decimal | None = None
        if o.get("total_at_least") is not None:
            raw = o["total_at_least"]
            try:
                if isinstance(raw, bool):
                    raise InvalidOperation
                total = Decimal(str(raw))
            except InvalidOperation:
                raise _fail(f"{op_}.total_at_least", "must be an amount such as 100 or "
                                                     "\"99.50\"") from None
            if not total.is_finite():
                raise _fail(f"{op_}.total_at_least", "must be a finite amount")
        return OrdersMatch(at_least=_int(o, "at_least", op_, 1, 1_000_000, 1) or 1,
                           within_days=_int(o, "within_days", op_, 1, MAX_DAYS),
                           total_at_least=total)
    if kind == "no_order_for_days":
        _only(obj, ("no_order_for_days",), path)
        return NoOrderFor(_int(obj, "no_order_for_days", path, 1, MAX_DAYS) or 1)
    if kind == "consent":
        _only(obj, ("consent",), path)
        c = obj["consent"]
        if not isinstance(c, Mapping):
            raise _fail(f"{path}.consent", "must be an object {\"channel\": \"email\", "
                                           "\"purpose\": \"marketing\"}")
        _only(c, ("channel", "purpose"), f"{path}.consent")
        return HasConsent(_text(c, "channel", f"{path}.consent"),
                          _text(c, "purpose", f"{path}.consent"))
    if kind == "segment":
        _only(obj, ("segment",), path)
        return InSegment(_text(obj, "segment", path))
    _only(obj, ("metric", "op", "value"), path)
    metric = obj.get("metric")
    if metric not in METRICS:
        raise _fail(f"{path}.metric", f"must be one of {'|'.join(METRICS)}")
    return MetricIs(metric, metric_compare(FIELDS[metric], obj, path))


def referenced_segments(cond: Condition) -> Iterator[str]:
    """Keys of the segments that ``cond`` refers to."""
    if isinstance(cond, AllOf | AnyOf):
        for c in cond.items:
            yield from referenced_segments(c)
    elif isinstance(cond, NotOf):
        yield from referenced_segments(cond.item)
    elif isinstance(cond, InSegment):
        yield cond.key


def uses_metrics(cond: Condition) -> bool:
    """Whether ``cond`` itself (not the segments it refers to) has a metric leaf."""
    if isinstance(cond, AllOf | AnyOf):
        return any(uses_metrics(c) for c in cond.items)
    if isinstance(cond, NotOf):
        return uses_metrics(cond.item)
    return isinstance(cond, MetricIs)


_OPS_TEXT = {
    "en": {"eq": "is", "ne": "is not", "in": "is one of", "gt": "is greater than",
           "lt": "is less than", "exists": "is set", "contains": "contains"},
    "ja": {"eq": "が次と等しい:", "ne": "が次と異なる:", "in": "が次のいずれか:",
           "gt": "が次より大きい:", "lt": "が次より小さい:", "exists": "が設定されている",
           "contains": "が次を含む:"},
}


def _cmp_text(subject: str, test: Compare, lang: str) -> str:
    op = _OPS_TEXT[lang][test.op]
    if test.op == "exists":
        return f"{subject} {op}"
    value = ", ".join(map(str, test.value)) if test.op == "in" else str(test.value)
    return f"{subject} {op} {value}"


def _metric_text(cond: MetricIs, lang: str) -> str:
    f = FIELDS[cond.metric]
    op, v = cond.test.op, cond.test.value
    if lang == "ja":
        subject = f.ja
        if op == "exists":
            return f"{subject}が計算済み"
        if op == "in":
            return f"{subject}が " + " または ".join(f.label(x, lang) for x in v)
        word = {"eq": "が次と等しい:", "ne": "が次と異なる:", "gt": "が次より大きい:",
                "lt": "が次より小さい:"}[op]
        return f"{subject}{word} {f.label(v, lang)}"
    if op == "exists":
        return f"{f.en} is computed"
    if op == "in":
        return f"{f.en} is " + " or ".join(map(str, v))
    return f"{f.en} {_OPS_TEXT['en'][op]} {v}"


def render(cond: Condition, lang: str = "en") -> str:
    """A readable one-line rendering of ``cond`` in ``en`` or ``ja``."""
    ja = lang == "ja"
    lang = "ja" if ja else "en"
    if isinstance(cond, AllOf | AnyOf):
        joiner = (" かつ " if ja else " AND ") if isinstance(cond, AllOf) else \
            (" または " if ja else " OR ")
        return "(" + joiner.join(render(c, lang) for c in cond.items) + ")"
    if isinstance(cond, NotOf):
        return f"NOT ({render(cond.item, lang)})" if not ja else f"否定 ({render(cond.item, lang)})"
    if isinstance(cond, TraitIs):
        return _cmp_text(f"trait {cond.trait}" if not ja else f"属性 {cond.trait}", cond.test,
                         lang)
    if isinstance(cond, DidEvent):
        days = cond.within_days
        if ja:
            span = f"過去{days}日間に" if days else "これまでに"
            what = f"「{cond.event}」を{span}"
            base = f"{what}一度もしていない" if cond.did_not else f"{what}{cond.at_least}回以上した"
        else:
            span = f" in the last {days} days" if days else ""
            base = (f"did not do {cond.event}{span}" if cond.did_not
                    else f"did {cond.event} at least {cond.at_least} times{span}")
        filters = [_cmp_text(f.property, f.test, lang) for f in cond.where]
        return base + (f" [{'; '.join(filters)}]" if filters else "")
    if isinstance(cond, OrdersMatch):
        if ja:
            s = (f"過去{cond.within_days}日間の" if cond.within_days else "") + \
                f"注文が{cond.at_least}件以上"
            more = f"、合計{cond.total_at_least}以上" if cond.total_at_least is not None else ""
            return s + more
        s = f"at least {cond.at_least} orders" + \
            (f" in the last {cond.within_days} days" if cond.within_days else "")
        return s + (f" totalling at least {cond.total_at_least}"
                    if cond.total_at_least is not None else "")
    if isinstance(cond, NoOrderFor):
        return f"{cond.days}日以上注文なし" if ja else f"no order for {cond.days} days"
    if isinstance(cond, HasConsent):
        return (f"{cond.channel}/{cond.purpose} の同意あり" if ja
                else f"consented to {cond.channel} for {cond.purpose}")
    if isinstance(cond, MetricIs):
        return _metric_text(cond, lang)
    return f"セグメント {cond.key} のメンバー" if ja else f"member of segment {cond.key}"


def _dump_compare(test: Compare) -> dict[str, Any]:
    if test.op == "exists":
        return {"op": "exists"}
    return {"op": test.op, "value": list(test.value) if test.op == "in" else test.value}


def dump(cond: Condition) -> dict[str, Any]:
    """``cond`` as condition JSON (``parse(dump(c)) == c``)."""
    if isinstance(cond, AllOf | AnyOf):
        return {"all" if isinstance(cond, AllOf) else "any": [dump(c) for c in cond.items]}
    if isinstance(cond, NotOf):
        return {"not": dump(cond.item)}
    if isinstance(cond, TraitIs):
        return {"trait": cond.trait, **_dump_compare(cond.test)}
    if isinstance(cond, MetricIs):
        return {"metric": cond.metric, **_dump_compare(cond.test)}
    if isinstance(cond, DidEvent):
        out: dict[str, Any] = {"event": cond.event, "at_least": cond.at_least}
        if cond.within_days:
            out["within_days"] = cond.within_days
        if cond.where:
            out["where"] = [{"property": w.property, **_dump_compare(w.test)}
                            for w in cond.where]
        if cond.did_not:
            out["did_not"] = True
        return out
    if isinstance(cond, OrdersMatch):
        o: dict[str, Any] = {"at_least": cond.at_least}
        if cond.within_days:
            o["within_days"] = cond.within_days
        if cond.total_at_least is not None:
            o["total_at_least"] = str(cond.total_at_least)
        return {"orders": o}
    if isinstance(cond, NoOrderFor):
        return {"no_order_for_days": cond.days}
    if isinstance(cond, HasConsent):
        return {"consent": {"channel": cond.channel, "purpose": cond.purpose}}
    return {"segment": cond.key}
