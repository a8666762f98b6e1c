"""Facade of the reviews domain: submit, moderate and publish product reviews.

A review belongs to one customer and one product (its external id, as in ``commerce``); a
second submission for the same pair edits the first, which then waits for moderation again.
Every submission is written to the customer's timeline (``Review Submitted``) and to the
voice-of-customer inbox; an approval adds ``Review Approved``. Only approved reviews are
public.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from kizuna.clock import ensure_aware_utc
from kizuna.commerce import api as commerce
from kizuna.feedback import api as feedback
from kizuna.feedback.contracts import FeedbackInput
from kizuna.ids import hash_secret
from kizuna.ingest import api as ingest
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import IdentityRef
from kizuna.profiles.errors import CustomerNotFound
from kizuna.reviews import logic, store
from kizuna.reviews.contracts import (
    Channel,
    LinkGrant,
    ModerationOutcome,
    Page,
    ProductInfo,
    RatingSummary,
    Review,
    ReviewFilter,
    ReviewInput,
    ReviewLink,
    ReviewStatus,
)
from kizuna.reviews.errors import ReviewerUnknown, ReviewInvalid, ReviewLinkInvalid
from kizuna.reviews.tables import ReviewRow
from kizuna.types import CustomerId, UserId, WorkspaceId

__all__ = [
    "approve_reviews",
    "check_review",
    "describe_product",
    "get_review",
    "issue_review_link",
    "list_product_reviews",
    "list_reviews",
    "moderate_review",
    "open_review_link",
    "rating_summary",
    "resolve_reviewer",
    "review_counts",
    "submit_review",
    "submit_review_with_link",
]

MAX_PAGE_SIZE = 200
DEFAULT_LINK_DAYS = 30
MAX_LINK_DAYS = 365


def resolve_reviewer(
    session: Session, workspace_id: WorkspaceId, *, user_id: str | None,
    anonymous_id: str | None,
) -> CustomerId:
    """The customer a client names by ``userId`` / ``anonymousId``; never creates one."""
    if not user_id and not anonymous_id:
        raise ReviewerUnknown("Name the reviewer with userId or anonymousId.", field="userId")
    found = profiles.find_customer_id(
        session, workspace_id, IdentityRef(user_id=user_id or None,
                                           anonymous_id=anonymous_id or None))
    if found is None:
        field = "userId" if user_id else "anonymousId"
        raise ReviewerUnknown(
            f"No customer has this {field}; send their identify call (or any event) first.",
            field=field)
    return found


def _customer(session: Session, workspace_id: WorkspaceId, customer_id: CustomerId) -> CustomerId:
    try:
        return profiles.get_customer(session, workspace_id, customer_id).id
    except CustomerNotFound:
        raise ReviewerUnknown(f"Customer {customer_id} does not exist.", field="customer_id",
                              customer_id=customer_id) from None


def check_review(raw: ReviewInput) -> None:
    """Raise ``ReviewInvalid`` (naming every bad field) unless ``raw`` is a valid review."""
    logic.clean_review(raw)


def describe_product(session: Session, workspace_id: WorkspaceId, product_id: str) -> ProductInfo:
    """The product's name and category from the catalogue (``known=False`` if never seen)."""
    product = commerce.find_product(session, workspace_id, product_id)
    if product is None:
        return ProductInfo(external_id=product_id, name=None, category=None, known=False)
    return ProductInfo(external_id=product_id, name=product.name, category=product.category,
                       known=True)


def submit_review(
    session: Session,
    workspace_id: WorkspaceId,
    customer_id: CustomerId,
    raw: ReviewInput,
    *,
    channel: Channel,
    at: datetime,
) -> Review:
    """Store the customer's review of a product (or edit their earlier one: it goes back to
    pending). Records ``Review Submitted`` on their timeline and the text in the inbox."""
    at = ensure_aware_utc(at)
    clean = logic.clean_review(raw)
    cid = _customer(session, workspace_id, customer_id)
    verified = commerce.has_purchased(session, workspace_id, cid, clean.product_id, before=at)
    store.lock_pair(session, workspace_id, cid, clean.product_id)
    row = store.find_row(session, workspace_id, cid, clean.product_id)
    content = {"rating": clean.rating, "title": clean.title, "body": clean.body,
               "photos": list(clean.photos), "locale": clean.locale}
    if row is not None and all(getattr(row, k) == v for k, v in content.items()) \
            and row.verified_purchase == verified:
        return store.to_review(row)  # the same review sent again (a retry): nothing changes
    if row is None:
        row = store.insert(session, {
            "workspace_id": workspace_id, "customer_id": cid, "product_id": clean.product_id,
            **content, "verified_purchase": verified, "channel": channel.value,
            "status": ReviewStatus.PENDING.value, "version": 1, "created_at": at,
            "submitted_at": at, "attributes": {},
        })
    else:
        for key, value in content.items():
            setattr(row, key, value)
        row.verified_purchase = verified
        row.channel = channel.value
        row.status = ReviewStatus.PENDING.value
        row.reject_reason = row.moderation_note = None
        row.moderated_by = row.moderated_at = None
        row.version += 1
        row.submitted_at = at
        session.flush()
    ingest.record_customer_event(
        session, workspace_id, customer_id=cid, event="Review Submitted",
        properties={"review_id": row.id, "product_id": row.product_id, "rating": row.rating,
                    "verified": row.verified_purchase, "status": row.status,
                    "version": row.version, "channel": row.channel},
        at=at, message_id=f"review:{row.id}:{row.version}",
    )
    _to_inbox(session, workspace_id, row, at)
    return store.to_review(row)


