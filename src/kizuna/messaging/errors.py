"""Errors of the messaging domain (templates).

    Invalid (400)
    ├── TemplateInvalid          the template does not compile (syntax, unknown filter, bad file)
    ├── TemplateRenderFailed     rendering failed: undefined variable, bad filter input, …
    │   ├── TemplateUnsafe       the template tried something the sandbox forbids
    │   ├── TemplateTooLarge     source or output exceeds the size limits
    │   └── TemplateTooSlow      rendering exceeded the time limit
    └── HeaderUnsafe             a rendered subject / from / reply-to has CR, LF or another
                                 control character (header injection), or is not an address

Every error names the template, the part (``subject``, ``html``, ``text``, ``from``,
``reply_to``), the locale variant and, where known, the template line.
"""

from __future__ import annotations

from typing import Any

from kizuna.errors import Invalid, NotFound


class TemplateError(Invalid):
    """The message template is invalid; fix the named part and line."""

    code = "template-invalid"

    def __init__(
        self,
        message: str | None = None,
        *,
        template: str = "",
        part: str = "",
        locale: str = "",
        line: int | None = None,
        **fields: Any,
    ) -> None:
        where = _where(template, part, locale, line)
        text = f"{where}: {message}" if message and where else message
        super().__init__(text, template=template, part=part, locale=locale, line=line, **fields)
        self.template = template
        self.part = part
        self.locale = locale
        self.line = line


def _where(template: str, part: str, locale: str, line: int | None) -> str:
    bits = [f"template {template!r}" if template else "template"]
    if part:
        bits.append(f"{part} ({locale})" if locale else part)
    if line is not None:
        bits.append(f"line {line}")
    return ", ".join(bits)


class TemplateInvalid(TemplateError):
    """The template does not compile; fix the syntax at the named line."""

    code = "template-invalid"


class TemplateRenderFailed(TemplateError):
    """The template failed while rendering; see the named line. Use
    ``{{ value | default('') }}`` for values a customer may not have."""

    code = "template-render-failed"


class TemplateUnsafe(TemplateRenderFailed):
    """The template tried something the sandbox forbids (private attributes, unsafe calls,
    string formatting with `%` or `.format`); use the documented variables and filters."""

    code = "template-unsafe"


class TemplateTooLarge(TemplateRenderFailed):
    """The template or its output is too large; shorten it or loop over fewer items."""

    code = "template-too-large"


class TemplateTooSlow(TemplateRenderFailed):
    """Rendering took longer than the time limit; loop over fewer items."""

    code = "template-too-slow"


class HeaderUnsafe(TemplateError):
    """A rendered subject, from or reply-to contains a line break or another control
    character (which could inject mail headers); remove it from the template or the value."""

    code = "template-header-unsafe"


class LinkInvalid(NotFound):
    """The unsubscribe or tracking link is damaged or was altered; open the link exactly as it
    appears in the email, or use the unsubscribe link of a newer email."""

    code = "message-link-invalid"

    def __init__(self, message: str | None = None, **fields: Any) -> None:
        super().__init__(message or "This link is damaged or was altered; open it exactly as "
                         "it appears in the email.", **fields)


class SendPolicyInvalid(Invalid):
    """The send policy or suppression entry is invalid; fix the named field (caps are whole
    numbers ≥ 0, quiet hours are minutes 0–1439, rates are messages per second ≥ 1, the
    suppression reason is hard_bounce, complaint, manual or unsubscribed)."""

    code = "send-policy-invalid"
