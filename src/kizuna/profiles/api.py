"""Facade of the profiles domain: who customers are, how their identifiers resolve."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kizuna.db.dialect import in_values
from kizuna.profiles import store
from kizuna.profiles.contracts import (
    Consent,
    Customer,
    CustomerUpsert,
    IdentityRef,
    Page,
    TimelineEntry,
)
from kizuna.profiles.errors import CustomerNotFound
from kizuna.profiles.resolution import ANON, USER, resolve_customers
from kizuna.profiles.tables import ConsentRow, CustomerRow, IdentityRow
from kizuna.profiles.traits import columns_from_traits
from kizuna.types import CustomerId, WorkspaceId

__all__ = [
    "alias",
    "apply_traits",
    "consent_statuses",
    "count_customers",
    "ensure_customers_by_external_id",
    "find_customer_id",
    "get_customer",
    "get_customers",
    "list_consents",
    "list_merges",
    "record_consent",
    "resolve_customers",
    "search_customers",
    "upsert_customers",
]

_COLUMNS = ("email", "phone", "first_name", "last_name", "name", "birthday", "timezone",
            "locale", "country")


def alias(
    session: Session, workspace_id: WorkspaceId, *, previous_id: str, user_id: str, at: datetime
) -> CustomerId:
    """Segment ``alias``: the profile known by ``previous_id`` becomes part of ``user_id``'s."""
    keys = {(USER, user_id), (USER, previous_id), (ANON, previous_id)}
    store.lock_identities(session, workspace_id, {f"{k}:{v}" for k, v in keys})
    owners = store.load_identities(session, workspace_id, keys)
    previous = owners.get((USER, previous_id)) or owners.get((ANON, previous_id))
    target = owners.get((USER, user_id))
    if target is None:
        if previous is None:
            return resolve_customers(session, workspace_id, [IdentityRef(user_id=user_id)], at)[0]
        store.insert_identities(session, [{"workspace_id": workspace_id, "kind": USER,
                                           "value": user_id, "customer_id": previous,
                                           "first_seen_at": at}])
        if store.load_external_ids(session, {previous}).get(previous) is None:
            store.set_external_ids(session, {previous: user_id}, at)
        return CustomerId(previous)
    if previous is not None and previous != target:
        store.merge_customer_rows(session, workspace_id, survivor_id=target, merged_id=previous,
                                  reason="alias", identifier=previous_id, at=at)
    return CustomerId(target)


def apply_traits(
    session: Session,
    workspace_id: WorkspaceId,
    customer_id: CustomerId,
    traits: Mapping[str, Any],
    at: datetime,
) -> None:
    """Merge identify ``traits`` into the profile; well-known traits also set columns."""
    row = store.get_row(session, workspace_id, customer_id)
    if row is None:
        raise CustomerNotFound(customer_id=customer_id)
    if not traits:
        return
    row.traits = {**(row.traits or {}), **traits}
    for column, value in columns_from_traits(traits).items():
        setattr(row, column, value)
    row.updated_at = at


def upsert_customers(
    session: Session, workspace_id: WorkspaceId, rows: Sequence[CustomerUpsert], at: datetime
) -> list[CustomerId]:
    """Create or update many customers (imports). Matches on external id, then email."""
    ext_ids = [r.external_id for r in rows if r.external_id]
    by_ext = ensure_customers_by_external_id(session, workspace_id, ext_ids, at) if ext_ids else {}
    emails = sorted({r.email.strip().lower() for r in rows if r.email and not r.external_id})
    by_email: dict[str, int] = {}
    for chunk in store.chunked(emails):
        for cid, email in session.execute(
            select(CustomerRow.id, CustomerRow.email).where(
                CustomerRow.workspace_id == workspace_id, CustomerRow.merged_into_id.is_(None),
                in_values(session, CustomerRow.email, chunk),
            ).order_by(CustomerRow.id)
        ):
            if email is not None:
                by_email.setdefault(email, cid)
    ids: list[CustomerId] = []
    for row in rows:
        email = row.email.strip().lower() if row.email else None
        if row.external_id:
            cid = by_ext[row.external_id]
        elif email and email in by_email:
            cid = by_email[email]
        elif row.anonymous_id:
            cid = resolve_customers(session, workspace_id,
                                    [IdentityRef(anonymous_id=row.anonymous_id)], at)[0]
        else:
            cid = store.insert_customers(session, [{
                "workspace_id": workspace_id, "external_id": None, "traits": {},
                "first_seen_at": row.seen_at or at, "last_seen_at": row.seen_at or at,
                "created_at": at, "updated_at": at,
            }])[0]
            if email:
                by_email[email] = cid
        ids.append(CustomerId(cid))
    _update_columns(session, rows, ids, at)
    return ids


