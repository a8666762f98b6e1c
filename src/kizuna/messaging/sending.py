"""Send one message to one customer through the delivery outbox (exactly one per send + customer).

``enqueue_message`` adds a ``message.send`` job whose idempotency key is
``f"{send_key}:{customer_id}"`` (``send_key`` names the campaign or journey step), so enqueueing
the same send for the same customer twice gives the same job. The handler
(:class:`MessageSender`) then, per attempt:

1. checks the send policy (``messaging.policy.check_send``: consent, suppression, quiet hours,
   caps, send rate): refused → terminal failure with the reason; deferred → queued again for
   ``defer_until`` without using up an attempt;
2. renders the template for the customer (template errors are terminal);
3. commits "the send is starting" (``jobs.api.begin_send``): from here to the job's finish is
   the crash window — a worker killed inside it leaves the job flagged ``possible_duplicate``;
4. hands the message to the channel with the job's idempotency key: the SMTP ``Message-ID`` is
   derived from it, the webhook carries it as ``webhook-id`` (receivers de-duplicate);
5. delivered → done (and ``record_send``), retryable → retry after the channel's delay,
   failed → terminal failure.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.orm import Session, sessionmaker

from kizuna.clock import Clock, SystemClock
from kizuna.db.engine import transaction
from kizuna.errors import KizunaError
from kizuna.jobs import api as jobs
from kizuna.messaging.channels.base import (
    Channel,
    Delivered,
    OutgoingMessage,
    Retryable,
)
from kizuna.messaging.channels.smtp import email_channel
from kizuna.messaging.channels.webhook import Resolver, system_resolver, webhook_channel
from kizuna.messaging.contracts import LOCALES, MessageTemplate, RenderedMessage
from kizuna.messaging.errors import TemplateError, TemplateInvalid
from kizuna.messaging.policy import check_send, record_send
from kizuna.profiles import api as profiles
from kizuna.settings import Settings
from kizuna.types import WorkspaceId

log = logging.getLogger("kizuna.messaging.sending")

KIND = "message.send"
ChannelName = Literal["email", "webhook"]
CHANNELS: tuple[str, ...] = ("email", "webhook")
MAX_ATTEMPTS = 6


@dataclass(frozen=True, slots=True, kw_only=True)
class Content:
    """Already-rendered content (no template): sent as is. ``url`` is the webhook target."""

    subject: str = ""
    text: str = ""
    html: str = ""
    url: str = ""


def message_key(send_key: str, customer_id: int) -> str:
    """The idempotency key of one send to one customer (the outbox job's key)."""
    return f"{send_key}:{int(customer_id)}"


def template_document(template: MessageTemplate) -> dict[str, Any]:
    """``template`` as the JSON document ``template_from_document`` reads (kept on the job)."""
    doc: dict[str, Any] = {"name": template.name, "default_locale": template.default_locale,
                           "from": template.from_address, "reply_to": template.reply_to}
    for locale, variant in template.variants.items():
        doc[locale] = {"subject": variant.subject, "html": variant.html, "text": variant.text}
    return doc


def _payload(customer_id: int, *, channel: str, purpose: str, transactional: bool,
             template: MessageTemplate | Content, send_key: str,
             event: Mapping[str, Any] | None, webhook_url: str) -> dict[str, Any]:
    if channel not in CHANNELS:
        raise TemplateInvalid(f"channel must be one of {list(CHANNELS)}, not {channel!r}",
                              template=send_key)
    payload: dict[str, Any] = {
        "customer_id": int(customer_id), "channel": channel, "purpose": purpose,
        "transactional": bool(transactional), "send_key": send_key,
        "event": dict(event) if event is not None else None,
    }
    if isinstance(template, MessageTemplate):
        payload["template"] = template_document(template)
    else:
        payload["content"] = {"subject": template.subject, "text": template.text,
                              "html": template.html}
    if channel == "webhook":
        payload["url"] = webhook_url or (template.url if isinstance(template, Content) else "")
    return payload


def enqueue_message(session: Session, workspace_id: int, *, customer_id: int,
                    channel: ChannelName, purpose: str, transactional: bool,
                    template: MessageTemplate | Content, send_key: str,
                    event: Mapping[str, Any] | None = None, webhook_url: str = "",
                    now: datetime, max_attempts: int = MAX_ATTEMPTS) -> jobs.Enqueued:
    """Queue one message for one customer in the caller's transaction (idempotent per key)."""
    payload = _payload(customer_id, channel=channel, purpose=purpose,
                       transactional=transactional, template=template, send_key=send_key,
                       event=event, webhook_url=webhook_url)
    return jobs.enqueue(session, workspace_id=workspace_id, kind=KIND,
                        idempotency_key=message_key(send_key, customer_id), payload=payload,
                        now=now, max_attempts=max_attempts)


def enqueue_messages(session: Session, workspace_id: int, customer_ids: list[int], *,
                     channel: ChannelName, purpose: str, transactional: bool,
                     template: MessageTemplate | Content, send_key: str, now: datetime,
                     webhook_url: str = "", max_attempts: int = MAX_ATTEMPTS) -> int:
    """Queue the same send for many customers (a campaign) in bulk; the number of new jobs.

    Customers who already have a job for ``send_key`` are skipped (exactly one per customer).
    """
    return jobs.enqueue_many(session, workspace_id=workspace_id, kind=KIND, jobs=[
        (message_key(send_key, cid), _payload(
            cid, channel=channel, purpose=purpose, transactional=transactional,
            template=template, send_key=send_key, event=None, webhook_url=webhook_url))
        for cid in dict.fromkeys(customer_ids)], now=now, max_attempts=max_attempts)


# -- the handler -------------------------------------------------------------------------------
class MessageSender:
    """The ``message.send`` job handler (see the module docstring)."""

    def __init__(self, *, email: Channel | None, webhook: Channel | None,
                 clock: Clock | None = None) -> None:
        self.channels: dict[str, Channel | None] = {"email": email, "webhook": webhook}
        self.clock = clock or SystemClock()

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock | None = None,
                      resolver: Resolver = system_resolver) -> MessageSender:
        secret = settings.alert_webhook_secret
        return cls(email=email_channel(settings),
                   webhook=webhook_channel(settings, secret.get_secret_value() if secret
                                           else None, resolver=resolver),
                   clock=clock)

    def __call__(self, sessions: sessionmaker[Session], job: jobs.Job) -> jobs.JobOutcome:
        p = job.payload
        customer_id, channel_name = int(p["customer_id"]), str(p["channel"])
        purpose, transactional = str(p.get("purpose") or "marketing"), bool(p.get("transactional"))
        channel = self.channels.get(channel_name)
        if channel is None:
            return jobs.Retry(f"the {channel_name} channel is not configured in this worker "
                              "(set KIZUNA_SMTP_URL for email)")
        now = self.clock.now()
        with transaction(sessions) as session:
            try:
                decision = check_send(session, WorkspaceId(job.workspace_id), customer_id,
                                      channel=channel_name, purpose=purpose,
                                      transactional=transactional, now=now)
            except KizunaError as exc:  # the customer is gone: retrying cannot help
                return jobs.Fail(str(exc))
            if not decision.allowed and decision.defer_until is None:
                return jobs.Fail(f"not sent: {decision.reason or 'refused by the send policy'}")
            if decision.defer_until is not None:  # quiet hours, caps, rate: not an attempt
                wait = max(0.05, (decision.defer_until - now).total_seconds())
                return jobs.Retry(f"deferred: {decision.reason}", delay=wait, deferred=True)
            try:
                rendered, to = self._render(session, job, now)
            except (TemplateError, TemplateInvalid) as exc:
                return jobs.Fail(f"template: {exc}")
            except KizunaError as exc:
                return jobs.Fail(str(exc))
        if not to:
            return jobs.Fail("the customer has no email address" if channel_name == "email"
                             else "the webhook message has no URL")
        message = OutgoingMessage(
            workspace_id=job.workspace_id, to=to, customer_id=customer_id,
            subject=rendered.subject, text=rendered.text, html=rendered.html,
            locale=rendered.locale, from_address=rendered.from_address,
            reply_to=rendered.reply_to, purpose=purpose, unsubscribe=not transactional,
            payload=self._webhook_body(job, rendered), attempt=job.attempts)
        jobs.begin_send(sessions, job, now)
        outcome = channel.send(message, idempotency_key=job.idempotency_key)
        if isinstance(outcome, Delivered):
            with transaction(sessions) as session:
                record_send(session, WorkspaceId(job.workspace_id), customer_id,
                            channel=channel_name, purpose=purpose,
                            idempotency_key=job.idempotency_key, now=self.clock.now(),
                            transactional=transactional)
            return jobs.Done({"provider_message_id": outcome.provider_message_id})
        if isinstance(outcome, Retryable):
            return jobs.Retry(outcome.reason, delay=outcome.retry_after)
        return jobs.Fail(outcome.reason)

    def _render(self, session: Session, job: jobs.Job,
                now: datetime) -> tuple[RenderedMessage, str]:
        from kizuna.messaging import api as messaging_api

        p = job.payload
        workspace_id = WorkspaceId(job.workspace_id)
        customer = profiles.get_customer(session, workspace_id, int(p["customer_id"]))
        to = str(p.get("url") or "") if p["channel"] == "webhook" else (customer.email or "")
        if "template" in p:
            template = messaging_api.template_from_document(p["template"])
            return messaging_api.preview(session, workspace_id, template, customer.id,
                                         now=now, event=p.get("event")), to
        content = p.get("content") or {}
        return RenderedMessage(
            template="", locale=customer.locale or LOCALES[0], requested_locale=None,
            subject=str(content.get("subject", "")), html=str(content.get("html", "")),
            text=str(content.get("text", "")), from_address="", reply_to="",
            render_ms=0.0), to

    @staticmethod
    def _webhook_body(job: jobs.Job, rendered: RenderedMessage) -> dict[str, Any]:
        p = job.payload
        return {"type": "message", "key": job.idempotency_key, "send": p.get("send_key"),
                "customer_id": p["customer_id"], "purpose": p.get("purpose"),
                "locale": rendered.locale, "subject": rendered.subject,
                "text": rendered.text, "html": rendered.html}
