"""Loading the demo data set through the real facades, and the demo's logins and keys.

Loading is idempotent: customers match on external id, products on external id, orders on
external id, consents are only recorded for customers that have none, and events are
unique per (source, messageId) — so loading the same data twice adds nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time

from sqlalchemy.orm import Session, sessionmaker

from kizuna.auth import api as auth
from kizuna.auth.contracts import Role, Scope
from kizuna.auth.errors import UserAlreadyExists
from kizuna.clock import Clock
from kizuna.commerce import api as commerce
from kizuna.db.engine import transaction
from kizuna.demo import act, listen
from kizuna.demo import loyalty as demo_loyalty
from kizuna.demo.generate import DemoData
from kizuna.ingest import api as ingest
from kizuna.ingest.contracts import Source
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.recommend import api as recommend
from kizuna.types import CustomerId, WorkspaceId
from kizuna.workspaces import api as workspaces

ProgressCallback = Callable[[str, int, int], None]  # (step, done, total)

DEMO_SOURCE = "demo-web"
ADMIN_EMAIL = "admin@example.com"
# Stable so that every `kizuna demo` run can print it; it is a demo login, change it (or use
# `kizuna user create`) before anyone else can reach the server.
ADMIN_PASSWORD = "kizuna-demo-admin"  # noqa: S105 - documented demo password


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoAccess:
    workspace_id: WorkspaceId
    source: Source
    write_key: str
    admin_email: str
    admin_password: str
    admin_created: bool  # False: the user existed (the password may have been changed)
    api_key: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadReport:
    customers: int
    consents: int
    orders_written: int
    orders_skipped: int
    events_accepted: int
    events_duplicate: int
    listen: listen.ListenReport
    seconds: float
    loyalty: demo_loyalty.LoyaltyDemoReport | None = None
    acted: act.ActReport | None = None


DEMO_API_KEY_NAME = "kizuna demo (admin)"


def demo_write_key(secret: str, seed: int) -> str:
    """The demo source's write key: derived from the secret key and seed, so every run of
    ``kizuna demo`` can print a key that works (keys are stored hashed)."""
    mac = hmac.new(secret.encode(), f"kizuna-demo-web:{seed}".encode(), hashlib.sha256)
    return "wk_demo_" + base64.urlsafe_b64encode(mac.digest()[:24]).decode().rstrip("=")


def ensure_demo_access(session: Session, clock: Clock, *, secret: str, seed: int) -> DemoAccess:
    """The default workspace, the demo source, the admin login and a fresh admin API key."""
    ws = workspaces.ensure_default_workspace(session, clock, name="kizuna demo shop")
    write_key = demo_write_key(secret, seed)
    source = ingest.find_source_by_write_key(session, write_key)
    if source is None:
        name = DEMO_SOURCE
        if ingest.find_source_by_name(session, ws.id, name) is not None:
            name = f"{DEMO_SOURCE} (seed {seed})"
        source = ingest.create_source(
            session,
            workspace_id=ws.id,
            name=name,
            clock=clock,
            kind="demo",
            write_key=write_key,
        ).source
    try:
        auth.create_user(
            session,
            workspace_id=ws.id,
            email=ADMIN_EMAIL,
            password=ADMIN_PASSWORD,
            role=Role.ADMIN,
            clock=clock,
        )
        created = True
    except UserAlreadyExists:
        created = False
    # Keys are stored hashed, so the one printed last time cannot be shown again: each start
    # issues a fresh one and revokes the previous demo key instead of piling them up.
    for old in auth.list_api_keys(session, ws.id):
        if old.name == DEMO_API_KEY_NAME:
            auth.revoke_api_key(session, ws.id, old.id, clock)
    api_key = auth.create_api_key(
        session, workspace_id=ws.id, scope=Scope.ADMIN, clock=clock, name=DEMO_API_KEY_NAME
    ).key
    return DemoAccess(
        workspace_id=ws.id,
        source=source,
        write_key=write_key,
        admin_email=ADMIN_EMAIL,
        admin_password=ADMIN_PASSWORD,
        admin_created=created,
        api_key=api_key,
    )


def workspace_has_data(session: Session, workspace_id: WorkspaceId) -> bool:
    return profiles.count_customers(session, workspace_id) > 0


def load_finished(session: Session, workspace_id: WorkspaceId) -> bool:
    """Whether a demo load ran to its end (its last step sends the demo broadcast); an
    interrupted load is simply run again (every step is idempotent)."""
    return act.finished(session, workspace_id)


def _signup_times(data: DemoData) -> dict[str, datetime]:
    first: dict[str, datetime] = {}
    for order in data.orders:
        at = order.record.placed_at
        if order.user_id not in first or at < first[order.user_id]:
            first[order.user_id] = at
    for consent in data.consents:
        first[consent.user_id] = min(first[consent.user_id], consent.at)
    return first


def _load_customers(
    session: Session, workspace_id: WorkspaceId, data: DemoData, progress: ProgressCallback
) -> dict[str, CustomerId]:
    """Customers as a CRM would hold them, created on their sign-up day (so first and last
    seen are historical, not the moment of loading)."""
    signup = _signup_times(data)
    by_day: dict[date, list[CustomerUpsert]] = defaultdict(list)
    for person in data.people:
        at = signup[person.user_id]
        by_day[at.date()].append(replace(person.upsert, seen_at=at))
    ids: dict[str, CustomerId] = {}
    done = 0
    for day in sorted(by_day):
        rows = by_day[day]
        at = min(r.seen_at for r in rows if r.seen_at is not None)
        for row, cid in zip(
            rows, profiles.upsert_customers(session, workspace_id, rows, at), strict=True
        ):
            ids[row.external_id or ""] = cid
        done += len(rows)
        progress("customers", done, len(data.people))
    return ids


def load_demo(
    sessions: sessionmaker[Session],
    *,
    access: DemoAccess,
    data: DemoData,
    clock: Clock,
    on_progress: ProgressCallback | None = None,
    batch_size: int = 500,
    commit_every: int = 10,
) -> LoadReport:
    """Load ``data`` into the demo workspace (see the module docstring)."""
    progress = on_progress or (lambda _step, _done, _total: None)
    started = time.perf_counter()
    workspace_id = access.workspace_id
    with transaction(sessions) as session:
        commerce.upsert_products(session, workspace_id, data.products, clock.now())
        ids = _load_customers(session, workspace_id, data, progress)
        consents = 0
        fresh = {
            uid
            for uid, cid in ids.items()
            if not profiles.list_consents(session, workspace_id, cid)
        }
        for c in data.consents:
            if c.user_id in fresh:
                profiles.record_consent(
                    session,
                    workspace_id,
                    ids[c.user_id],
                    channel=c.channel,
                    purpose=c.purpose,
                    status=c.status,
                    method=c.method,
                    wording=c.wording,
                    at=c.at,
                )
                consents += 1
        orders = [replace(o.record, customer_id=ids[o.user_id]) for o in data.orders]
        written = skipped = 0
        for start in range(0, len(orders), 2000):
            outcome = commerce.record_orders(
                session, workspace_id, orders[start : start + 2000], clock.now()
            )
            written += outcome.written
            skipped += outcome.skipped
            progress("orders", min(start + 2000, len(orders)), len(orders))

    accepted = duplicates = 0
    # Survey answers and reviews become survey responses and reviews (which record their own
    # events) instead of plain events: see demo/listen.py.
    messages = [m for m in data.messages if not listen.handles(m)]
    step = batch_size * commit_every
    for start in range(0, len(messages), step):
        with transaction(sessions) as session:
            for offset in range(start, min(start + step, len(messages)), batch_size):
                ingested = ingest.ingest_messages(
                    session,
                    source=access.source,
                    messages=messages[offset : offset + batch_size],
                    received_at=clock.now(),
                )
                accepted += ingested.accepted
                duplicates += ingested.duplicates
        progress("events", min(start + step, len(messages)), len(messages))
    heard = listen.load_listen(
        sessions, workspace_id=workspace_id,
        messages=[m for m in data.messages if listen.handles(m)], customer_ids=ids,
        locales={p.user_id: p.locale for p in data.people}, clock=clock, seed=data.seed,
        on_progress=progress)
    rewarded = demo_loyalty.load_loyalty(sessions, workspace_id=workspace_id, data=data,
                                         customer_ids=ids, clock=clock)
    # Train the recommender once, so profile pages show recommendations from the start
    # (about 3-7 s on the default 1,500 customers).
    recommend.train(sessions, workspace_id, now=clock.now())
    data_end = datetime.combine(data.anchor - timedelta(days=2), dt_time(), tzinfo=UTC)
    acted = act.load_act(sessions, workspace_id=workspace_id, customer_ids=ids,
                         data_end=data_end, clock=clock)
    return LoadReport(
        customers=len(ids),
        consents=consents,
        orders_written=written,
        orders_skipped=skipped,
        events_accepted=accepted,
        events_duplicate=duplicates,
        listen=heard,
        seconds=time.perf_counter() - started,
        loyalty=rewarded,
        acted=acted,
    )
