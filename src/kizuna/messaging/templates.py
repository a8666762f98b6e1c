"""Rendering :class:`MessageTemplate` s: locale choice, limits, header safety, clear errors.

Locale fallback (documented in docs/reference/templates.md): the requested locale is cut to
its language (``ja-JP`` → ``ja``); if the template has that variant it is used, otherwise the
template's ``default_locale``, otherwise ``en``, otherwise ``ja``. A fallback is reported in
``RenderedMessage.warnings``. A variant is used whole: parts never mix languages.
"""

from __future__ import annotations

import functools
import time
import unicodedata
from collections.abc import Mapping
from email.utils import getaddresses
from types import TracebackType
from typing import Any

from jinja2 import Template, TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError, TemplateNotFound

from kizuna.messaging import limits
from kizuna.messaging.contracts import (
    LOCALES,
    MessageTemplate,
    RenderedMessage,
    RenderLimits,
    TemplateVariant,
)
from kizuna.messaging.errors import (
    HeaderUnsafe,
    TemplateError,
    TemplateInvalid,
    TemplateRenderFailed,
    TemplateTooLarge,
    TemplateTooSlow,
    TemplateUnsafe,
)
from kizuna.messaging.sandbox import TEMPLATE_FILENAME, Deadline, KizunaSandbox

HEADER_PARTS = ("subject", "from", "reply_to")
_UNDEFINED_HINT = ("; for a value a customer may not have, write "
                   "{{ customer.traits.nickname | default('') }}")


@functools.cache
def _environment(html: bool) -> KizunaSandbox:
    return KizunaSandbox(autoescape=html)


@functools.lru_cache(maxsize=512)
def _compile(source: str, html: bool) -> Template:
    return _environment(html).from_string(source)


def normalise_locale(locale: str | None) -> str | None:
    if not locale:
        return None
    return locale.strip().replace("_", "-").split("-", 1)[0].lower() or None


def choose_locale(template: MessageTemplate, requested: str | None) -> str:
    """The variant to render for ``requested`` (see the module docstring for the rules)."""
    for candidate in (normalise_locale(requested), template.default_locale, "en", "ja"):
        if candidate and candidate in template.variants:
            return candidate
    return sorted(template.variants)[0]


def validate_template(template: MessageTemplate,
                      render_limits: RenderLimits | None = None) -> None:
    """Check the variants and compile every part; raise :class:`TemplateInvalid` otherwise."""
    lim = render_limits or RenderLimits()
    if not template.variants:
        raise TemplateInvalid("the template has no variant; add one for ja or en",
                              template=template.name)
    for locale, variant in template.variants.items():
        if locale not in LOCALES:
            raise TemplateInvalid(f"unknown locale {locale!r}; use one of {', '.join(LOCALES)}",
                                  template=template.name, locale=locale)
        if not variant.subject.strip():
            raise TemplateInvalid("the subject is empty", template=template.name,
                                  part="subject", locale=locale)
        if not variant.html.strip() and not variant.text.strip():
            raise TemplateInvalid("give an html part, a text part or both",
                                  template=template.name, locale=locale)
        for part, source, html in _parts(template, variant):
            _compiled(template.name, part, locale, source, html, lim)


def _parts(template: MessageTemplate,
           variant: TemplateVariant) -> list[tuple[str, str, bool]]:
    return [("subject", variant.subject, False), ("from", template.from_address, False),
            ("reply_to", template.reply_to, False), ("html", variant.html, True),
            ("text", variant.text, False)]


def _compiled(name: str, part: str, locale: str, source: str, html: bool,
              lim: RenderLimits) -> Template:
    if len(source) > lim.max_source_chars:
        raise TemplateTooLarge(
            f"the source has {len(source):,} characters; the limit is {lim.max_source_chars:,}",
            template=name, part=part, locale=locale)
    try:
        return _compile(source, html)
    except TemplateSyntaxError as exc:
        raise TemplateInvalid(exc.message or str(exc), template=name, part=part,
                              locale=locale, line=exc.lineno) from None
    except (AssertionError, KeyError) as exc:  # unknown filter / test at compile time
        raise TemplateInvalid(str(exc), template=name, part=part, locale=locale) from None


