"""Identity resolution and merges, on real SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from kizuna.commerce import api as commerce
from kizuna.commerce.contracts import OrderRecord
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert, IdentityRef
from kizuna.profiles.tables import CustomerRow, IdentityRow
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_same_ids_resolve_to_same_customer_within_and_across_batches(
    runtime: Runtime, workspace: Workspace
) -> None:
    refs = [IdentityRef(anonymous_id="a1"), IdentityRef(anonymous_id="a1"),
            IdentityRef(user_id="u1"), IdentityRef(user_id="u1", anonymous_id="a2")]
    with runtime.sessions.begin() as s:
        first = profiles.resolve_customers(s, workspace.id, refs, T0)
    assert first[0] == first[1]
    assert first[2] == first[3] != first[0]
    with runtime.sessions.begin() as s:
        again = profiles.resolve_customers(s, workspace.id, refs, T0 + timedelta(days=3))
        assert again == first
        assert profiles.count_customers(s, workspace.id) == 2


def test_identify_turns_anonymous_profile_into_known_one(
    runtime: Runtime, workspace: Workspace
) -> None:
    with runtime.sessions.begin() as s:
        [anon] = profiles.resolve_customers(s, workspace.id, [IdentityRef(anonymous_id="a")], T0)
    with runtime.sessions.begin() as s:
        [known] = profiles.resolve_customers(
            s, workspace.id, [IdentityRef(user_id="u", anonymous_id="a")], T0 + timedelta(hours=1)
        )
        customer = profiles.get_customer(s, workspace.id, known)
    assert known == anon
    assert customer.external_id == "u"
    assert customer.anonymous_ids == ("a",)
    assert customer.last_seen_at == T0 + timedelta(hours=1)


def test_identify_merges_anonymous_profile_into_existing_known_one(
    runtime: Runtime, workspace: Workspace
) -> None:
    with runtime.sessions.begin() as s:
        known, anon = profiles.resolve_customers(
            s, workspace.id, [IdentityRef(user_id="u"), IdentityRef(anonymous_id="phone")], T0
        )
        commerce.record_orders(s, workspace.id, [OrderRecord(
            external_id="o1", customer_id=anon, placed_at=T0, total=Decimal("10.00"))], T0)
        profiles.record_consent(s, workspace.id, anon, channel="email", purpose="marketing",
                                status="granted", method="form", wording="OK", at=T0)
    with runtime.sessions.begin() as s:
        [merged] = profiles.resolve_customers(
            s, workspace.id, [IdentityRef(user_id="u", anonymous_id="phone")], T0
        )
        assert merged == known
        assert profiles.get_customer(s, workspace.id, anon).id == known  # merged id resolves
        assert [o.external_id for o in commerce.list_customer_orders(s, workspace.id, known)] == [
            "o1"]
        assert [c.status for c in profiles.list_consents(s, workspace.id, known)] == ["granted"]
        [merge] = profiles.list_merges(s, workspace.id, known)
        assert (merge.merged_customer_id, merge.merge_reason) == (anon, "identify")
        assert profiles.count_customers(s, workspace.id) == 1


def test_shared_device_anonymous_id_stays_with_first_person(
    runtime: Runtime, workspace: Workspace
) -> None:
    with runtime.sessions.begin() as s:
        alice, bob = profiles.resolve_customers(
            s, workspace.id,
            [IdentityRef(user_id="alice", anonymous_id="tablet"), IdentityRef(user_id="bob")], T0,
        )
    with runtime.sessions.begin() as s:
        [again] = profiles.resolve_customers(
            s, workspace.id, [IdentityRef(user_id="bob", anonymous_id="tablet")], T0)
        [anon_only] = profiles.resolve_customers(
            s, workspace.id, [IdentityRef(anonymous_id="tablet")], T0)
    assert again == bob and anon_only == alice


def test_new_user_in_batch_adopts_stored_anonymous_profile(
    runtime: Runtime, workspace: Workspace
) -> None:
    with runtime.sessions.begin() as s:
        [anon] = profiles.resolve_customers(s, workspace.id, [IdentityRef(anonymous_id="a")], T0)
    with runtime.sessions.begin() as s:
        ids = profiles.resolve_customers(
            s, workspace.id, [IdentityRef(user_id="u"), IdentityRef(user_id="u", anonymous_id="a")],
            T0,
        )
        assert ids == [anon, anon]
        assert s.scalar(select(func.count()).select_from(CustomerRow)) == 1
        assert profiles.get_customer(s, workspace.id, anon).external_id == "u"


def test_alias_merges_previous_identity(runtime: Runtime, workspace: Workspace) -> None:
    with runtime.sessions.begin() as s:
        old, new = profiles.resolve_customers(
            s, workspace.id, [IdentityRef(user_id="old-id"), IdentityRef(user_id="new-id")], T0)
    with runtime.sessions.begin() as s:
        assert profiles.alias(s, workspace.id, previous_id="old-id", user_id="new-id", at=T0) == new
        [merge] = profiles.list_merges(s, workspace.id, new)
        assert merge.merged_customer_id == old and merge.merge_reason == "alias"
        # the old user id now resolves to the survivor
        assert profiles.resolve_customers(s, workspace.id, [IdentityRef(user_id="old-id")], T0) == [
            new]


def test_traits_set_columns_and_merge(runtime: Runtime, workspace: Workspace) -> None:
    with runtime.sessions.begin() as s:
        [cid] = profiles.resolve_customers(s, workspace.id, [IdentityRef(user_id="u")], T0)
        profiles.apply_traits(s, workspace.id, cid, {
            "email": " Hanako@Example.JP ", "firstName": "花子", "lastName": "山田",
            "birthday": "1990-04-01", "address": {"country": "JP"}, "plan": "gold"}, T0)
        profiles.apply_traits(s, workspace.id, cid, {"plan": "platinum"}, T0)
        c = profiles.get_customer(s, workspace.id, cid)
    assert c.email == "hanako@example.jp" and c.display_name == "花子 山田"
    assert c.birthday is not None and c.birthday.isoformat() == "1990-04-01"
    assert c.country == "JP" and c.traits["plan"] == "platinum"


def test_upsert_customers_is_idempotent_and_matches_email(
    runtime: Runtime, workspace: Workspace
) -> None:
    rows = [CustomerUpsert(external_id="c1", email="a@example.com", name="A"),
            CustomerUpsert(email="b@example.com", name="B", traits={"vip": True})]
    with runtime.sessions.begin() as s:
        first = profiles.upsert_customers(s, workspace.id, rows, T0)
    with runtime.sessions.begin() as s:
        second = profiles.upsert_customers(s, workspace.id, rows, T0)
        assert first == second
        assert profiles.count_customers(s, workspace.id) == 2
        assert s.scalar(select(func.count()).select_from(IdentityRow)) == 1
        page = profiles.search_customers(s, workspace.id, "B@EXAMPLE")
        assert [c.name for c in page.items] == ["B"] and page.total == 1


def test_search_escapes_like_wildcards(runtime: Runtime, workspace: Workspace) -> None:
    with runtime.sessions.begin() as s:
        profiles.upsert_customers(s, workspace.id, [
            CustomerUpsert(external_id="x1", name="100% cotton"),
            CustomerUpsert(external_id="x2", name="1000 cotton")], T0)
        assert [c.name for c in profiles.search_customers(s, workspace.id, "0%").items] == [
            "100% cotton"]


def test_merge_is_dated_by_the_message_that_caused_it(
    runtime: Runtime, workspace: Workspace
) -> None:
    with runtime.sessions.begin() as s:
        known, anon = profiles.resolve_customers(
            s, workspace.id, [IdentityRef(user_id="u"), IdentityRef(anonymous_id="a")], T0)
    identified_at = T0 - timedelta(days=400)  # a historical identify, loaded today
    with runtime.sessions.begin() as s:
        profiles.resolve_customers(s, workspace.id, [IdentityRef(user_id="u", anonymous_id="a")],
                                   T0, seen_at=[identified_at])
        [merge] = profiles.list_merges(s, workspace.id, known)
    assert merge.at == identified_at and merge.merged_customer_id == anon


def test_seen_window_widens_both_ways_for_existing_customers(
    runtime: Runtime, workspace: Workspace
) -> None:
    with runtime.sessions.begin() as s:
        a, b = profiles.resolve_customers(
            s, workspace.id, [IdentityRef(user_id="a"), IdentityRef(user_id="b")], T0)
    early, late = T0 - timedelta(days=9), T0 + timedelta(days=9)
    with runtime.sessions.begin() as s:
        profiles.resolve_customers(
            s, workspace.id,
            [IdentityRef(user_id="a"), IdentityRef(user_id="a"), IdentityRef(user_id="b")],
            T0, seen_at=[early, late, T0 + timedelta(seconds=1)],
        )
    with runtime.sessions.begin() as s:
        ca, cb = (profiles.get_customer(s, workspace.id, c) for c in (a, b))
    assert (ca.first_seen_at, ca.last_seen_at) == (early, late)
    assert (cb.first_seen_at, cb.last_seen_at) == (T0, T0 + timedelta(seconds=1))
