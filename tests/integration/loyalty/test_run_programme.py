"""``run_programme`` end to end on SQLite and PostgreSQL, with orders, reviews, survey
answers, shipped ideas, referral events and birthdays created through their own facades."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from kizuna.commerce import api as commerce
from kizuna.ideas import api as ideas
from kizuna.ideas.contracts import IdeaInput
from kizuna.ingest import api as ingest
from kizuna.loyalty import api as loyalty
from kizuna.loyalty.contracts import EntryKind, ProgrammeRun, TierBasis
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.reviews import api as reviews
from kizuna.reviews.contracts import Channel, ReviewInput
from kizuna.runtime import Runtime
from kizuna.surveys import api as surveys
from kizuna.surveys.contracts import Channel as SurveyChannel
from kizuna.surveys.contracts import ResponseStart
from kizuna.types import CustomerId, WorkspaceId
from kizuna.workspaces.contracts import Workspace
from tests.integration.loyalty.shop import T0, customers, order, programme, reward
from tests.unit.surveys.examples import NPS_DOC

DAY = timedelta(days=1)


def _run(runtime: Runtime, ws: WorkspaceId, at: datetime) -> ProgrammeRun:
    with runtime.sessions() as s, s.begin():
        return loyalty.run_programme(s, ws, now=at)


def _entries(runtime: Runtime, ws: WorkspaceId, c: CustomerId) -> list[tuple[str, int, str]]:
    with runtime.sessions() as s, s.begin():
        page = loyalty.member_history(s, ws, c, page_size=200)
    return sorted((e.kind.value, e.points, e.source_key) for e in page.items)


def test_orders_earn_once_and_cancellations_take_back(runtime: Runtime,
                                                     workspace: Workspace) -> None:
    ws = workspace.id
    with runtime.sessions() as s, s.begin():
        programme(s, ws)
        aiko, ken = customers(s, ws, "u-aiko", "u-ken")
        loyalty.enrol(s, ws, aiko, channel="api", now=T0)
        order(s, ws, aiko, "o-before", 9000, T0 - DAY)  # before joining: nothing
        order(s, ws, aiko, "o-1", "10000.90", T0 + DAY)
        order(s, ws, aiko, "o-2", 5000, T0 + 2 * DAY)
        order(s, ws, ken, "o-ken", 7000, T0 + DAY)  # not a member: nothing
        order(s, ws, aiko, "o-void", 3000, T0 + DAY, status="cancelled")
    first = _run(runtime, ws, T0 + 3 * DAY)
    assert (first.orders_earned, first.points_earned) == (2, 15000)
    assert first.bonuses == {"first_order": 1} and first.badges == 1
    ledger = _entries(runtime, ws, aiko)
    again = _run(runtime, ws, T0 + 3 * DAY + timedelta(minutes=1))
    assert (again.orders_earned, again.reversals, again.bonuses, again.badges) == (0, 0, {}, 0)
    assert _entries(runtime, ws, aiko) == ledger
    assert ("earn", 10000, "order:o-1") in ledger and ("bonus", 100, "bonus:first_order:"
                                                       f"{aiko}") in ledger
    with runtime.sessions() as s, s.begin():
        reward(s, ws, "big", 12000)
        loyalty.redeem_reward(s, ws, aiko, "big", idempotency_key="r1", now=T0 + 4 * DAY)
        assert commerce.cancel_order(s, ws, "o-1", T0 + 5 * DAY)
        order(s, ws, aiko, "o-ret", -1000, T0 + 5 * DAY)  # a return: takes back 1000
    cancelled = _run(runtime, ws, T0 + 5 * DAY)
    assert cancelled.reversals == 2
    with runtime.sessions() as s, s.begin():
        history = loyalty.member_history(s, ws, aiko, page_size=200).items
        summary = loyalty.member_summary(s, ws, aiko, now=T0 + 5 * DAY)
    reverse = {e.source_key: e for e in history if e.kind == EntryKind.REVERSE}
    assert summary is not None and summary.balance == 0 == sum(e.points for e in history)
    took = -reverse["reverse:order:o-1"].points - reverse["reverse:order:o-ret"].points
    assert took == 3100  # what was left of 15100 after the 12000 reward
    assert sum(e.details["unrecovered"] for e in reverse.values()) == 11000 - 3100
    assert _run(runtime, ws, T0 + 6 * DAY).reversals == 0


def test_tiers_go_up_and_down_with_dates(runtime: Runtime, workspace: Workspace) -> None:
    ws = workspace.id
    with runtime.sessions() as s, s.begin():
        programme(s, ws, bonus_rules={})
        (aiko,) = customers(s, ws, "u-aiko")
        loyalty.enrol(s, ws, aiko, channel="api", now=T0)
        order(s, ws, aiko, "o-1", 60000, T0 + DAY)
    assert _run(runtime, ws, T0 + 2 * DAY).tier_changes == 1
    with runtime.sessions() as s, s.begin():
        order(s, ws, aiko, "o-2", 1000, T0 + 3 * DAY)  # earns at silver: 1.25×
        order(s, ws, aiko, "o-3", 100000, T0 + 4 * DAY)
    _run(runtime, ws, T0 + 5 * DAY)
    with runtime.sessions() as s, s.begin():
        gold = loyalty.member_summary(s, ws, aiko, now=T0 + 5 * DAY)
        history = loyalty.member_history(s, ws, aiko).items
    assert gold is not None and gold.tier == "gold" and gold.next_tier is None
    assert gold.qualifying == Decimal(161000)
    assert {b.key for b in gold.badges} >= {"gold_member", "first_order"}
    earned = {e.source_key: e.points for e in history}
    assert earned["order:o-2"] == 1250 and earned["order:o-3"] == 125000
    # a year later the window is empty: down to member on the first run after that
    late = T0 + 370 * DAY
    assert _run(runtime, ws, late).tier_changes == 1
    with runtime.sessions() as s, s.begin():
        changes = loyalty.tier_history(s, ws, aiko)
        member = loyalty.member_summary(s, ws, aiko, now=late)
    assert [(c.from_tier, c.to_tier, c.reason) for c in changes] == [
        ("member", "silver", "upgrade"), ("silver", "gold", "upgrade"),
        ("gold", "member", "downgrade")]
    assert [c.changed_at for c in changes] == [T0 + 2 * DAY, T0 + 5 * DAY, late]
    assert member is not None and member.tier_since == late
    assert member.missing_for_next == Decimal(50000)


def test_points_basis_and_expiry_first_in_first_out(runtime: Runtime,
                                                   workspace: Workspace) -> None:
    ws = workspace.id
    with runtime.sessions() as s, s.begin():
        programme(s, ws, bonus_rules={}, tier_basis=TierBasis.POINTS)
        (aiko,) = customers(s, ws, "u-aiko")
        loyalty.enrol(s, ws, aiko, channel="api", now=T0)
        order(s, ws, aiko, "o-a", 1000, T0)
        order(s, ws, aiko, "o-b", 500, T0 + 180 * DAY)
        reward(s, ws, "r", 1200)
    _run(runtime, ws, T0 + 181 * DAY)
    with runtime.sessions() as s, s.begin():
        loyalty.redeem_reward(s, ws, aiko, "r", idempotency_key="r", now=T0 + 200 * DAY)
        soon = loyalty.member_summary(s, ws, aiko, now=T0 + 160 * DAY + 365 * DAY)
    assert soon is not None and soon.expiring_points == 300  # lot A is used up; B expires
    assert _run(runtime, ws, T0 + 366 * DAY).expired_points == 0  # lot A was spent first
    run = _run(runtime, ws, T0 + 182 * DAY + 365 * DAY)
    assert (run.expired_entries, run.expired_points) == (1, 300)
    assert _run(runtime, ws, T0 + 600 * DAY).expired_points == 0
    with runtime.sessions() as s, s.begin():
        summary = loyalty.member_summary(s, ws, aiko, now=T0 + 600 * DAY)
    assert summary is not None and summary.balance == 0


def test_engagement_bonuses_and_badges_once(runtime: Runtime, workspace: Workspace,
                                           write_key: str) -> None:
    ws = workspace.id
    with runtime.sessions() as s, s.begin():
        programme(s, ws)
        aiko, ken = customers(s, ws, "u-aiko", "u-ken")
        loyalty.enrol(s, ws, aiko, channel="api", now=T0)
        review = reviews.submit_review(s, ws, aiko, ReviewInput(product_id="p-tea", rating=5),
                                       channel=Channel.API, at=T0 + DAY)
        reviews.approve_reviews(s, ws, [review.id], at=T0 + DAY)
        survey = surveys.create_survey(s, ws, surveys.parse_definition(NPS_DOC), at=T0,
                                       status="active")
        surveys.answer_survey(s, ws, survey.key, {"nps": 9},
                              ResponseStart(channel=SurveyChannel.IN_APP, customer_id=aiko),
                              at=T0 + DAY)
        idea = ideas.submit_idea(s, ws, aiko, IdeaInput(title="Gift wrap", body=""), T0)
        for status in ("under_review", "planned", "shipped"):
            ideas.change_status(s, ws, idea.id, status, changed_by="kim", at=T0 + DAY)
        kens_idea = ideas.submit_idea(s, ws, ken, IdeaInput(title="Tea club", body=""), T0)
        for status in ("under_review", "planned", "shipped"):
            ideas.change_status(s, ws, kens_idea.id, status, changed_by="kim", at=T0 + DAY)
        source = ingest.find_source_by_write_key(s, write_key)
        assert source is not None
        ingest.ingest_messages(s, source=source, received_at=T0 + DAY, messages=[
            {"type": "track", "messageId": "ref-1", "userId": "u-aiko",
             "event": "Referral Completed", "timestamp": (T0 + DAY).isoformat(),
             "properties": {"referred_user_id": "u-new"}}])
    run = _run(runtime, ws, T0 + 2 * DAY)
    assert run.bonuses == {"review": 1, "survey_response": 1, "idea_shipped": 1,
                           "referral": 1}
    assert run.badges == 4
    again = _run(runtime, ws, T0 + 2 * DAY)
    assert (again.bonuses, again.badges) == ({}, 0)
    with runtime.sessions() as s, s.begin():
        summary = loyalty.member_summary(s, ws, aiko, now=T0 + 2 * DAY)
        assert loyalty.member_summary(s, ws, ken, now=T0 + 2 * DAY) is None
    assert summary is not None
    assert {b.key for b in summary.badges} == {"first_review", "survey_voice", "idea_shipped",
                                               "referrer"}
    assert summary.balance == 20 + 10 + 150 + 200


def test_birthday_in_the_customers_time_zone(runtime: Runtime, workspace: Workspace) -> None:
    ws = workspace.id
    with runtime.sessions() as s, s.begin():
        programme(s, ws, bonus_rules={"birthday": 100})
        tokyo, utc = profiles.upsert_customers(s, ws, [
            CustomerUpsert(external_id="u-tokyo", birthday=date(1990, 3, 2),
                           timezone="Asia/Tokyo"),
            CustomerUpsert(external_id="u-utc", birthday=date(1990, 3, 2), timezone="UTC")], T0)
        for c in (tokyo, utc):
            loyalty.enrol(s, ws, c, channel="api", now=T0)
    # 1 March 16:00 UTC is already 2 March 01:00 in Tokyo
    assert _run(runtime, ws, T0.replace(hour=16)).bonuses == {"birthday": 1}
    assert _entries(runtime, ws, utc) == []
    assert _run(runtime, ws, T0.replace(hour=17)).bonuses == {}
    next_day = T0.replace(day=2, hour=1)
    assert _run(runtime, ws, next_day).bonuses == {"birthday": 1}
    assert _run(runtime, ws, next_day + timedelta(hours=3)).bonuses == {}
    assert [k for _, _, k in _entries(runtime, ws, tokyo)] == [f"bonus:birthday:{tokyo}:2026"]


def test_profile_merge_of_two_members(runtime: Runtime, workspace: Workspace) -> None:
    ws = workspace.id
    with runtime.sessions() as s, s.begin():
        programme(s, ws)
        old, new = customers(s, ws, "u-old", "u-new")
        for c, ext in ((old, "o-old"), (new, "o-new")):
            loyalty.enrol(s, ws, c, channel="api", now=T0)
            order(s, ws, c, ext, 1000, T0 + DAY)
    _run(runtime, ws, T0 + 2 * DAY)
    with runtime.sessions() as s, s.begin():
        assert profiles.alias(s, ws, previous_id="u-old", user_id="u-new", at=T0 + 3 * DAY) == new
        order(s, ws, new, "o-after", 500, T0 + 3 * DAY)
    assert _run(runtime, ws, T0 + 4 * DAY).badges == 0  # first_order is already held
    with runtime.sessions() as s, s.begin():
        summary = loyalty.member_summary(s, ws, new, now=T0 + 4 * DAY)
        members = loyalty.list_members(s, ws, now=T0 + 4 * DAY)
        assert loyalty.member_summary(s, ws, old, now=T0 + 4 * DAY) is None
        reward(s, ws, "r", 2600)  # the survivor spends the merged balance
        spent = loyalty.redeem_reward(s, ws, new, "r", idempotency_key="m", now=T0 + 4 * DAY)
    assert summary is not None
    assert summary.balance == 1000 + 1000 + 500 + 2 * 100
    assert [b.key for b in summary.badges] == ["first_order"]
    assert members.total == 1 and [m.customer_id for m in members.items] == [new]
    assert spent.points == 2600


def test_an_order_committed_late_below_the_cursor_still_earns(runtime: Runtime,
                                                              workspace: Workspace) -> None:
    """PostgreSQL hands out ids at insert: an order can commit after a higher id was seen."""
    from sqlalchemy import update

    from kizuna.loyalty.tables import LoyaltyProgramRow

    ws = workspace.id
    with runtime.sessions() as s, s.begin():
        programme(s, ws, bonus_rules={})
        (aiko,) = customers(s, ws, "u-aiko")
        loyalty.enrol(s, ws, aiko, channel="api", now=T0)
        order(s, ws, aiko, "o-1", 100, T0)
    _run(runtime, ws, T0 + DAY)
    with runtime.sessions() as s, s.begin():
        row = s.get(LoyaltyProgramRow, ws)
        assert row is not None
        ahead = {**row.cursors, "orders": int(row.cursors["orders"]) + 5}
        s.execute(update(LoyaltyProgramRow).where(LoyaltyProgramRow.workspace_id == ws)
                  .values(cursors=ahead))
        order(s, ws, aiko, "o-late", 200, T0 + DAY)
    assert _run(runtime, ws, T0 + 2 * DAY).orders_earned == 1
    assert ("earn", 200, "order:o-late") in _entries(runtime, ws, aiko)
