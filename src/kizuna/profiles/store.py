"""SQL for profiles. Returns contracts or plain values, never ORM rows to callers outside."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, func, or_, select, text, update
from sqlalchemy.orm import Session

from kizuna.db import bulk
from kizuna.db.dialect import in_values, is_postgres
from kizuna.db.metadata import Base
from kizuna.profiles.contracts import Consent, Customer, TimelineEntry
from kizuna.profiles.tables import ConsentRow, CustomerRow, IdentityRow, MergeRow
from kizuna.types import CustomerId, WorkspaceId

CHUNK = 2000
customers_t: Table = CustomerRow.__table__  # type: ignore[assignment]
identities_t: Table = IdentityRow.__table__  # type: ignore[assignment]


def chunked(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def to_customer(row: CustomerRow, anonymous_ids: Sequence[str] = ()) -> Customer:
    return Customer(
        id=CustomerId(row.id),
        workspace_id=WorkspaceId(row.workspace_id),
        external_id=row.external_id,
        email=row.email,
        phone=row.phone,
        first_name=row.first_name,
        last_name=row.last_name,
        name=row.name,
        birthday=row.birthday,
        timezone=row.timezone,
        locale=row.locale,
        country=row.country,
        traits=dict(row.traits or {}),
        first_seen_at=row.first_seen_at,
        last_seen_at=row.last_seen_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
        anonymous_ids=tuple(anonymous_ids),
    )


def lock_identities(session: Session, workspace_id: WorkspaceId, keys: Collection[str]) -> None:
    """On PostgreSQL, serialise concurrent resolution of the same identifiers.

    Locks are taken in a fixed order so two batches never deadlock. SQLite needs nothing:
    every write transaction there is ``BEGIN IMMEDIATE``.
    """
    if not keys or not is_postgres(session):
        return
    session.execute(
        text(
            "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) "
            "FROM unnest(CAST(:keys AS text[])) WITH ORDINALITY AS u(k, n) ORDER BY n"
        ),
        {"keys": sorted(f"{workspace_id}:{k}" for k in keys)},
    )


def load_identities(
    session: Session, workspace_id: WorkspaceId, kind_values: Collection[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = {}
    values = sorted({v for _, v in kind_values})
    kinds = sorted({k for k, _ in kind_values})
    for chunk in chunked(values):
        rows = session.execute(
            select(IdentityRow.kind, IdentityRow.value, IdentityRow.customer_id).where(
                IdentityRow.workspace_id == workspace_id,
                IdentityRow.kind.in_(kinds),  # lets the (workspace, kind, value) index serve
                in_values(session, IdentityRow.value, chunk),
            )
        )
        for kind, value, customer_id in rows:
            if (kind, value) in kind_values:
                found[(kind, value)] = customer_id
    return found


def load_external_ids(session: Session, ids: Collection[int]) -> dict[int, str | None]:
    result: dict[int, str | None] = {}
    for chunk in chunked(sorted(ids)):
        for cid, ext in session.execute(
            select(CustomerRow.id, CustomerRow.external_id).where(
                in_values(session, CustomerRow.id, chunk))
        ):
            result[cid] = ext
    return result


def insert_customers(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert many customers; returns their ids in the order given."""
    if not rows:
        return []
    result = session.execute(
        customers_t.insert().returning(customers_t.c.id, sort_by_parameter_order=True), rows
    )
    return [r[0] for r in result]


