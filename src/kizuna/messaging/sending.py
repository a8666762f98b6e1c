"""Send one message to one customer through the delivery outbox (exactly one per send + customer).

``enqueue_message`` adds a ``message.send`` job whose idempotency key is
``f"{send_key}:{customer_id}"`` (``send_key`` names the campaign or journey step), so enqueueing
the same send for the same customer twice gives the same job. The handler
(:class:`MessageSender`) then, per attempt — for one job or for a batch of claimed jobs
(``kizuna worker --batch``, :meth:`MessageSender.run_batch`) — :

1. in one transaction for the batch: loads the customer once, checks the send policy
   (:class:`messaging.policy.SendGate`: consent, suppression, quiet hours, caps, send rate)
   and *reserves* the cap / rate slot by writing the send record under the customer's lock
   (refused → terminal failure with the reason; deferred → queued again for ``defer_until``
   without using up an attempt); renders the template (parsed once per template document;
   loyalty and recommendations are only looked up when the template uses them; template
   errors are terminal); and marks the sends started (``jobs.api.begin_sends``). From that
   commit to the jobs' finish is the crash window — a worker killed inside it leaves its jobs
   flagged ``possible_duplicate``; the window covers at most one batch;
2. hands each message to the channel with the job's idempotency key: the SMTP ``Message-ID``
   is derived from it, the webhook carries it as ``webhook-id`` (receivers de-duplicate);
   SMTP reuses one connection per worker thread;
3. delivered → done; retryable → retry after the channel's delay; failed → terminal failure.
   A message not delivered gives its reserved slot back (``release_send``). The worker
   records the batch's outcomes in one transaction (``jobs.api.complete_many``).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
from sqlalchemy.orm import Session, sessionmaker

from kizuna.clock import Clock, SystemClock
from kizuna.db.engine import transaction
from kizuna.errors import KizunaError
from kizuna.jobs import api as jobs
from kizuna.messaging import bounces
from kizuna.messaging.channels.base import (
    Channel,
    Delivered,
    OutgoingMessage,
    Retryable,
)
from kizuna.messaging.channels.in_app import InAppChannel
from kizuna.messaging.channels.smtp import email_channel
from kizuna.messaging.channels.webhook import Resolver, system_resolver, webhook_channel
from kizuna.messaging.contracts import LOCALES, MessageTemplate, RenderedMessage, SendDecision
from kizuna.messaging.errors import TemplateError, TemplateInvalid
from kizuna.messaging.gate import SendGate, SendRequest, release_send
from kizuna.messaging.templates import render_message
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import Customer
from kizuna.settings import Settings
from kizuna.types import WorkspaceId
from kizuna.workspaces import api as workspaces
from kizuna.workspaces.contracts import Workspace

log = logging.getLogger("kizuna.messaging.sending")

KIND = "message.send"
ChannelName = Literal["email", "webhook", "in_app"]
CHANNELS: tuple[str, ...] = ("email", "webhook", "in_app")
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
                     webhook_url: str = "", max_attempts: int = MAX_ATTEMPTS,
                     run_after: list[datetime] | None = None) -> int:
    """Queue the same send for many customers (a campaign) in bulk; the number of new jobs.

    Customers who already have a job for ``send_key`` are skipped (exactly one per customer).
    ``run_after`` (one time per customer id, same order) staggers the sends (throttling).
    """
    first = dict(zip(customer_ids, run_after, strict=True)) if run_after is not None else {}
    wanted = list(dict.fromkeys(customer_ids))
    return jobs.enqueue_many(session, workspace_id=workspace_id, kind=KIND, jobs=[
        (message_key(send_key, cid), _payload(
            cid, channel=channel, purpose=purpose, transactional=transactional,
            template=template, send_key=send_key, event=None, webhook_url=webhook_url))
        for cid in wanted], now=now, max_attempts=max_attempts,
        run_after=[first[c] for c in wanted] if run_after is not None else None)


# -- the handler -------------------------------------------------------------------------------
@functools.lru_cache(maxsize=128)
def _template(document_json: bytes) -> MessageTemplate:
    from kizuna.messaging import api as messaging_api

    return messaging_api.template_from_document(orjson.loads(document_json))


def template_for(document: Mapping[str, Any]) -> MessageTemplate:
    """The template of a job's document, parsed and compiled once per distinct document."""
    return _template(orjson.dumps(document, option=orjson.OPT_SORT_KEYS))