def _to_inbox(session: Session, workspace_id: WorkspaceId, row: ReviewRow, at: datetime) -> None:
    """The review's text in the voice-of-customer inbox (withdrawn again when rejected)."""
    product = describe_product(session, workspace_id, row.product_id)
    text = "\n\n".join(part for part in (row.title, row.body) if part)
    feedback.record_feedback(session, workspace_id, FeedbackInput(
        kind="review", ref=str(row.id), text=text, received_on=at.date(), received_at=at,
        customer_id=CustomerId(row.customer_id), score_kind="rating", score=row.rating,
        locale=row.locale, subject=product.name or row.product_id, product_id=row.product_id,
        category=product.category,
        attributes={"verified_purchase": row.verified_purchase, "title": row.title,
                    "photos": list(row.photos or [])},
    ))


def get_review(session: Session, workspace_id: WorkspaceId, review_id: int) -> Review:
    return store.to_review(store.get_row(session, workspace_id, review_id))


def list_reviews(
    session: Session,
    workspace_id: WorkspaceId,
    where: ReviewFilter | None = None,
    *,
    page: int = 1,
    page_size: int = 50,
    oldest_first: bool = False,
) -> Page[Review]:
    """Reviews matching ``where``; newest first, or oldest first (the moderation queue)."""
    page, page_size = max(1, page), min(max(1, page_size), MAX_PAGE_SIZE)
    return store.list_reviews(session, workspace_id, where or ReviewFilter(), page=page,
                              page_size=page_size, oldest_first=oldest_first)


def list_product_reviews(
    session: Session, workspace_id: WorkspaceId, product_id: str, *, page: int = 1,
    page_size: int = 20,
) -> Page[Review]:
    """The public reviews of a product: approved only, newest first."""
    return list_reviews(session, workspace_id,
                        ReviewFilter(status=ReviewStatus.APPROVED, product_id=product_id),
                        page=page, page_size=page_size)


def rating_summary(session: Session, workspace_id: WorkspaceId, product_id: str) -> RatingSummary:
    """Average (95 % interval, n), distribution 1..5 and verified share of approved reviews."""
    return logic.summarise(product_id, store.rating_counts(session, workspace_id, product_id))


def review_counts(session: Session, workspace_id: WorkspaceId) -> dict[str, int]:
    """Number of reviews per status (pending, approved, rejected)."""
    return store.count_by_status(session, workspace_id)


def _approve(session: Session, workspace_id: WorkspaceId, row: ReviewRow,
             moderator: UserId | None, at: datetime) -> bool:
    if row.status == ReviewStatus.APPROVED.value:
        return False
    if row.status == ReviewStatus.REJECTED.value:  # its text was withdrawn from the inbox
        _to_inbox(session, workspace_id, row, row.submitted_at)
    row.status = ReviewStatus.APPROVED.value
    row.reject_reason = row.moderation_note = None
    row.moderated_by, row.moderated_at = moderator, at
    ingest.record_customer_event(
        session, workspace_id, customer_id=row.customer_id, event="Review Approved",
        properties={"review_id": row.id, "product_id": row.product_id, "rating": row.rating,
                    "verified": row.verified_purchase, "version": row.version},
        at=at, message_id=f"review:{row.id}:{row.version}:approved",
    )
    return True


def moderate_review(
    session: Session,
    workspace_id: WorkspaceId,
    review_id: int,
    *,
    decision: str,
    reason: str | None = None,
    note: str | None = None,
    moderator: UserId | None = None,
    at: datetime,
) -> Review:
    """Approve or reject (with a reason from the fixed list, and a note for ``other``)."""
    at = ensure_aware_utc(at)
    if decision not in ("approve", "reject"):
        raise ReviewInvalid([{"field": "decision", "message": "must be 'approve' or 'reject'"}])
    [row] = store.lock_rows(session, workspace_id, [review_id])
    if decision == "approve":
        _approve(session, workspace_id, row, moderator, at)
    else:
        code, text = logic.clean_reason(reason, note)
        row.status = ReviewStatus.REJECTED.value
        row.reject_reason, row.moderation_note = code.value, text
        # Spam, offensive text or personal data must not stay in the inbox and its themes.
        feedback.withdraw_feedback(session, workspace_id, kind="review", ref=str(row.id))
        row.moderated_by, row.moderated_at = moderator, at
    session.flush()
    return store.to_review(row)