def insert_bare_customers(
    session: Session,
    workspace_id: WorkspaceId,
    people: Sequence[tuple[str, tuple[datetime, datetime]]],
    at: datetime,
) -> dict[str, int]:
    """Create customers known only by external id (bulk), with their ``user_id`` identity."""
    if not people:
        return {}
    bulk.insert_many(
        session, customers_t,
        ("workspace_id", "external_id", "traits", "first_seen_at", "last_seen_at", "created_at",
         "updated_at"),
        [(workspace_id, ext, {}, first, last, at, at) for ext, (first, last) in people],
    )
    ids: dict[str, int] = {}
    externals = [ext for ext, _ in people]
    for chunk in chunked(externals):
        ids.update((str(ext), cid) for cid, ext in session.execute(
            select(CustomerRow.id, CustomerRow.external_id).where(
                CustomerRow.workspace_id == workspace_id,
                in_values(session, CustomerRow.external_id, chunk))))
    bulk.insert_many(
        session, identities_t, ("workspace_id", "kind", "value", "customer_id", "first_seen_at"),
        [(workspace_id, "user_id", ext, ids[ext], first) for ext, (first, _) in people],
    )
    return ids


def insert_identities(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(identities_t.insert(), rows)


def touch_seen(session: Session, seen: dict[int, tuple[datetime, datetime]]) -> None:
    """Widen first/last seen of existing customers to include the given instants.

    One set-based UPDATE per 2,000 customers (this runs on every ingest batch).
    """
    if not seen:
        return
    items = sorted(seen.items())
    if is_postgres(session):
        for chunk in chunked(items):
            session.execute(
                text(
                    "UPDATE customers AS c SET first_seen_at = LEAST(c.first_seen_at, u.f), "
                    "last_seen_at = GREATEST(c.last_seen_at, u.l) "
                    "FROM unnest(CAST(:ids AS bigint[]), CAST(:f AS timestamptz[]), "
                    "CAST(:l AS timestamptz[])) AS u(id, f, l) "
                    "WHERE c.id = u.id AND (c.first_seen_at > u.f OR c.last_seen_at < u.l)"
                ),
                {"ids": [cid for cid, _ in chunk], "f": [f for _, (f, _l) in chunk],
                 "l": [last for _, (_f, last) in chunk]},
            )
        return
    for chunk in chunked(items):
        values = ", ".join("(?, ?, ?)" for _ in chunk)
        params: list[object] = []
        for cid, (first, last) in chunk:
            params += [cid, bulk.sqlite_datetime(first), bulk.sqlite_datetime(last)]
        cursor = session.connection().connection.cursor()
        try:
            cursor.execute(
                "UPDATE customers SET first_seen_at = MIN(customers.first_seen_at, u.f), "  # noqa: S608
                "last_seen_at = MAX(customers.last_seen_at, u.l) "
                "FROM (SELECT column1 AS id, column2 AS f, column3 AS l "
                f"FROM (VALUES {values})) AS u "  # only placeholders are interpolated
                "WHERE customers.id = u.id "
                "AND (customers.first_seen_at > u.f OR customers.last_seen_at < u.l)",
                params,
            )
        finally:
            cursor.close()


def set_external_ids(session: Session, values: dict[int, str], at: datetime) -> None:
    if values:
        session.execute(
            update(customers_t)
            .where(customers_t.c.id == bindparam("cid"))
            .values(external_id=bindparam("ext"), updated_at=at),
            [{"cid": cid, "ext": ext} for cid, ext in values.items()],
        )


def _customer_reference_columns() -> list[tuple[Table, str]]:
    """Every (table, column) named ``customer_id`` that references customers.id."""
    refs = []
    for table in Base.metadata.tables.values():
        column = table.c.get("customer_id")
        if column is not None and any(fk.column.table.name == "customers"
                                      for fk in column.foreign_keys):
            refs.append((table, "customer_id"))
    return refs


def merge_customer_rows(
    session: Session,
    workspace_id: WorkspaceId,
    *,
    survivor_id: int,
    merged_id: int,
    reason: str,
    identifier: str | None,
    at: datetime,
) -> None:
    """Fold ``merged_id`` into ``survivor_id``: every reference moves, nothing is deleted."""
    survivor = session.get(CustomerRow, survivor_id)
    merged = session.get(CustomerRow, merged_id)
    assert survivor is not None and merged is not None
    for table, column in _customer_reference_columns():
        session.execute(
            update(table).where(table.c[column] == merged_id).values({column: survivor_id})
        )
    session.execute(
        update(MergeRow).where(MergeRow.survivor_id == merged_id).values(survivor_id=survivor_id)
    )
    for field in ("email", "phone", "first_name", "last_name", "name", "birthday", "timezone",
                  "locale", "country"):
        if getattr(survivor, field) is None and getattr(merged, field) is not None:
            setattr(survivor, field, getattr(merged, field))
    survivor.traits = {**(merged.traits or {}), **(survivor.traits or {})}
    survivor.first_seen_at = min(survivor.first_seen_at, merged.first_seen_at)
    survivor.last_seen_at = max(survivor.last_seen_at, merged.last_seen_at)
    survivor.updated_at = at
    merged.merged_into_id = survivor_id
    merged.external_id = None
    merged.updated_at = at
    session.add(
        MergeRow(
            workspace_id=workspace_id,
            survivor_id=survivor_id,
            merged_id=merged_id,
            reason=reason,
            identifier=identifier,
            merged_at=at,
        )
    )
    session.flush()


def get_row(session: Session, workspace_id: WorkspaceId, customer_id: int) -> CustomerRow | None:
    row = session.get(CustomerRow, customer_id)
    seen = 0
    while row is not None and row.merged_into_id is not None and seen < 50:
        row = session.get(CustomerRow, row.merged_into_id)
        seen += 1
    if row is None or row.workspace_id != workspace_id:
        return None
    return row


def anonymous_ids_of(session: Session, customer_id: int) -> list[str]:
    return list(
        session.scalars(
            select(IdentityRow.value)
            .where(IdentityRow.customer_id == customer_id, IdentityRow.kind == "anonymous_id")
            .order_by(IdentityRow.first_seen_at, IdentityRow.id)
        )
    )


def search(
    session: Session, workspace_id: WorkspaceId, query: str | None, page: int, page_size: int
) -> tuple[list[Customer], int]:
    condition = [CustomerRow.workspace_id == workspace_id, CustomerRow.merged_into_id.is_(None)]
    if query and query.strip():
        needle = query.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{needle}%"
        condition.append(
            or_(
                *(
                    func.lower(col).like(pattern, escape="\\")
                    for col in (CustomerRow.email, CustomerRow.name, CustomerRow.first_name,
                                CustomerRow.last_name, CustomerRow.external_id, CustomerRow.phone)
                )
            )
        )
    total = session.scalar(select(func.count()).select_from(CustomerRow).where(*condition)) or 0
    rows = session.scalars(
        select(CustomerRow)
        .where(*condition)
        .order_by(CustomerRow.last_seen_at.desc(), CustomerRow.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return [to_customer(r) for r in rows], int(total)


def consents(session: Session, workspace_id: WorkspaceId, customer_id: int) -> list[Consent]:
    rows = session.scalars(
        select(ConsentRow)
        .where(ConsentRow.workspace_id == workspace_id, ConsentRow.customer_id == customer_id)
        .order_by(ConsentRow.recorded_at.desc(), ConsentRow.id.desc())
    )
    latest: dict[tuple[str, str], Consent] = {}
    for r in rows:
        latest.setdefault(
            (r.channel, r.purpose),
            Consent(channel=r.channel, purpose=r.purpose, status=r.status, method=r.method,
                    wording=r.wording, recorded_at=r.recorded_at),
        )
    return sorted(latest.values(), key=lambda c: (c.channel, c.purpose))


def merges(session: Session, workspace_id: WorkspaceId, customer_id: int) -> list[TimelineEntry]:
    rows = session.scalars(
        select(MergeRow)
        .where(MergeRow.workspace_id == workspace_id, MergeRow.survivor_id == customer_id)
        .order_by(MergeRow.merged_at.desc(), MergeRow.id.desc())
    )
    return [
        TimelineEntry(kind="merge", at=r.merged_at, id=r.id, merged_customer_id=r.merged_id,
                      merge_reason=r.reason, merge_identifier=r.identifier)
        for r in rows
    ]
