"""Rows -> orders: amounts, returns, cancellations, multi-line grouping, derived ids."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from kizuna.bulk_import.values import CENT, DateParser, parse_decimal
from kizuna.ids import stable_digest

ONE = Decimal(1)
ZERO = Decimal(0)
_CANCELLED = {"cancelled", "canceled", "cancel", "void", "voided"}
_RETURNED = {"returned", "refunded", "return", "refund"}
_STATUS_MAX = 16


class RowRejected(ValueError):
    """A row that cannot become (part of) a record; the message is the report's reason."""


@dataclass(slots=True)
class LineDraft:
    product_id: str | None
    quantity: Decimal
    unit_price: Decimal | None
    amount: Decimal
    name: str | None
    category: str | None


@dataclass(slots=True)
class OrderDraft:
    """An order being assembled from one or more rows."""

    external_id: str
    customer_key: str | None
    email: str | None
    placed_at: datetime
    status: str
    currency: str | None
    channel: str | None
    first_line: int
    lines: list[LineDraft] = field(default_factory=list)
    row_count: int = 0

    @property
    def total(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), ZERO)

    @property
    def final_status(self) -> str:
        if self.status == "completed" and self.total < 0:
            return "returned"
        return self.status


class OrderRowParser:
    """Turns one row's values into (external id, order fields, one line)."""

    def __init__(
        self, columns: Mapping[str, str], parse_date: DateParser, currency: str | None
    ) -> None:
        self.c = columns
        self.parse_date = parse_date
        self.currency = currency
        self._occurrences: dict[str, int] = {}

    def _get(self, values: Mapping[str, object], target: str) -> str | None:
        column = self.c.get(target)
        if column is None:
            return None
        value = values.get(column)
        if value is None:
            return None
        text = value.strip() if isinstance(value, str) else str(value)
        return text or None

    def _number(self, values: Mapping[str, object], target: str) -> Decimal | None:
        text = self._get(values, target)
        if text is None:
            return None
        try:
            number = Decimal(text)
            if number.is_finite():
                return number
        except ArithmeticError:
            pass
        try:
            return parse_decimal(text)
        except ValueError as exc:
            raise RowRejected(f"{target}: {exc}") from None

    def parse(self, values: Mapping[str, object]) -> tuple[OrderDraft, LineDraft]:
        customer = self._get(values, "customer_id")
        email = self._get(values, "email")
        date_text = self._get(values, "date")
        if date_text is None:
            raise RowRejected(f"date is missing (column {self.c.get('date')!r})")
        try:
            placed_at = self.parse_date(date_text)
        except ValueError as exc:
            raise RowRejected(str(exc)) from None
        quantity = self._number(values, "quantity")
        unit_price = self._number(values, "unit_price")
        total = self._number(values, "total")
        if total is None and unit_price is None:
            raise RowRejected("no amount: the row has neither a total nor a unit price")
        q = ONE if quantity is None else quantity
        if total is None:
            assert unit_price is not None
            amount = (q * unit_price).quantize(CENT)
        else:
            amount = total
            if q < 0 < amount:
                amount = -amount  # a return given as a positive value with negative quantity
            if unit_price is None and q != 0:
                unit_price = abs(amount / q).quantize(CENT)
        order_id = self._get(values, "order_id")
        status = "completed"
        raw_status = self._get(values, "status")
        if raw_status is not None:
            lowered = raw_status.lower()
            if lowered in _CANCELLED:
                status = "cancelled"
            elif lowered in _RETURNED:
                status = "returned"
            else:
                status = lowered[:_STATUS_MAX]
        if order_id is not None:
            if len(order_id) > 200:
                raise RowRejected("order id longer than 200 characters")
            if order_id[0] in "Cc" and order_id[1:].isdigit():
                status = "cancelled"  # Online Retail style cancelled invoice
        else:
            if customer is None and email is None:
                raise RowRejected("no customer id and no order id: cannot tell orders apart")
            key = stable_digest(
                customer, email, date_text, self._get(values, "quantity"),
                self._get(values, "total"), self._get(values, "unit_price"),
                self._get(values, "product_id"),
            )
            seen = self._occurrences.get(key, 0)
            self._occurrences[key] = seen + 1
            order_id = "imp_" + stable_digest(key, seen)
        if customer is not None and len(customer) > 200:
            raise RowRejected("customer id longer than 200 characters")
        draft = OrderDraft(
            external_id=order_id,
            customer_key=customer,
            email=email.lower() if email else None,
            placed_at=placed_at,
            status=status,
            currency=(self._get(values, "currency") or self.currency or None),
            channel=self._get(values, "channel"),
            first_line=0,
        )
        line = LineDraft(
            product_id=self._get(values, "product_id"),
            quantity=q,
            unit_price=unit_price,
            amount=amount,
            name=self._get(values, "name"),
            category=self._get(values, "category"),
        )
        if draft.currency is not None:
            draft.currency = draft.currency.upper()[:3]
        return draft, line