def approve_reviews(
    session: Session,
    workspace_id: WorkspaceId,
    review_ids: Sequence[int],
    *,
    moderator: UserId | None = None,
    at: datetime,
) -> ModerationOutcome:
    """Approve several reviews at once (already approved ones are left as they are)."""
    at = ensure_aware_utc(at)
    ids = sorted(set(review_ids))
    outcome = ModerationOutcome()
    for row in store.lock_rows(session, workspace_id, ids) if ids else []:
        changed = _approve(session, workspace_id, row, moderator, at)
        (outcome.changed if changed else outcome.unchanged).append(row.id)
    session.flush()
    return outcome


# --- signed review links --------------------------------------------------------------------


def issue_review_link(
    session: Session,
    workspace_id: WorkspaceId,
    customer_id: CustomerId,
    product_id: str,
    *,
    at: datetime,
    valid_days: int = DEFAULT_LINK_DAYS,
) -> ReviewLink:
    """A single-use link token inviting the customer to review the product (e.g. for a
    post-purchase email). The token is returned once; only its hash is stored."""
    at = ensure_aware_utc(at)
    product = product_id.strip() if isinstance(product_id, str) else ""
    if not product or len(product) > 200:
        raise ReviewInvalid([{"field": "product_id", "message": "is required (≤ 200 chars)"}])
    if not 1 <= valid_days <= MAX_LINK_DAYS:
        raise ReviewInvalid([{"field": "valid_days",
                              "message": f"must be from 1 to {MAX_LINK_DAYS}"}])
    cid = _customer(session, workspace_id, customer_id)
    token = "rv_" + secrets.token_urlsafe(24)
    expires = at + timedelta(days=valid_days)
    store.insert_link(session, {
        "workspace_id": workspace_id, "customer_id": cid, "product_id": product,
        "token_hash": hash_secret(token), "created_at": at, "expires_at": expires,
    })
    return ReviewLink(token=token, customer_id=cid, product_id=product, expires_at=expires)


def open_review_link(
    session: Session, token: str, product_id: str, *, at: datetime, lock: bool = False
) -> LinkGrant:
    """What the link allows, or ``ReviewLinkInvalid`` (unknown, used, expired, other product)."""
    if not token or len(token) > 200:
        raise ReviewLinkInvalid(field="t")
    link = store.find_link(session, hash_secret(token), lock=lock)
    if link is None or link.product_id != product_id:
        raise ReviewLinkInvalid(field="t")
    if link.used_at is not None:
        raise ReviewLinkInvalid("This review link was already used.", field="t", reason="used")
    if link.expires_at <= ensure_aware_utc(at):
        raise ReviewLinkInvalid("This review link has expired.", field="t", reason="expired")
    workspace_id = WorkspaceId(link.workspace_id)
    row = store.find_row(session, workspace_id, CustomerId(link.customer_id), link.product_id)
    return LinkGrant(link_id=link.id, workspace_id=workspace_id,
                     customer_id=CustomerId(link.customer_id), product_id=link.product_id,
                     expires_at=link.expires_at,
                     existing=store.to_review(row) if row is not None else None)


def submit_review_with_link(
    session: Session, token: str, raw: ReviewInput, *, at: datetime
) -> Review:
    """Submit through a review link (the public form); the link is then used up."""
    product_id = raw.product_id if isinstance(raw.product_id, str) else ""
    grant = open_review_link(session, token, product_id, at=at, lock=True)
    review = submit_review(session, grant.workspace_id, grant.customer_id, raw,
                           channel=Channel.FORM, at=at)
    if not store.mark_link_used(session, grant.link_id, review.id, at):
        raise ReviewLinkInvalid("This review link was already used.", field="t", reason="used")
    return review


def approved_since(
    session: Session, workspace_id: WorkspaceId, *, after: tuple[datetime, int] | None,
    limit: int,
) -> list[tuple[int, CustomerId, datetime]]:
    """Approved reviews after the (moderated_at, id) mark, in that order: (id, customer,
    approved at). For the loyalty programme's review bonus."""
    from sqlalchemy import select

    query = select(ReviewRow.id, ReviewRow.customer_id, ReviewRow.moderated_at).where(
        ReviewRow.workspace_id == workspace_id, ReviewRow.status == ReviewStatus.APPROVED.value,
        ReviewRow.moderated_at.is_not(None))
    if after is not None:
        at, last_id = after
        query = query.where((ReviewRow.moderated_at > at)
                            | ((ReviewRow.moderated_at == at) & (ReviewRow.id > last_id)))
    rows = session.execute(query.order_by(ReviewRow.moderated_at, ReviewRow.id).limit(limit))
    return [(int(i), CustomerId(c), at) for i, c, at in rows if at is not None]
