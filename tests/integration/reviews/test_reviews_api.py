"""The reviews facade against real SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kizuna.feedback.tables import FeedbackItemRow
from kizuna.ingest import api as ingest
from kizuna.reviews import api as reviews
from kizuna.reviews.contracts import Channel, ReviewFilter, ReviewInput, ReviewStatus
from kizuna.reviews.errors import (
    ReviewerUnknown,
    ReviewInvalid,
    ReviewLinkInvalid,
    ReviewNotFound,
)
from kizuna.runtime import Runtime
from kizuna.types import CustomerId
from tests.integration.reviews.shop import T0, Shop

LATER = T0 + timedelta(days=10)


def _events(runtime: Runtime, shop: Shop, customer: CustomerId) -> list[tuple[str, dict]]:
    with runtime.sessions() as s, s.begin():
        page = ingest.list_timeline(s, shop.workspace_id, customer, limit=100)
    return [(e.event or "", e.properties or {}) for e in page.entries
            if (e.event or "").startswith("Review")]


def test_verified_flag_and_one_review_per_customer_and_product(
    runtime: Runtime, shop: Shop
) -> None:
    ws = shop.workspace_id
    with runtime.sessions() as s, s.begin():
        tea = reviews.submit_review(s, ws, shop.aiko, ReviewInput(product_id="p-tea", rating=5),
                                    channel=Channel.API, at=LATER)
        cup = reviews.submit_review(s, ws, shop.aiko, ReviewInput(product_id="p-cup", rating=2),
                                    channel=Channel.API, at=LATER)
        pot = reviews.submit_review(s, ws, shop.ken, ReviewInput(product_id="p-tea", rating=4),
                                    channel=Channel.API, at=LATER)
        early = reviews.submit_review(
            s, ws, shop.aiko, ReviewInput(product_id="p-pot", rating=3), channel=Channel.API,
            at=LATER)
        # reviewed before the order was placed: not verified
        before = reviews.submit_review(
            s, ws, shop.aiko, ReviewInput(product_id="p-tea", rating=4, title="again"),
            channel=Channel.API, at=T0)
    assert tea.verified_purchase is True
    assert cup.verified_purchase is False  # the only order of it was cancelled
    assert pot.verified_purchase is False  # Ken never ordered tea
    assert early.verified_purchase is False  # nobody bought the pot
    assert before.id == tea.id and before.verified_purchase is False
    with runtime.sessions() as s, s.begin():
        first = reviews.submit_review(
            s, ws, shop.ken, ReviewInput(product_id="p-pot", rating=5, title="美味しい",
                                          body="香りが良い", locale="ja"),
            channel=Channel.API, at=LATER)
        reviews.moderate_review(s, ws, first.id, decision="approve", at=LATER)
        retry = reviews.submit_review(
            s, ws, shop.ken, ReviewInput(product_id="p-pot", rating=5, title="美味しい",
                                          body="香りが良い", locale="ja"),
            channel=Channel.API, at=LATER + timedelta(minutes=1))
        assert retry.version == 1 and retry.status is ReviewStatus.APPROVED  # a retry: no-op
        edited = reviews.submit_review(
            s, ws, shop.ken, ReviewInput(product_id="p-pot", rating=3, body="普通"),
            channel=Channel.API, at=LATER + timedelta(hours=1))
        listed = reviews.list_reviews(s, ws, ReviewFilter(customer_id=shop.ken,
                                                            product_id="p-pot"))
    assert edited.id == first.id and edited.version == 2
    assert edited.status is ReviewStatus.PENDING and edited.moderated_at is None
    assert listed.total == 1 and listed.items[0].rating == 3
    names = [name for name, props in _events(runtime, shop, shop.ken)
             if props["product_id"] == "p-pot"]
    assert sorted(names) == ["Review Approved", "Review Submitted", "Review Submitted"]
    with runtime.sessions() as s:
        item = s.scalar(select(FeedbackItemRow).where(FeedbackItemRow.kind == "review",
                                                      FeedbackItemRow.ref == str(first.id)))
        assert item is not None
        assert (item.ref, item.score_kind, item.score, item.text) == (
            str(first.id), "rating", 3, "普通")
        assert (item.product_id, item.category, item.customer_id) == ("p-pot", "Ware", shop.ken)


def test_moderation_flow_summary_and_public_list(runtime: Runtime, shop: Shop) -> None:
    ws = shop.workspace_id
    with runtime.sessions() as s, s.begin():
        a = reviews.submit_review(s, ws, shop.aiko, ReviewInput(product_id="p-tea", rating=5),
                                  channel=Channel.API, at=LATER)
        k = reviews.submit_review(s, ws, shop.ken, ReviewInput(product_id="p-tea", rating=2),
                                  channel=Channel.FORM, at=LATER + timedelta(minutes=5))
        queue = reviews.list_reviews(s, ws, ReviewFilter(status=ReviewStatus.PENDING),
                                     oldest_first=True)
        assert [r.id for r in queue.items] == [a.id, k.id]
        assert reviews.rating_summary(s, ws, "p-tea").n == 0  # nothing public yet
        outcome = reviews.approve_reviews(s, ws, [a.id, k.id], at=LATER)
        assert sorted(outcome.changed) == sorted([a.id, k.id])
        again = reviews.approve_reviews(s, ws, [a.id], at=LATER)
        assert again.changed == [] and again.unchanged == [a.id]
        with pytest.raises(ReviewInvalid) as bad:
            reviews.moderate_review(s, ws, k.id, decision="reject", reason="rude", at=LATER)
        assert bad.value.fields["field"] == "reason"
        with pytest.raises(ReviewInvalid) as no_note:
            reviews.moderate_review(s, ws, k.id, decision="reject", reason="other", at=LATER)
        assert no_note.value.fields["field"] == "note"
        rejected = reviews.moderate_review(s, ws, k.id, decision="reject", reason="off_topic",
                                           note="about shipping", at=LATER)
        assert rejected.status is ReviewStatus.REJECTED
        assert rejected.reject_reason is not None and rejected.reject_reason.value == "off_topic"
        summary = reviews.rating_summary(s, ws, "p-tea")
        public = reviews.list_product_reviews(s, ws, "p-tea")
        with pytest.raises(ReviewNotFound):
            reviews.moderate_review(s, ws, 999_999, decision="approve", at=LATER)
    assert (summary.n, summary.average, summary.verified_share) == (1, 5.0, 1.0)
    assert summary.distribution == {1: 0, 2: 0, 3: 0, 4: 0, 5: 1}
    assert [r.id for r in public.items] == [a.id]
    approved = [p for name, p in _events(runtime, shop, shop.aiko) if name == "Review Approved"]
    assert approved == [{"review_id": a.id, "product_id": "p-tea", "rating": 5,
                         "verified": True, "version": 1}]


def test_links_unknown_customers_and_bad_input(runtime: Runtime, shop: Shop) -> None:
    ws = shop.workspace_id
    with runtime.sessions() as s, s.begin():
        with pytest.raises(ReviewerUnknown) as unknown:
            reviews.submit_review(s, ws, CustomerId(987_654), ReviewInput(
                product_id="p-tea", rating=4), channel=Channel.API, at=LATER)
        assert unknown.value.fields["field"] == "customer_id"
        with pytest.raises(ReviewerUnknown) as nobody:
            reviews.resolve_reviewer(s, ws, user_id="u-nobody", anonymous_id=None)
        assert nobody.value.fields["field"] == "userId"
        assert reviews.resolve_reviewer(s, ws, user_id=None, anonymous_id="anon-ken") == shop.ken
        with pytest.raises(ReviewInvalid) as bad:
            reviews.submit_review(s, ws, shop.aiko, ReviewInput(
                product_id="p-tea", rating=2.5, photos=["javascript:alert(1)"]),
                channel=Channel.API, at=LATER)
        assert {e["field"] for e in bad.value.errors} == {"rating", "photos.0"}
        # an unknown product is accepted (the catalogue may arrive later), never verified
        review = reviews.submit_review(s, ws, shop.aiko, ReviewInput(
            product_id="p-not-yet-in-catalogue", rating=4), channel=Channel.API, at=LATER)
        assert review.verified_purchase is False
        assert not reviews.describe_product(s, ws, "p-not-yet-in-catalogue").known
    with runtime.sessions() as s, s.begin():
        link = reviews.issue_review_link(s, ws, shop.aiko, "p-tea", at=LATER, valid_days=7)
        short = reviews.issue_review_link(s, ws, shop.ken, "p-pot", at=LATER, valid_days=1)
        with pytest.raises(ReviewerUnknown):
            reviews.issue_review_link(s, ws, CustomerId(987_654), "p-tea", at=LATER)
    with runtime.sessions() as s, s.begin():
        grant = reviews.open_review_link(s, link.token, "p-tea", at=LATER)
        assert (grant.customer_id, grant.existing) == (shop.aiko, None)
        with pytest.raises(ReviewLinkInvalid):
            reviews.open_review_link(s, link.token, "p-cup", at=LATER)  # other product
        with pytest.raises(ReviewLinkInvalid):
            reviews.open_review_link(s, "rv_forged", "p-tea", at=LATER)
        with pytest.raises(ReviewLinkInvalid) as expired:
            reviews.open_review_link(s, short.token, "p-pot", at=LATER + timedelta(days=2))
        assert expired.value.fields["reason"] == "expired"
        review = reviews.submit_review_with_link(
            s, link.token, ReviewInput(product_id="p-tea", rating=4, body="good"),
            at=LATER + timedelta(hours=1))
        assert review.channel == "form" and review.verified_purchase is True
    with runtime.sessions() as s, s.begin():
        with pytest.raises(ReviewLinkInvalid) as used:
            reviews.submit_review_with_link(
                s, link.token, ReviewInput(product_id="p-tea", rating=1),
                at=LATER + timedelta(hours=2))
        assert used.value.fields["reason"] == "used"


def test_a_profile_merge_keeps_both_reviews(runtime: Runtime, shop: Shop, write_key: str) -> None:
    """An anonymous visitor reviews, then logs in as a customer who reviewed the same product:
    the identify call that merges the two profiles must not fail on the reviews."""
    ws = shop.workspace_id
    with runtime.sessions() as s, s.begin():
        source = ingest.find_source_by_write_key(s, write_key)
        assert source is not None
        ingest.ingest_messages(s, source=source, received_at=LATER, messages=[
            {"type": "page", "messageId": "m-anon", "anonymousId": "anon-new",
             "timestamp": LATER.isoformat()}])
        anon = reviews.resolve_reviewer(s, ws, user_id=None, anonymous_id="anon-new")
        old = reviews.submit_review(s, ws, anon, ReviewInput(product_id="p-tea", rating=2),
                                    channel=Channel.API, at=LATER)
        mine = reviews.submit_review(s, ws, shop.aiko, ReviewInput(product_id="p-tea", rating=5),
                                     channel=Channel.API, at=LATER + timedelta(minutes=1))
    with runtime.sessions() as s, s.begin():
        ingest.ingest_messages(s, source=source, received_at=LATER, messages=[
            {"type": "identify", "messageId": "m-login", "userId": "u-aiko",
             "anonymousId": "anon-new", "timestamp": (LATER + timedelta(hours=1)).isoformat()}])
    with runtime.sessions() as s, s.begin():
        both = reviews.list_reviews(s, ws, ReviewFilter(customer_id=shop.aiko,
                                                        product_id="p-tea"))
        assert sorted(r.id for r in both.items) == sorted([old.id, mine.id])
        edited = reviews.submit_review(s, ws, shop.aiko, ReviewInput(product_id="p-tea",
                                                                     rating=4),
                                       channel=Channel.API, at=LATER + timedelta(hours=2))
    assert edited.id == mine.id and edited.version == 2


def test_a_rejected_review_leaves_the_inbox_and_returns_when_approved(
    runtime: Runtime, shop: Shop
) -> None:
    """Regression: a review rejected for personal data (or spam) stayed in the feedback inbox,
    its themes and key phrases."""
    ws = shop.workspace_id

    def inbox_texts() -> list[str]:
        with runtime.sessions() as s:
            return [r.text for r in s.scalars(select(FeedbackItemRow).where(
                FeedbackItemRow.kind == "review"))]

    with runtime.sessions() as s, s.begin():
        review = reviews.submit_review(
            s, ws, shop.ken, ReviewInput(product_id="p-tea", rating=1,
                                         body="Call me on 090-1234-5678, Ken Tanaka"),
            channel=Channel.API, at=LATER)
    assert inbox_texts() == ["Call me on 090-1234-5678, Ken Tanaka"]
    with runtime.sessions() as s, s.begin():
        reviews.moderate_review(s, ws, review.id, decision="reject", reason="personal_data",
                                at=LATER)
    assert inbox_texts() == []
    with runtime.sessions() as s, s.begin():
        reviews.moderate_review(s, ws, review.id, decision="approve", at=LATER)
    assert inbox_texts() == ["Call me on 090-1234-5678, Ken Tanaka"]
