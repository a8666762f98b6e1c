"""Feedback test data, written through the real facades."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from kizuna.feedback import api as feedback
from kizuna.feedback.contracts import FeedbackInput
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.runtime import Runtime
from kizuna.types import CustomerId, WorkspaceId

T0 = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)
XSS = "<script>alert('x')</script>"


def customers(runtime: Runtime, ws: WorkspaceId, n: int) -> list[CustomerId]:
    with runtime.sessions.begin() as s:
        return profiles.upsert_customers(
            s, ws,
            [CustomerUpsert(external_id=f"c-{i}", email=f"c{i}@example.org", name=f"Customer {i}")
             for i in range(n)],
            T0 - timedelta(days=10),
        )


def answer(
    runtime: Runtime, ws: WorkspaceId, ref: str, text: str, *, score: int | None = None,
    score_kind: str | None = "nps", customer: CustomerId | None = None, anonymous: bool = False,
    day: int = 0, locale: str | None = None, kind: str = "survey_response",
    product_id: str | None = None, category: str | None = None,
) -> int:
    at = T0 + timedelta(days=day)
    with runtime.sessions.begin() as s:
        return feedback.record_feedback(s, ws, FeedbackInput(
            kind=kind, ref=ref, text=text, received_on=date(at.year, at.month, at.day),
            received_at=None if anonymous else at, customer_id=customer, anonymous=anonymous,
            score_kind=score_kind if score is not None else None, score=score, locale=locale,
            subject="Post-purchase survey", product_id=product_id, category=category,
        ))
