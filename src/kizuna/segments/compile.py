"""Compile a condition into one SQLAlchemy Core ``select(customers.id)`` for either dialect.

Every leaf compiles to a two-valued boolean (never NULL), so ``not`` and the De Morgan
identities hold in SQL exactly as in Python. Other domains' tables are looked up by name in
the shared metadata (``kizuna.db.metadata``), not imported from their packages.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Float,
    Select,
    Table,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.sql.elements import ColumnElement

from kizuna.db.metadata import import_all_tables
from kizuna.segments.contracts import (
    PROFILE_FIELDS,
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
    TraitIs,
)
from kizuna.segments.errors import SegmentConditionInvalid

Resolve = Callable[[str], Condition]


def table(name: str) -> Table:
    return import_all_tables().tables[name]


class _Json:
    """Typed access to one key of a JSON column, per dialect (NULL when the type differs)."""

    def __init__(self, column: Any, key: str, postgres: bool) -> None:
        self.column, self.key, self.pg = column, key, postgres
        self.path = '$."' + key.replace('"', '\\"') + '"'

    def _type(self) -> Any:
        if self.pg:
            return func.jsonb_typeof(self.column.op("->")(literal(self.key)))
        return func.json_type(self.column, self.path)

    def _raw_text(self) -> Any:
        if self.pg:
            return self.column.op("->>")(literal(self.key))
        return func.json_extract(self.column, self.path)

    def text(self) -> Any:
        return case((self._type() == ("string" if self.pg else "text"), self._raw_text()))

    def number(self) -> Any:
        if self.pg:
            return case((self._type() == "number", cast(self._raw_text(), Float)))
        return case((self._type().in_(("integer", "real")), self._raw_text()))

    def boolean(self, value: bool) -> Any:
        t = self._type()
        if self.pg:
            return _safe(t, lambda x: and_(x == "boolean",
                                           self._raw_text() == ("true" if value else "false")))
        return _safe(t, lambda x: x == ("true" if value else "false"))

    def exists(self) -> Any:
        t = self._type()
        return and_(t.is_not(None), t != "null")


def _safe(x: Any, test: Callable[[Any], Any]) -> ColumnElement[bool]:
    return and_(x.is_not(None), test(x))


def _contains(x: Any, needle: str, pg: bool) -> Any:
    return (func.strpos(x, needle) if pg else func.instr(x, needle)) > 0


def _json_compare(j: _Json, cmp: Compare) -> ColumnElement[bool]:
    op, v = cmp.op, cmp.value
    if op == "exists":
        return j.exists()  # type: ignore[no-any-return]
    if op in ("eq", "ne"):
        if isinstance(v, bool):
            hit: Any = j.boolean(v)
        elif isinstance(v, str):
            hit = _safe(j.text(), lambda x: x == v)
        else:
            hit = _safe(j.number(), lambda x: x == v)
        return hit if op == "eq" else not_(hit)  # type: ignore[no-any-return]
    if op == "in":
        texts = [x for x in v if isinstance(x, str)]
        nums = [x for x in v if not isinstance(x, str)]
        parts = []
        if texts:
            parts.append(_safe(j.text(), lambda x: x.in_(texts)))
        if nums:
            parts.append(_safe(j.number(), lambda x: x.in_(nums)))
        return or_(*parts)
    if op == "contains":
        return _safe(j.text(), lambda x: _contains(x, v, j.pg))
    if isinstance(v, str):
        raise SegmentConditionInvalid("value", f"{op} needs a number")
    return _safe(j.number(), lambda x: x > v if op == "gt" else x < v)


def _column_compare(col: Any, cmp: Compare, pg: bool, is_date: bool) -> ColumnElement[bool]:
    op, v = cmp.op, cmp.value

    def conv(x: Any) -> Any:
        if not is_date:
            return x
        try:
            return date.fromisoformat(str(x))
        except ValueError:
            raise SegmentConditionInvalid("value", "birthday needs an ISO date such as "
                                                   "1990-04-01") from None

    if op == "exists":
        return col.is_not(None)  # type: ignore[no-any-return]
    if op in ("eq", "ne"):
        hit = _safe(col, lambda x: x == conv(v))
        return hit if op == "eq" else not_(hit)
    if op == "in":
        return _safe(col, lambda x: x.in_([conv(i) for i in v]))
    if op == "contains":
        if is_date:
            raise SegmentConditionInvalid("op", "birthday supports eq, ne, in, gt, lt, exists")
        return _safe(col, lambda x: _contains(x, v, pg))
    return _safe(col, lambda x: x > conv(v) if op == "gt" else x < conv(v))


class Compiler:
    def __init__(self, workspace_id: int, now: datetime, *, postgres: bool,
                 resolve: Resolve) -> None:
        self.ws, self.now, self.pg, self.resolve = workspace_id, now, postgres, resolve
        # incremental membership: the customers being re-checked, so grouped sub-selects
        # (at_least N) aggregate just their rows instead of the whole workspace
        self.only: list[int] | None = None
        self.customers = table("customers")
        self.events = table("events")
        self.orders = table("orders")
        self.consents = table("consents")

    def select(self, cond: Condition) -> Select[tuple[int]]:
        c = self.customers
        return select(c.c.id).where(c.c.workspace_id == self.ws, c.c.merged_into_id.is_(None),
                                    self.expr(cond, ()))

    def expr(self, cond: Condition, seen: tuple[str, ...]) -> ColumnElement[bool]:
        c = self.customers
        if isinstance(cond, AllOf):
            return and_(true(), *(self.expr(i, seen) for i in cond.items))
        if isinstance(cond, AnyOf):
            return or_(false(), *(self.expr(i, seen) for i in cond.items))
        if isinstance(cond, NotOf):
            return not_(self.expr(cond.item, seen))
        if isinstance(cond, TraitIs):
            if cond.trait in PROFILE_FIELDS:
                return _column_compare(c.c[cond.trait], cond.test, self.pg,
                                       cond.trait == "birthday")
            return _json_compare(_Json(c.c.traits, cond.trait, self.pg), cond.test)
        if isinstance(cond, DidEvent):
            return self._event(cond)
        if isinstance(cond, OrdersMatch):
            return self._orders(cond)
        if isinstance(cond, NoOrderFor):
            o = self.orders
            mine = and_(o.c.customer_id == c.c.id, o.c.workspace_id == self.ws,
                        o.c.cancelled_at.is_(None))
            since = self.now - timedelta(days=cond.days)
            return and_(exists().where(mine),
                        not_(exists().where(mine, o.c.placed_at >= since)))
        if isinstance(cond, HasConsent):
            k, k2 = self.consents.alias("k"), self.consents.alias("k2")
            same = and_(k2.c.customer_id == k.c.customer_id, k2.c.channel == k.c.channel,
                        k2.c.purpose == k.c.purpose)
            later = or_(k2.c.recorded_at > k.c.recorded_at,
                        and_(k2.c.recorded_at == k.c.recorded_at, k2.c.id > k.c.id))
            return exists().where(k.c.customer_id == c.c.id, k.c.workspace_id == self.ws,
                                  k.c.channel == cond.channel, k.c.purpose == cond.purpose,
                                  k.c.status == "granted",
                                  not_(exists().where(same, later)))
        if isinstance(cond, MetricIs):
            return self._metric(cond)
        assert isinstance(cond, InSegment)
        if cond.key in seen:
            raise SegmentConditionInvalid("segment", f"segment {cond.key} refers to itself")
        return self.expr(self.resolve(cond.key), (*seen, cond.key))

    def _event(self, cond: DidEvent) -> ColumnElement[bool]:
        e, c = self.events, self.customers
        filters: list[Any] = [e.c.workspace_id == self.ws, e.c.type == "track",
                              e.c.event == cond.event]
        if cond.within_days:
            filters.append(e.c.timestamp >= self.now - timedelta(days=cond.within_days))
        for f in cond.where:
            filters.append(_json_compare(_Json(e.c.properties, f.property, self.pg), f.test))
        if cond.did_not or cond.at_least == 1:
            hit = exists().where(e.c.customer_id == c.c.id, *filters)
            return not_(hit) if cond.did_not else hit
        if self.only is not None:
            filters.append(e.c.customer_id.in_(self.only))
        counted = (select(e.c.customer_id).where(e.c.customer_id.is_not(None), *filters)
                   .group_by(e.c.customer_id).having(func.count() >= cond.at_least))
        return c.c.id.in_(counted)

    def _orders(self, cond: OrdersMatch) -> ColumnElement[bool]:
        o, c = self.orders, self.customers
        filters: list[Any] = [o.c.workspace_id == self.ws, o.c.cancelled_at.is_(None),
                              o.c.customer_id.is_not(None)]
        if cond.within_days:
            filters.append(o.c.placed_at >= self.now - timedelta(days=cond.within_days))
        having = [func.count() >= cond.at_least]
        if cond.total_at_least is not None:
            having.append(func.sum(o.c.total) >= cond.total_at_least)
        if cond.at_least == 1 and cond.total_at_least is None:
            return exists().where(o.c.customer_id == c.c.id, *filters)
        if self.only is not None:
            filters.append(o.c.customer_id.in_(self.only))
        counted = (select(o.c.customer_id).where(*filters).group_by(o.c.customer_id)
                   .having(and_(*having)))
        return c.c.id.in_(counted)

    def _metric(self, cond: MetricIs) -> ColumnElement[bool]:
        """EXISTS a score row whose column passes the test: a customer without a score (or
        with NULL for this metric) matches neither ``eq`` nor ``gt``, and does match ``ne``."""
        s, c = table("customer_scores"), self.customers
        col = s.c[cond.metric]
        op, v = cond.test.op, cond.test.value
        if cond.metric == "clv" and op in ("eq", "ne", "gt", "lt"):
            v = Decimal(str(v))
        if op == "exists":
            test: Any = col.is_not(None)
        elif op == "in":
            test = col.in_(list(v))
        elif op in ("eq", "ne"):
            test = col == v
        else:
            test = col > v if op == "gt" else col < v
        hit = exists().where(s.c.customer_id == c.c.id, s.c.workspace_id == self.ws, test)
        return not_(hit) if op == "ne" else hit