def _update_columns(
    session: Session, rows: Sequence[CustomerUpsert], ids: Sequence[int], at: datetime
) -> None:
    loaded = {
        r.id: r
        for chunk in store.chunked(sorted(set(ids)))
        for r in session.scalars(
            select(CustomerRow).where(in_values(session, CustomerRow.id, chunk)))
    }
    for upsert, cid in zip(rows, ids, strict=True):
        target = loaded[cid]
        changed = False
        for column in _COLUMNS:
            value = getattr(upsert, column)
            if value is not None and getattr(target, column) != value:
                setattr(target, column, value.strip().lower() if column == "email" else value)
                changed = True
        if upsert.traits:
            target.traits = {**(target.traits or {}), **upsert.traits}
            changed = True
        if upsert.seen_at is not None:
            target.first_seen_at = min(target.first_seen_at, upsert.seen_at)
            target.last_seen_at = max(target.last_seen_at, upsert.seen_at)
        if changed:
            target.updated_at = at
    session.flush()


def ensure_customers_by_external_id(
    session: Session,
    workspace_id: WorkspaceId,
    external_ids: Iterable[str],
    at: datetime,
    *,
    seen_at: Mapping[str, tuple[datetime, datetime]] | None = None,
) -> dict[str, CustomerId]:
    """An id for every external id (Segment userId), creating bare customers where missing.

    ``seen_at`` maps external ids to a (first, last) seen window, e.g. of their orders: new
    customers get it, existing ones have theirs widened to include it.
    """
    wanted = sorted(set(external_ids))
    if not wanted:
        return {}
    keys = {(USER, e) for e in wanted}
    owners = store.load_identities(session, workspace_id, keys)
    if seen_at:
        store.touch_seen(session, {
            owners[(USER, e)]: seen_at[e]
            for e in wanted if (USER, e) in owners and e in seen_at
        })
    missing = [e for e in wanted if (USER, e) not in owners]
    if missing:
        store.lock_identities(session, workspace_id, {f"{USER}:{e}" for e in missing})
        owners.update(store.load_identities(session, workspace_id, {(USER, e) for e in missing}))
        missing = [e for e in missing if (USER, e) not in owners]
        seen = seen_at or {}
        new_ids = store.insert_bare_customers(session, workspace_id, [
            (e, seen.get(e, (at, at))) for e in missing], at)
        owners.update({(USER, e): cid for e, cid in new_ids.items()})
    return {e: CustomerId(owners[(USER, e)]) for e in wanted}


def record_consent(
    session: Session,
    workspace_id: WorkspaceId,
    customer_id: CustomerId,
    *,
    channel: str,
    purpose: str,
    status: str,
    method: str,
    wording: str | None,
    at: datetime,
) -> None:
    """Append a consent record (the history is kept; the latest per channel+purpose wins)."""
    if status not in {"granted", "withdrawn"}:
        from kizuna.errors import Invalid

        raise Invalid(f"Consent status must be 'granted' or 'withdrawn', not {status!r}.",
                      field="status")
    session.add(ConsentRow(workspace_id=workspace_id, customer_id=customer_id, channel=channel,
                           purpose=purpose, status=status, method=method, wording=wording,
                           recorded_at=at))
    session.flush()


def get_customer(
    session: Session, workspace_id: WorkspaceId, customer_id: CustomerId | int
) -> Customer:
    """The profile; an id that was merged away resolves to the surviving profile."""
    row = store.get_row(session, workspace_id, customer_id)
    if row is None:
        raise CustomerNotFound(f"Customer {customer_id} does not exist.", customer_id=customer_id)
    return store.to_customer(row, store.anonymous_ids_of(session, row.id))


def find_customer_id(
    session: Session, workspace_id: WorkspaceId, ref: IdentityRef
) -> CustomerId | None:
    """The customer a userId (or else anonymousId) already belongs to; never creates one."""
    for kind, value in ((USER, ref.user_id), (ANON, ref.anonymous_id)):
        if not value:
            continue
        owner = store.load_identities(session, workspace_id, {(kind, value)}).get((kind, value))
        row = None if owner is None else store.get_row(session, workspace_id, owner)
        if row is not None:
            return CustomerId(row.id)
    return None


