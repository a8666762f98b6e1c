from __future__ import annotations

from typing import Any

from kizuna.messaging.contracts import MessageTemplate, RenderedMessage, TemplateVariant
from kizuna.messaging.templates import render_message


def one(html: str = "", *, subject: str = "Hello", text: str = "", from_address: str = "",
        reply_to: str = "") -> MessageTemplate:
    return MessageTemplate(name="t", variants={"en": TemplateVariant(
        subject=subject, html=html, text=text)}, default_locale="en",
        from_address=from_address, reply_to=reply_to)


def render_html(source: str, context: dict[str, Any] | None = None, **kw: Any) -> str:
    return render_message(one(source), context or {}, locale="en", **kw).html


def render(template: MessageTemplate, context: dict[str, Any] | None = None,
           **kw: Any) -> RenderedMessage:
    kw.setdefault("locale", "en")
    return render_message(template, context or {}, **kw)
