"""Shared setup for the journey tests: customers through real ingest, a dispatcher with the
journeys consumer, a worker that delivers to a real SMTP server."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from kizuna.clock import FrozenClock
from kizuna.db.engine import transaction
from kizuna.db.metadata import import_all_tables
from kizuna.dispatch import Consumer, Dispatcher
from kizuna.ingest import api as ingest
from kizuna.jobs.worker import Worker
from kizuna.journeys import api as journeys
from kizuna.messaging.channels.smtp import SmtpChannel, SmtpTarget
from kizuna.messaging.sending import KIND, MessageSender
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import IdentityRef
from kizuna.runtime import Runtime
from kizuna.types import CustomerId
from kizuna.workspaces.contracts import Workspace


def send(runtime: Runtime, write_key: str, messages: list[dict[str, Any]]) -> None:
    with transaction(runtime.sessions) as s:
        source = ingest.find_source_by_write_key(s, write_key)
        assert source is not None
        ingest.ingest_messages(s, source=source, messages=messages,
                               received_at=runtime.clock.now())


def track(runtime: Runtime, write_key: str, user: str, event: str, msg: str,
          **properties: Any) -> None:
    send(runtime, write_key, [{"type": "track", "messageId": msg, "userId": user,
                               "event": event, "properties": properties,
                               "timestamp": runtime.clock.now().isoformat()}])


def customer(runtime: Runtime, workspace: Workspace, write_key: str, user: str,
             **traits: Any) -> CustomerId:
    """An identified customer with an email address and marketing consent for email."""
    send(runtime, write_key, [{"type": "identify", "messageId": f"id-{user}", "userId": user,
                               "traits": {"email": f"{user}@example.com", "first_name": user,
                                          **traits},
                               "timestamp": runtime.clock.now().isoformat()}])
    with transaction(runtime.sessions) as s:
        cid = profiles.find_customer_id(s, workspace.id, IdentityRef(user_id=user))
        assert cid is not None
        profiles.record_consent(s, workspace.id, cid, channel="email", purpose="marketing",
                                status="granted", method="form", wording=None,
                                at=runtime.clock.now() - timedelta(days=1))
    return cid


def dispatcher(runtime: Runtime) -> Dispatcher:
    d = Dispatcher(runtime, [Consumer("journeys", journeys.apply_events)], [])
    d.drain()  # the cursor starts at the end of the feed
    return d


def worker(runtime: Runtime, port: int, clock: FrozenClock) -> Worker:
    sender = MessageSender(email=SmtpChannel(SmtpTarget(host="127.0.0.1", port=port, timeout=5),
                                             sender="shop@example.com"),
                           webhook=None, clock=clock)
    return Worker(runtime.sessions, clock=clock, handlers={KIND: sender})


def count(runtime: Runtime, table: str, **where: Any) -> int:
    t = import_all_tables().tables[table]
    with runtime.sessions() as s:
        q = select(func.count()).select_from(t)
        for k, v in where.items():
            q = q.where(t.c[k] == v)
        return int(s.scalar(q) or 0)


def send_jobs(runtime: Runtime) -> list[str]:
    t = import_all_tables().tables["outbox_jobs"]
    with runtime.sessions() as s:
        return sorted(str(k) for k in s.scalars(select(t.c.idempotency_key).where(
            t.c.kind == KIND)))


def at(clock: FrozenClock, when: datetime) -> None:
    clock.at = when
