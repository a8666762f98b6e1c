"""Errors of the metrics domain."""

from __future__ import annotations

from typing import Any

from kizuna.errors import Invalid


def _jsonable(value: Any) -> Any:
    """Keep a bad value readable in problem+json (only plain scalars pass through)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return repr(value)


class AnswersInvalid(Invalid):
    """Some survey answers are outside the scale; send whole numbers on the score's scale
    (NPS 0–10, CSAT 1–5, CES 1–7).

    ``field`` names the offending input (e.g. ``answers[3]`` or ``counts[11]``), ``value``
    is the bad value and ``allowed`` says what is accepted.
    """

    code = "satisfaction-answers-invalid"

    def __init__(self, message: str, *, field: str, value: Any, allowed: str) -> None:
        super().__init__(message, field=field, value=_jsonable(value), allowed=allowed)
        self.field = field
        self.value = value
        self.allowed = allowed


class NoAnswers(Invalid):
    """There are no answers to score; a score needs at least one answer in the period."""

    code = "satisfaction-no-answers"

    def __init__(self, message: str | None = None, *, field: str = "answers") -> None:
        super().__init__(message, field=field)
        self.field = field


class PeriodInvalid(Invalid):
    """The reporting period cannot be read; use last-30d, 2026-11, 2026-Q3, 2026 or
    2026-11-01..2026-11-30 (local dates, both ends included)."""

    code = "metrics-period-invalid"


class NotEnoughData(Invalid):
    """There is not enough data for this metric (e.g. no orders in the period, or no repeat
    buyers); widen the period or load more history."""

    code = "metrics-not-enough-data"


class DimensionInvalid(Invalid):
    """The breakdown dimension is not one kizuna knows; see the list in the message."""

    code = "metrics-dimension-invalid"
