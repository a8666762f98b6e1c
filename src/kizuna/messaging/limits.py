"""The per-render state the sandbox and filters read: limits, deadline, locale, zone, currency.

It lives in a :class:`contextvars.ContextVar` set by :func:`kizuna.messaging.templates` for
the duration of one message, so compiled templates and the shared environments stay pure.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from kizuna.messaging.contracts import RenderLimits


class LimitExceeded(Exception):
    """Raised inside a render when a size limit is hit (mapped to TemplateTooLarge)."""


class TimeExceeded(Exception):
    """Raised inside a render when the deadline passed (mapped to TemplateTooSlow)."""


class Refused(Exception):
    """Raised inside a render for an operation the sandbox forbids (mapped to TemplateUnsafe)."""


@dataclass(frozen=True, slots=True)
class RenderState:
    limits: RenderLimits
    deadline: float  # time.perf_counter() value
    locale: str
    timezone: str
    currency: str


_STATE: ContextVar[RenderState | None] = ContextVar("kizuna_render_state", default=None)
_DEFAULT = RenderLimits()


def current() -> RenderState:
    state = _STATE.get()
    if state is None:  # a compiled template used outside render_message (e.g. a test)
        return RenderState(_DEFAULT, time.perf_counter() + _DEFAULT.max_seconds, "en",
                           "UTC", "JPY")
    return state


@contextmanager
def rendering(limits: RenderLimits, *, locale: str, timezone: str,
              currency: str) -> Iterator[RenderState]:
    state = RenderState(limits, time.perf_counter() + limits.max_seconds, locale, timezone,
                        currency)
    token = _STATE.set(state)
    try:
        yield state
    finally:
        _STATE.reset(token)


def check_size(value: object) -> None:
    """Refuse a string / list bigger than the output limit."""
    if isinstance(value, str | list | tuple) and len(value) > current().limits.max_output_chars:
        raise LimitExceeded(
            f"a value of {len(value):,} characters/items exceeds the limit of "
            f"{current().limits.max_output_chars:,}"
        )


def check_planned(size: int) -> None:
    """Refuse an operation before it builds a value of ``size`` characters."""
    limit = current().limits.max_output_chars
    if size > limit:
        raise LimitExceeded(f"this would build {size:,} characters; the limit is {limit:,}")


def check_numbers(args: tuple[object, ...], kwargs: dict[str, object]) -> None:
    """Refuse integer arguments (widths, counts) larger than the output limit."""
    limit = current().limits.max_output_chars
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > limit:
            raise LimitExceeded(f"the number {value:,} is larger than the limit of {limit:,}")