def render_message(
    template: MessageTemplate,
    context: Mapping[str, Any],
    *,
    locale: str | None,
    timezone: str = "Asia/Tokyo",
    currency: str = "JPY",
    render_limits: RenderLimits | None = None,
) -> RenderedMessage:
    """Render every part of the chosen variant, within the limits, headers checked."""
    lim = render_limits or RenderLimits()
    chosen = choose_locale(template, locale)
    variant = template.variants[chosen]
    warnings: list[str] = []
    wanted = normalise_locale(locale)
    if wanted and wanted != chosen:
        warnings.append(f"no {wanted} variant; rendered the {chosen} one")
    started = time.perf_counter()
    out: dict[str, str] = {}
    with limits.rendering(lim, locale=chosen, timezone=timezone, currency=currency) as state:
        for part, source, html in _parts(template, variant):
            if not source:
                out[part] = ""
                continue
            compiled = _compiled(template.name, part, chosen, source, html, lim)
            out[part] = _render_part(compiled, dict(context), state.deadline, lim,
                                     name=template.name, part=part, locale=chosen)
    for part in HEADER_PARTS:
        _check_header(out[part], part, template.name, chosen, lim)
    return RenderedMessage(
        template=template.name, locale=chosen, requested_locale=locale,
        subject=out["subject"], html=out["html"], text=out["text"],
        from_address=out["from"], reply_to=out["reply_to"],
        render_ms=(time.perf_counter() - started) * 1000, warnings=tuple(warnings),
    )


def _render_part(compiled: Template, context: dict[str, Any], deadline: float,
                 lim: RenderLimits, *, name: str, part: str, locale: str) -> str:
    where: dict[str, Any] = {"template": name, "part": part, "locale": locale}
    chunks: list[str] = []
    size = 0
    try:
        with Deadline(deadline):
            for chunk in compiled.generate(context):
                size += len(chunk)
                if size > lim.max_output_chars:
                    raise limits.LimitExceeded(
                        f"the output passed {lim.max_output_chars:,} characters")
                chunks.append(chunk)
    except TemplateError:
        raise
    except Exception as exc:
        raise _translate(exc, where) from None
    return "".join(chunks)


def _template_line(tb: TracebackType | None) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == TEMPLATE_FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _translate(exc: Exception, where: dict[str, Any]) -> TemplateError:
    line = _template_line(exc.__traceback__)
    if isinstance(exc, limits.LimitExceeded | MemoryError | OverflowError):
        return TemplateTooLarge(str(exc) or "out of memory", line=line, **where)
    if isinstance(exc, limits.TimeExceeded):
        return TemplateTooSlow(f"{exc}; loop over fewer items", line=line, **where)
    if isinstance(exc, SecurityError | limits.Refused):
        return TemplateUnsafe(f"not allowed: {exc}", line=line, **where)
    if isinstance(exc, UndefinedError):
        return TemplateRenderFailed(f"{exc}{_UNDEFINED_HINT}", line=line, **where)
    if isinstance(exc, TemplateNotFound) or (
        isinstance(exc, TypeError) and "no loader" in str(exc)
    ):
        return TemplateUnsafe("include, import and extends are not available in messages",
                              line=line, **where)
    if isinstance(exc, TemplateSyntaxError):
        return TemplateInvalid(exc.message or str(exc), **{**where, "line": exc.lineno})
    if isinstance(exc, RecursionError):
        return TemplateRenderFailed("a macro calls itself without end", line=line, **where)
    return TemplateRenderFailed(f"{type(exc).__name__}: {exc}", line=line, **where)


def _check_header(value: str, part: str, name: str, locale: str, lim: RenderLimits) -> None:
    where: dict[str, Any] = {"template": name, "part": part, "locale": locale}
    for index, char in enumerate(value):
        if unicodedata.category(char) in {"Cc", "Zl", "Zp"} or char in "\u2028\u2029\x85":
            raise HeaderUnsafe(
                f"the rendered value has the control character U+{ord(char):04X} at "
                f"position {index}; headers must be one line without control characters "
                "(a value from customer data may contain it)", **where)
    if part == "subject" and len(value) > lim.max_subject_chars:
        raise HeaderUnsafe(f"the subject has {len(value)} characters; the limit is "
                           f"{lim.max_subject_chars}", **where)
    if part in {"from", "reply_to"} and value:
        found = getaddresses([value])
        address = found[0][1] if len(found) == 1 else ""
        if address.count("@") != 1 or any(c in address for c in " <>,;\"") or (
            value.count("@") != 1
        ):
            raise HeaderUnsafe(f"{value!r} is not one email address; write "
                               "`Name <name@example.com>` or `name@example.com`", **where)
