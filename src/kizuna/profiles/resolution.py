"""Identity resolution: which customer does each message belong to?

Rules (Segment's identify/alias semantics, as CDPs apply them):
- a ``userId`` seen for the first time creates a known customer, unless the message's
  ``anonymousId`` already belongs to a still-anonymous customer: that profile becomes known;
- a message carrying a known ``userId`` and an ``anonymousId`` of another, still-anonymous
  profile merges that profile into the known one (its events and orders move along and a merge
  record is written); an anonymous id that already belongs to a different *known* person (a
  shared device) is left where it is;
- a message with only an ``anonymousId`` belongs to that id's profile, created if new.

Work is done for a whole batch at once: one query for the identifiers, one multi-row insert
for the new customers and one for the new identifiers.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from kizuna.profiles import store
from kizuna.profiles.contracts import IdentityRef
from kizuna.profiles.errors import IdentityMissing
from kizuna.types import CustomerId, WorkspaceId

USER, ANON = "user_id", "anonymous_id"
Key = tuple[str, str]


class _Plan:
    """In-memory view of the batch: owners of identifiers, new customers, merges."""

    def __init__(self, owners: dict[Key, int], external: dict[int, str | None]) -> None:
        self.owners = owners
        self.external = external
        self.redirect: dict[int, int] = {}
        self.new_ids = itertools.count(-1, -1)  # temporary ids for customers to create
        self.new_keys: set[Key] = set()
        self.merges: list[tuple[int, int, str, datetime]] = []  # (survivor, merged, id, when)
        self.became_known: dict[int, str] = {}

    def final(self, cid: int) -> int:
        while cid in self.redirect:
            cid = self.redirect[cid]
        return cid

    def owner(self, key: Key) -> int | None:
        cid = self.owners.get(key)
        return None if cid is None else self.final(cid)

    def claim(self, key: Key, cid: int) -> None:
        self.owners[key] = cid
        self.new_keys.add(key)

    def create(self, external_id: str | None) -> int:
        cid = next(self.new_ids)
        self.external[cid] = external_id
        return cid

    def merge(self, survivor: int, merged: int, identifier: str, when: datetime) -> None:
        if survivor < 0 < merged:
            # The known profile was only created in this batch: let the stored anonymous
            # profile adopt its user id instead (nothing to move).
            self.redirect[survivor] = merged
            self.external[merged] = self.external.get(survivor)
            self.became_known[merged] = self.external[merged] or ""
            return
        self.redirect[merged] = survivor
        if merged > 0:
            self.merges.append((survivor, merged, identifier, when))


def _resolve_one(plan: _Plan, ref: IdentityRef, when: datetime) -> int:
    user_key = (USER, ref.user_id) if ref.user_id else None
    anon_key = (ANON, ref.anonymous_id) if ref.anonymous_id else None
    by_anon = plan.owner(anon_key) if anon_key else None
    if user_key is None:
        assert anon_key is not None
        if by_anon is None:
            by_anon = plan.create(None)
            plan.claim(anon_key, by_anon)
        return by_anon
    by_user = plan.owner(user_key)
    if by_user is None:
        if by_anon is not None and plan.external.get(by_anon) is None:
            plan.external[by_anon] = ref.user_id
            if by_anon > 0:
                plan.became_known[by_anon] = ref.user_id  # type: ignore[assignment]
            plan.claim(user_key, by_anon)
            return by_anon
        by_user = plan.create(ref.user_id)
        plan.claim(user_key, by_user)
        if anon_key is not None and by_anon is None:
            plan.claim(anon_key, by_user)
        return by_user
    if anon_key is not None:
        if by_anon is None:
            plan.claim(anon_key, by_user)
        elif by_anon != by_user and plan.external.get(by_anon) is None:
            plan.merge(by_user, by_anon, ref.anonymous_id or "", when)
    return by_user


def resolve_customers(
    session: Session,
    workspace_id: WorkspaceId,
    refs: Sequence[IdentityRef],
    at: datetime,
    *,
    seen_at: Sequence[datetime] | None = None,
) -> list[CustomerId]:
    """One customer id per ref (same order); see the module docstring for the rules.

    ``seen_at`` (one instant per ref, e.g. the event timestamps) widens first/last seen;
    without it every ref counts as seen ``at``.
    """
    if not refs:
        return []
    keys: set[Key] = set()
    for index, ref in enumerate(refs):
        if not ref.user_id and not ref.anonymous_id:
            raise IdentityMissing(index=index)
        if ref.user_id:
            keys.add((USER, ref.user_id))
        if ref.anonymous_id:
            keys.add((ANON, ref.anonymous_id))
    store.lock_identities(session, workspace_id, {f"{k}:{v}" for k, v in keys})
    owners = store.load_identities(session, workspace_id, keys)
    plan = _Plan(owners, store.load_external_ids(session, set(owners.values())))
    instants = list(seen_at) if seen_at is not None else [at] * len(refs)
    raw = [_resolve_one(plan, ref, when) for ref, when in zip(refs, instants, strict=True)]

    # Merges of customers that exist in the database, dated by the message that caused them.
    for survivor, merged, identifier, when in plan.merges:
        store.merge_customer_rows(
            session, workspace_id, survivor_id=plan.final(survivor), merged_id=merged,
            reason="identify", identifier=identifier, at=when,
        )
    final = [plan.final(cid) for cid in raw]
    window: dict[int, tuple[datetime, datetime]] = {}
    for cid, instant in zip(final, instants, strict=True):
        first, last = window.get(cid, (instant, instant))
        window[cid] = (min(first, instant), max(last, instant))

    # Create the new customers that survived the batch (a new one may have been merged).
    referenced = set(final) | {plan.final(plan.owners[key]) for key in plan.new_keys}
    temp_ids = sorted((cid for cid in referenced if cid < 0), reverse=True)
    rows: list[dict[str, object]] = []
    for temp in temp_ids:
        first, last = window.get(temp, (at, at))
        rows.append({
            "workspace_id": workspace_id, "external_id": plan.external.get(temp),
            "traits": {}, "first_seen_at": first, "last_seen_at": last,
            "created_at": at, "updated_at": at,
        })
    real = dict(zip(temp_ids, store.insert_customers(session, rows), strict=True))

    def to_real(cid: int) -> int:
        cid = plan.final(cid)
        return real[cid] if cid < 0 else cid

    store.set_external_ids(
        session, {cid: ext for cid, ext in plan.became_known.items()
                  if plan.final(cid) == cid}, at
    )
    store.insert_identities(session, [
        {"workspace_id": workspace_id, "kind": kind, "value": value,
         "customer_id": to_real(plan.owners[(kind, value)]), "first_seen_at": at}
        for kind, value in sorted(plan.new_keys)
    ])
    store.touch_seen(session, {cid: span for cid, span in window.items() if cid > 0})
    return [CustomerId(to_real(cid)) for cid in final]