def search_customers(
    session: Session,
    workspace_id: WorkspaceId,
    query: str | None,
    *,
    page: int = 1,
    page_size: int = 50,
) -> Page[Customer]:
    page, page_size = max(1, page), min(max(1, page_size), 500)
    items, total = store.search(session, workspace_id, query, page, page_size)
    return Page(items=items, total=total, page=page, page_size=page_size)


def list_consents(
    session: Session, workspace_id: WorkspaceId, customer_id: CustomerId
) -> list[Consent]:
    return store.consents(session, workspace_id, customer_id)


def list_merges(
    session: Session, workspace_id: WorkspaceId, customer_id: CustomerId
) -> list[TimelineEntry]:
    return store.merges(session, workspace_id, customer_id)


def count_customers(session: Session, workspace_id: WorkspaceId) -> int:
    return int(session.scalar(
        select(func.count()).select_from(CustomerRow).where(
            CustomerRow.workspace_id == workspace_id, CustomerRow.merged_into_id.is_(None))
    ) or 0)


def birthdays_on(
    session: Session, workspace_id: WorkspaceId, month_days: Sequence[tuple[int, int]]
) -> list[tuple[CustomerId, date, str | None]]:
    """Customers (not merged away) whose birthday falls on one of these (month, day) pairs:
    (customer, birthday, time zone or None). For the loyalty programme's birthday bonus."""
    from sqlalchemy import extract, or_

    if not month_days:
        return []
    month, day = extract("month", CustomerRow.birthday), extract("day", CustomerRow.birthday)
    rows = session.execute(
        select(CustomerRow.id, CustomerRow.birthday, CustomerRow.timezone).where(
            CustomerRow.workspace_id == workspace_id, CustomerRow.merged_into_id.is_(None),
            CustomerRow.birthday.is_not(None),
            or_(*[(month == m) & (day == d) for m, d in month_days])))
    return [(CustomerId(i), b, tz) for i, b, tz in rows if b is not None]


def get_customers(
    session: Session, workspace_id: WorkspaceId, customer_ids: Sequence[int]
) -> dict[int, Customer]:
    """Many profiles in a few queries, keyed by the id asked for (a merged-away id maps to the
    surviving profile); ids that do not exist in the workspace are left out."""
    wanted = list(dict.fromkeys(int(i) for i in customer_ids))
    rows: dict[int, CustomerRow] = {}
    for part in store.chunked(wanted):
        rows.update((r.id, r) for r in session.scalars(
            select(CustomerRow).where(CustomerRow.id.in_(list(part)))))
    found: dict[int, CustomerRow] = {}
    for cid in wanted:
        row = rows.get(cid)
        if row is not None and row.merged_into_id is not None:
            row = store.get_row(session, workspace_id, cid)
        if row is not None and row.workspace_id == workspace_id:
            found[cid] = row
    anonymous: dict[int, list[str]] = {}
    survivors = list({r.id for r in found.values()})
    for part in store.chunked(survivors):
        for customer_id, value in session.execute(
                select(IdentityRow.customer_id, IdentityRow.value)
                .where(IdentityRow.customer_id.in_(list(part)),
                       IdentityRow.kind == "anonymous_id")
                .order_by(IdentityRow.first_seen_at, IdentityRow.id)):
            anonymous.setdefault(customer_id, []).append(value)
    return {cid: store.to_customer(row, anonymous.get(row.id, ()))
            for cid, row in found.items()}


def consent_statuses(
    session: Session, workspace_id: WorkspaceId, customer_ids: Sequence[int], *,
    channel: str, purpose: str,
) -> dict[int, str]:
    """The latest consent status (``granted`` / ``withdrawn`` …) for (channel, purpose) of
    many customers in one query; customers without a record are left out."""
    latest: dict[int, str] = {}
    for part in store.chunked(list(dict.fromkeys(int(i) for i in customer_ids))):
        for customer_id, status in session.execute(
                select(ConsentRow.customer_id, ConsentRow.status)
                .where(ConsentRow.workspace_id == workspace_id,
                       ConsentRow.customer_id.in_(list(part)),
                       ConsentRow.channel == channel, ConsentRow.purpose == purpose)
                .order_by(ConsentRow.recorded_at.desc(), ConsentRow.id.desc())):
            latest.setdefault(customer_id, status)
    return latest