@functools.lru_cache(maxsize=64)
def zone_name(name: str | None, fallback: str) -> str:
    """``name`` if it is a known time zone, else ``fallback``."""
    if not name:
        return fallback
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return fallback
    return name


def _by_workspace(batch: Sequence[jobs.Job]) -> dict[WorkspaceId, list[jobs.Job]]:
    groups: dict[WorkspaceId, list[jobs.Job]] = {}
    for job in batch:
        groups.setdefault(WorkspaceId(job.workspace_id), []).append(job)
    return groups


class _Batch:
    """What the jobs of one batch share inside its policy + render transaction."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session, self.now = session, now
        self._gates: dict[int, SendGate] = {}
        self._workspaces: dict[int, Workspace] = {}

    def gate(self, workspace_id: WorkspaceId) -> SendGate:
        gate = self._gates.get(workspace_id)
        if gate is None:
            gate = self._gates[workspace_id] = SendGate(self.session, workspace_id, self.now)
        return gate

    def workspace(self, workspace_id: WorkspaceId) -> Workspace:
        found = self._workspaces.get(workspace_id)
        if found is None:
            found = self._workspaces[workspace_id] = workspaces.get_workspace(
                self.session, workspace_id)
        return found


@dataclass(frozen=True, slots=True)
class _Ready:
    job: jobs.Job
    channel: Channel
    channel_name: str
    message: OutgoingMessage


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
        [outcome] = self.run_batch(sessions, [job])
        if outcome is None:
            raise jobs.JobLost(f"job {job.id} is no longer held by {job.claimed_by}")
        return outcome

    def run_batch(self, sessions: sessionmaker[Session],
                  batch: Sequence[jobs.Job]) -> list[jobs.JobOutcome | None]:
        """Send a batch of claimed jobs: one transaction checks the policy (reserving cap and
        rate slots), renders and marks the sends started; then the channels send; slots of
        messages not handed over are given back. None: the job was taken away (not sent)."""
        now = self.clock.now()
        outcomes: dict[int, jobs.JobOutcome | None] = {}
        ready: list[_Ready] = []
        with transaction(sessions) as session:
            shared = _Batch(session, now)
            for workspace_id, group in _by_workspace(batch).items():
                for job, prepared in zip(group, self._prepare(sessions, shared, workspace_id,
                                                              group), strict=True):
                    if isinstance(prepared, _Ready):
                        ready.append(prepared)
                    else:
                        outcomes[job.id] = prepared
            held = jobs.begin_sends(session, [r.job for r in ready], now)
        unsent: list[jobs.Job] = []
        for item in ready:
            if item.job.id not in held:
                outcomes[item.job.id] = None
                continue
            outcomes[item.job.id] = self._send(sessions, item)
            if not isinstance(outcomes[item.job.id], jobs.Done):
                unsent.append(item.job)
        if unsent:
            with transaction(sessions) as session:
                for job in unsent:
                    release_send(session, WorkspaceId(job.workspace_id), job.idempotency_key)
        return [outcomes[job.id] for job in batch]

    def _send(self, sessions: sessionmaker[Session], item: _Ready) -> jobs.JobOutcome:
        job, channel_name = item.job, item.channel_name
        outcome = item.channel.send(item.message, idempotency_key=job.idempotency_key)
        if isinstance(outcome, Delivered):
            return jobs.Done({"provider_message_id": outcome.provider_message_id})
        if isinstance(outcome, Retryable):
            return jobs.Retry(outcome.reason, delay=outcome.retry_after)
        if channel_name == "email":  # a permanent refusal of the address: suppress it
            bounces.on_failed(sessions, job.workspace_id, address=item.message.to,
                              reason=outcome.reason, now=self.clock.now())
        return jobs.Fail(outcome.reason)

    def _prepare(self, sessions: sessionmaker[Session], shared: _Batch,
                 workspace_id: WorkspaceId,
                 group: list[jobs.Job]) -> list[_Ready | jobs.JobOutcome]:
        """Policy (one :meth:`SendGate.check_many` for the group) and rendering."""
        customers = profiles.get_customers(shared.session, workspace_id,
                                           [int(j.payload["customer_id"]) for j in group])
        results: list[_Ready | jobs.JobOutcome | None] = [None] * len(group)
        channels: list[Channel | None] = [None] * len(group)
        asked: list[int] = []
        requests: list[SendRequest] = []
        for i, job in enumerate(group):
            p = job.payload
            channel_name = str(p["channel"])
            channels[i] = (InAppChannel(sessions, self.clock) if channel_name == "in_app"
                           else self.channels.get(channel_name))
            customer = customers.get(int(p["customer_id"]))
            if channels[i] is None:
                results[i] = jobs.Retry(f"the {channel_name} channel is not configured in this "
                                        "worker (set KIZUNA_SMTP_URL for email)")
            elif customer is None:  # gone: retrying cannot help
                results[i] = jobs.Fail(f"Customer {p['customer_id']} does not exist.")
            else:
                asked.append(i)
                requests.append(SendRequest(
                    customer=customer, channel=channel_name,
                    purpose=str(p.get("purpose") or "marketing"),
                    transactional=bool(p.get("transactional")), reserve_key=job.idempotency_key))
        decisions = shared.gate(workspace_id).check_many(requests)
        for i, request, decision in zip(asked, requests, decisions, strict=True):
            channel = channels[i]
            assert channel is not None
            results[i] = self._ready(shared, group[i], channel, request, decision)
        return [r for r in results if r is not None]

    def _ready(self, shared: _Batch, job: jobs.Job, channel: Channel, request: SendRequest,
               decision: SendDecision) -> _Ready | jobs.JobOutcome:
        if not decision.allowed and decision.defer_until is None:
            return jobs.Fail(f"not sent: {decision.reason or 'refused by the send policy'}")
        if decision.defer_until is not None:  # quiet hours, caps, rate: not an attempt
            wait = max(0.05, (decision.defer_until - shared.now).total_seconds())
            return jobs.Retry(f"deferred: {decision.reason}", delay=wait, deferred=True)
        failure: jobs.Fail | None = None
        try:
            rendered, to = self._render(shared, job, request.customer)
        except (TemplateError, TemplateInvalid) as exc:
            failure = jobs.Fail(f"template: {exc}")
        except KizunaError as exc:
            failure = jobs.Fail(str(exc))
        else:
            if not to:
                failure = jobs.Fail("the customer has no email address"
                                    if request.channel == "email"
                                    else "the webhook message has no URL")
        if failure is not None:
            release_send(shared.session, WorkspaceId(job.workspace_id), job.idempotency_key)
            return failure
        return _Ready(job, channel, request.channel, OutgoingMessage(
            workspace_id=job.workspace_id, to=to, customer_id=request.customer.id,
            subject=rendered.subject, text=rendered.text, html=rendered.html,
            locale=rendered.locale, from_address=rendered.from_address,
            reply_to=rendered.reply_to, purpose=request.purpose,
            unsubscribe=not request.transactional,
            payload=self._webhook_body(job, rendered), attempt=job.attempts))

    def _render(self, shared: _Batch, job: jobs.Job,
                customer: Customer) -> tuple[RenderedMessage, str]:
        # late: variables → loyalty → … → messaging.api → this module
        from kizuna.messaging.variables import customer_context, variable_names

        p = job.payload
        workspace_id = WorkspaceId(job.workspace_id)
        to = str(p.get("url") or "") if p["channel"] == "webhook" else (customer.email or "")
        to = f"customer:{customer.id}" if p["channel"] == "in_app" else to
        if "template" in p:
            template = template_for(p["template"])
            workspace = shared.workspace(workspace_id)
            context = customer_context(
                shared.session, workspace_id, customer.id, now=shared.now,
                event=p.get("event"), customer=customer, workspace=workspace,
                names=variable_names(template))
            return render_message(
                template, context, locale=customer.locale or None,
                timezone=zone_name(customer.timezone, zone_name(workspace.timezone, "UTC")),
                currency=workspace.currency or "JPY"), to
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
