"""The demo's surveys, reviews, idea board and inbox, loaded through the real facades."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select

from kizuna.db.engine import transaction
from kizuna.demo import listen, load
from kizuna.demo.generate import DemoData, generate_demo
from kizuna.feedback.tables import FeedbackItemRow
from kizuna.ideas.tables import IdeaRow
from kizuna.ingest.tables import EventRow
from kizuna.reviews.tables import ReviewRow
from kizuna.runtime import Runtime
from kizuna.surveys import api as surveys
from kizuna.surveys.tables import SurveyResponseRow

SEED = 7


@pytest.fixture(scope="module")
def data() -> DemoData:
    return generate_demo(customers=60, seed=SEED, anchor=date(2026, 11, 23))


def test_answers_become_survey_responses_with_one_event_each(
    runtime: Runtime, data: DemoData
) -> None:
    with transaction(runtime.sessions) as session:
        access = load.ensure_demo_access(session, runtime.clock, secret="s3cret", seed=SEED)
    report = load.load_demo(runtime.sessions, access=access, data=data, clock=runtime.clock)
    generated = Counter(
        (m.get("properties") or {}).get("survey_type")
        for m in data.messages if m.get("event") == "Survey Responded")
    assert generated["nps"] > 0 and generated["csat"] > 0
    ws = access.workspace_id
    with transaction(runtime.sessions) as session:
        by_key = {s.key: s for s in surveys.list_surveys(session, ws)}
        assert set(by_key) >= {listen.NPS_KEY, listen.CSAT_KEY, listen.ENPS_KEY}
        for key, kind in ((listen.NPS_KEY, "nps"), (listen.CSAT_KEY, "csat")):
            done = surveys.list_responses(session, ws, by_key[key].id, limit=5000)
            assert len(done) == generated[kind]
        # Each answer is one Survey Responded event on the timeline, not two.
        events = session.scalar(select(func.count()).select_from(EventRow).where(
            EventRow.event == "Survey Responded")) or 0
        assert events == generated["nps"] + generated["csat"]
        # Staff answers are anonymous: no customer, no event, no time of day.
        anonymous = session.scalars(select(SurveyResponseRow).where(
            SurveyResponseRow.survey_id == by_key[listen.ENPS_KEY].id)).all()
        assert len(anonymous) == 30
        assert all(r.customer_id is None for r in anonymous)

        reviews = session.scalars(select(ReviewRow)).all()
        generated_reviews = [m for m in data.messages if m.get("event") == "Review Submitted"]
        assert len(reviews) == len({(m["userId"], m["properties"]["product_id"])
                                    for m in generated_reviews})
        statuses = Counter(r.status for r in reviews)
        assert statuses["approved"] > 0
        assert session.scalar(select(func.count()).select_from(IdeaRow)) == len(listen._IDEAS)
        themed = session.scalar(select(func.count()).select_from(FeedbackItemRow).where(
            FeedbackItemRow.theme.is_not(None))) or 0
        assert themed > 0
    assert report.listen.survey_responses == generated["nps"] + generated["csat"] + 30
