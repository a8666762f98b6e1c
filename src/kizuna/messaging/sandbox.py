"""The Jinja2 sandbox kizuna renders message templates in, and how it enforces its limits.

* :class:`KizunaSandbox` is an ``ImmutableSandboxedEnvironment`` (no private attributes, no
  ``__class__`` / ``mro`` walks, no mutation of lists and dicts) with ``StrictUndefined``,
  no loader (so no ``include`` / ``import`` / ``extends``), a curated filter list and fewer
  globals.
* Size: every intermediate string is bounded. ``*`` and ``**`` are checked *before* they
  run (``'x' * 10**9`` never allocates), ``+`` and ``~`` (concatenation) after, which bounds
  them inductively at twice the limit; string ``%`` formatting and ``.format`` are refused
  (their widths are unbounded); integer arguments to calls and filters are capped at the
  output limit; the rendered output is counted chunk by chunk as it streams.
* Time: while a template renders, a ``sys.settrace`` hook sees every line of the compiled
  template code and every Python call made from it, and raises once the deadline passed.
  It runs in the rendering thread only (no watchdog thread to leak), costs a little on
  each traced event, and restores any previous trace function (a debugger or coverage
  tool pauses while a template renders). A single C-level operation cannot be interrupted,
  which is why sizes are checked before such operations rather than timed.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from jinja2 import StrictUndefined, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from kizuna.messaging import limits
from kizuna.messaging.filters import build_filters

TEMPLATE_FILENAME = "<template>"
_MAX_INT_BITS = 4096
_REFUSED_STR_METHODS = frozenset({"format", "format_map", "expandtabs"})


class _BoundedCodeGenerator(CodeGenerator):
    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.kz_bounded(")
        super().visit_Concat(node, frame)
        self.write(")")


class KizunaSandbox(ImmutableSandboxedEnvironment):
    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, *, autoescape: bool) -> None:
        super().__init__(autoescape=autoescape, undefined=StrictUndefined, loader=None,
                         keep_trailing_newline=True, auto_reload=False)
        self.filters = build_filters()
        for name in ("lipsum",):
            self.globals.pop(name, None)

    @staticmethod
    def kz_bounded(value: Any) -> Any:
        limits.check_size(value)
        return value

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, str) and attr in _REFUSED_STR_METHODS:
            return False
        return super().is_safe_attribute(obj, attr, value)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        if isinstance(getattr(value, "__self__", None), str) and getattr(
            value, "__name__", ""
        ) in _REFUSED_STR_METHODS:
            raise SecurityError("str.format is not available in templates; use ~ to join "
                                "strings and the date / money filters to format values")
        return None

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "%" and isinstance(left, str):
            raise SecurityError("string formatting with % is not available in templates; "
                                "use ~ to join strings and the date / money filters")
        if operator == "*":
            _check_repeat(left, right)
            _check_repeat(right, left)
            if _is_int(left) and _is_int(right) and (
                left.bit_length() + right.bit_length() > _MAX_INT_BITS
            ):
                raise limits.LimitExceeded("this multiplication gives a number too large")
        if operator == "**" and _is_number(left) and _is_number(right):
            base = abs(float(left)) if abs(left) < 2**1000 else math.inf
            if base > 1 and float(right) * math.log2(base) > _MAX_INT_BITS:
                raise limits.LimitExceeded("this power gives a number too large")
        result = super().call_binop(context, operator, left, right)
        limits.check_size(result)
        return result

    def call(__self, __context: Context, __obj: Any, *args: Any,
             **kwargs: Any) -> Any:
        owner = getattr(__obj, "__self__", None)
        name = getattr(__obj, "__name__", "")
        if isinstance(owner, str | list | tuple | dict):  # widths / counts of builtins
            limits.check_numbers(args, kwargs)
        if isinstance(owner, str):
            texts = [a for a in args if isinstance(a, str)]
            if name == "replace" and len(texts) >= 2:
                hits = owner.count(texts[0]) if texts[0] else len(owner) + 1
                limits.check_planned(len(owner) + hits * len(texts[1]))
            elif name == "join" and args:
                items = list(args[0])
                limits.check_size(items)
                limits.check_planned(sum(len(str(i)) for i in items) + len(owner) * len(items))
                args = (items, *args[1:])
        result = super().call(__context, __obj, *args, **kwargs)
        limits.check_size(result)
        return result


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_repeat(seq: Any, times: Any) -> None:
    if isinstance(seq, str | list | tuple) and _is_int(times):
        limits.check_planned(len(seq) * max(times, 0))


class Deadline:
    """A ``sys.settrace`` hook that raises :class:`limits.TimeExceeded` after ``deadline``.

    The clock is read every :attr:`EVERY` traced events (a line of template code, or a call
    made from it), which keeps the cost near a counter increment per event.
    """

    EVERY = 16

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self._previous: Any = None
        self._events = 0

    def _tick(self) -> None:
        self._events += 1
        if self._events % self.EVERY == 0 and time.perf_counter() > self.deadline:
            raise limits.TimeExceeded("the template did not finish within the time limit")

    def _local(self, frame: FrameType, event: str, arg: Any) -> Any:
        self._tick()
        return self._local

    def _global(self, frame: FrameType, event: str, arg: Any) -> Any:
        self._tick()
        if frame.f_code.co_filename == TEMPLATE_FILENAME:
            return self._local
        return None

    def __enter__(self) -> Deadline:
        self._previous = sys.gettrace()
        sys.settrace(self._global)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.settrace(self._previous)
