"""Facade of the messaging domain: render message templates, preview them for a customer.

Channels and test sends arrive with journeys; this slice renders only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from kizuna.messaging.contracts import (
    LOCALES,
    MessageTemplate,
    RenderedMessage,
    RenderLimits,
    TemplateVariant,
)
from kizuna.messaging.errors import TemplateInvalid
from kizuna.messaging.templates import (
    choose_locale,
    normalise_locale,
    render_message,
    validate_template,
)
from kizuna.messaging.variables import customer_context
from kizuna.types import CustomerId, WorkspaceId

__all__ = [
    "choose_locale",
    "customer_context",
    "preview",
    "render_message",
    "template_from_document",
    "validate_template",
]


def _zone_or(name: str | None, fallback: str) -> str:
    if not name:
        return fallback
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return fallback
    return name


def preview(
    session: Session,
    workspace_id: WorkspaceId,
    template: MessageTemplate,
    customer_id: CustomerId | int,
    *,
    now: datetime,
    locale: str | None = None,
    event: Mapping[str, Any] | None = None,
    render_limits: RenderLimits | None = None,
) -> RenderedMessage:
    """Render ``template`` for a real customer: their variables, language and time zone.

    The language is ``locale`` if given, else the customer's, else the template default.
    Dates show in the customer's time zone, else the workspace's; money in the workspace
    currency.
    """
    validate_template(template, render_limits)
    context = customer_context(session, workspace_id, customer_id, now=now, event=event)
    workspace = context["workspace"]
    customer = context["customer"]
    return render_message(
        template, context,
        locale=locale or customer["locale"] or None,
        timezone=_zone_or(customer["timezone"], _zone_or(workspace["timezone"], "UTC")),
        currency=workspace["currency"] or "JPY",
        render_limits=render_limits,
    )


def template_from_document(document: Mapping[str, Any], *, name: str = "") -> MessageTemplate:
    """A template from a JSON document (the CLI's file format, see docs/reference/templates.md).

    ``{"name": …, "default_locale": "ja", "from": …, "reply_to": …,
    "ja": {"subject": …, "html": …, "text": …}, "en": {…}}``
    """
    if not isinstance(document, Mapping):
        raise TemplateInvalid("the template document must be a JSON object", template=name)
    name = str(document.get("name") or name or "template")
    allowed = {"name", "default_locale", "from", "reply_to", *LOCALES}
    unknown = sorted(set(document) - allowed)
    if unknown:
        raise TemplateInvalid(f"unknown keys {unknown}; allowed: {sorted(allowed)}",
                              template=name)
    variants: dict[str, TemplateVariant] = {}
    for locale in LOCALES:
        part = document.get(locale)
        if part is None:
            continue
        if not isinstance(part, Mapping) or not set(part) <= {"subject", "html", "text"}:
            raise TemplateInvalid(f"{locale!r} must be an object with subject, html and/or "
                                  "text", template=name, locale=locale)
        if not all(isinstance(v, str) for v in part.values()):
            raise TemplateInvalid("subject, html and text must be strings", template=name,
                                  locale=locale)
        variants[locale] = TemplateVariant(subject=part.get("subject", ""),
                                           html=part.get("html", ""), text=part.get("text", ""))
    default = normalise_locale(str(document.get("default_locale") or "")) or (
        "ja" if "ja" in variants else "en")
    for key in ("from", "reply_to"):
        if not isinstance(document.get(key, ""), str):
            raise TemplateInvalid(f"{key!r} must be a string", template=name)
    template = MessageTemplate(name=name, variants=variants, default_locale=default,
                               from_address=document.get("from", ""),
                               reply_to=document.get("reply_to", ""))
    validate_template(template)
    return template
