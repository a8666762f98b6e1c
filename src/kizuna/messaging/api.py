"""Facade of the messaging domain: render message templates, preview them for a customer,
and deliver through channels (email over SMTP, signed webhooks; see
docs/reference/channels.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from kizuna.messaging import inbox as inbox
from kizuna.messaging.bounces import record_email_event
from kizuna.messaging.channels.base import (
    Channel,
    Delivered,
    DeliveryOutcome,
    Failed,
    OutgoingMessage,
    Retryable,
    backoff_seconds,
)
from kizuna.messaging.channels.smtp import (
    SmtpChannel,
    SmtpTarget,
    build_simple_email,
    deliver,
    email_channel,
    header_safe,
    parse_smtp_url,
)
from kizuna.messaging.channels.tracking import PIXEL_GIF, TrackedHit
from kizuna.messaging.channels.tracking import read_token as read_tracking_token
from kizuna.messaging.channels.tracking import record_hit as record_tracking_hit
from kizuna.messaging.channels.unsubscribe import (
    UnsubscribeScope,
    is_unsubscribed,
    preferences_token,
    read_preferences_token,
    read_unsubscribe_token,
    unsubscribe,
    unsubscribe_token,
)
from kizuna.messaging.channels.webhook import (
    Resolver,
    WebhookChannel,
    allowed_hosts,
    check_webhook_url,
    post_signed,
    system_resolver,
    webhook_channel,
)
from kizuna.messaging.channels.webhook import sign as sign_webhook
from kizuna.messaging.channels.webhook import verify as verify_webhook
from kizuna.messaging.contracts import (
    LOCALES,
    SEND_REFUSALS,
    MessageTemplate,
    RenderedMessage,
    RenderLimits,
    SendDecision,
    SendPolicy,
    Suppression,
    TemplateVariant,
)
from kizuna.messaging.delivery_admin import get_suppression, remove_suppression
from kizuna.messaging.errors import TemplateInvalid
from kizuna.messaging.policy import check_send, get_policy, record_send, update_policy
from kizuna.messaging.sending import (
    Content,
    enqueue_message,
    enqueue_messages,
    message_key,
    zone_name,
)
from kizuna.messaging.suppression import (
    is_suppressed,
    list_suppressions,
    normalise_address,
    suppress,
    unsuppress,
)
from kizuna.messaging.templates import (
    choose_locale,
    normalise_locale,
    render_message,
    validate_template,
)
from kizuna.messaging.trial import TestSendResult, test_send
from kizuna.messaging.variables import customer_context
from kizuna.types import CustomerId, WorkspaceId

__all__ = [
    "PIXEL_GIF",
    "SEND_REFUSALS",
    "Channel",
    "Content",
    "Delivered",
    "DeliveryOutcome",
    "Failed",
    "OutgoingMessage",
    "Resolver",
    "Retryable",
    "SendDecision",
    "SendPolicy",
    "SmtpChannel",
    "SmtpTarget",
    "Suppression",
    "TestSendResult",
    "TrackedHit",
    "UnsubscribeScope",
    "WebhookChannel",
    "allowed_hosts",
    "backoff_seconds",
    "build_simple_email",
    "check_send",
    "check_webhook_url",
    "choose_locale",
    "customer_context",
    "deliver",
    "email_channel",
    "enqueue_message",
    "enqueue_messages",
    "get_policy",
    "get_suppression",
    "header_safe",
    "is_suppressed",
    "is_unsubscribed",
    "list_suppressions",
    "message_key",
    "normalise_address",
    "parse_smtp_url",
    "post_signed",
    "preferences_token",
    "preview",
    "read_preferences_token",
    "read_tracking_token",
    "read_unsubscribe_token",
    "record_email_event",
    "record_send",
    "record_tracking_hit",
    "remove_suppression",
    "render_message",
    "sign_webhook",
    "suppress",
    "system_resolver",
    "template_from_document",
    "test_send",
    "unsubscribe",
    "unsubscribe_token",
    "unsuppress",
    "update_policy",
    "validate_template",
    "verify_webhook",
    "webhook_channel",
]


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
        timezone=zone_name(customer["timezone"], zone_name(workspace["timezone"], "UTC")),
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
