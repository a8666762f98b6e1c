"""Property test: whatever order identifiers arrive in, resolution stays consistent."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kizuna.db.engine import make_engine, make_sessionmaker
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import IdentityRef
from kizuna.profiles.tables import CustomerRow
from kizuna.types import WorkspaceId
from kizuna.workspaces.tables import WorkspaceRow

T0 = datetime(2026, 3, 1, tzinfo=UTC)
refs = st.builds(
    IdentityRef,
    user_id=st.one_of(st.none(), st.sampled_from(["u1", "u2", "u3"])),
    anonymous_id=st.one_of(st.none(), st.sampled_from(["a1", "a2", "a3", "a4"])),
).filter(lambda r: r.user_id or r.anonymous_id)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches=st.lists(st.lists(refs, min_size=1, max_size=6), min_size=1, max_size=4))
def test_resolution_invariants(sqlite_template: Path, batches: list[list[IdentityRef]]) -> None:
    engine = make_engine(f"sqlite:///{sqlite_template.parent / 'props.db'}")
    from kizuna.db.migrate import upgrade_to_head

    upgrade_to_head(engine)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as s:
        ws = WorkspaceRow(
            slug=uuid.uuid4().hex, name="p", timezone="UTC", currency="JPY", created_at=T0
        )
        s.add(ws)
        s.flush()
        wid = WorkspaceId(ws.id)
    for batch in batches:
        with sessions.begin() as s:
            ids = profiles.resolve_customers(s, wid, batch, T0)
            # Same identifiers in one batch → the same customer.
            for ref, cid in zip(batch, ids, strict=True):
                if ref.user_id:
                    assert (
                        cid == ids[next(i for i, r in enumerate(batch) if r.user_id == ref.user_id)]
                    )
    users = sorted({r.user_id for b in batches for r in b if r.user_id})
    with sessions.begin() as s:
        # Re-resolving changes nothing and every user id has exactly one live profile.
        by_user = profiles.resolve_customers(s, wid, [IdentityRef(user_id=u) for u in users], T0)
        assert len(set(by_user)) == len(users)
        live = s.scalars(
            sa.select(CustomerRow).where(
                CustomerRow.workspace_id == wid, CustomerRow.merged_into_id.is_(None)
            )
        ).all()
        assert sorted(c.external_id for c in live if c.external_id) == users
        for u, cid in zip(users, by_user, strict=True):
            assert profiles.get_customer(s, wid, cid).external_id == u
        # Each anonymous id resolves to one live profile, stable on a second look.
        anons = sorted({r.anonymous_id for b in batches for r in b if r.anonymous_id})
        first = profiles.resolve_customers(s, wid, [IdentityRef(anonymous_id=a) for a in anons], T0)
        second = profiles.resolve_customers(
            s, wid, [IdentityRef(anonymous_id=a) for a in anons], T0
        )
        assert first == second
        assert all(profiles.get_customer(s, wid, c).id == c for c in first)
    engine.dispose()
