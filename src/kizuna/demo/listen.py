"""The demo's "listen" data through the real facades: surveys, reviews and the idea board.

The generated demo data carries survey answers and reviews as ``Survey Responded`` and
``Review Submitted`` events (see ``demo/feedback.py``). Here they become what a real shop
would have: responses of two hosted surveys (a post-purchase NPS survey with a comment, a
checkout CSAT survey) and product reviews (most approved, the most recent ones waiting in the
moderation queue) — each of which records its own event on the customer's timeline, so the
generated events are not ingested a second time. An anonymous eNPS survey gets answers from
the shop's staff, and the idea board gets ideas, votes and comments from customers. Finally
the voice-of-customer inbox groups every comment into themes.

Everything is deterministic for a seed and idempotent: survey responses of the demo carry the
generated message id as a hidden field and are skipped when present; reviews are one per
(customer, product) and a re-sent identical review changes nothing; ideas are only created on
a board that has none.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from kizuna.clock import Clock
from kizuna.db.engine import transaction
from kizuna.feedback import api as feedback
from kizuna.feedback.contracts import FollowupTask
from kizuna.ideas import api as ideas
from kizuna.ideas.contracts import IdeaInput, IdeaStatus
from kizuna.reviews import api as reviews
from kizuna.reviews.contracts import Channel as ReviewChannel
from kizuna.reviews.contracts import ReviewInput
from kizuna.surveys import api as surveys
from kizuna.surveys.contracts import Channel as SurveyChannel
from kizuna.surveys.contracts import ResponseStart, SurveyStatus
from kizuna.types import CustomerId, WorkspaceId

ProgressCallback = Callable[[str, int, int], None]

NPS_KEY = "post-purchase-nps"
CSAT_KEY = "checkout-csat"
ENPS_KEY = "employee-enps"
LISTEN_EVENTS = frozenset({"Survey Responded", "Review Submitted"})
PENDING_REVIEW_DAYS = 4  # reviews younger than this wait in the moderation queue
IDEA_THRESHOLD = 10
BATCH = 250


def _localized(ja: str, en: str) -> dict[str, str]:
    return {"ja": ja, "en": en}


NPS_DEFINITION: dict[str, Any] = {
    "key": NPS_KEY,
    "kind": "nps",
    "default_locale": "ja",
    "title": _localized("ご購入後アンケート", "After your purchase"),
    "intro": _localized("1分で終わります。", "It takes one minute."),
    "thanks": _localized("ご回答ありがとうございました。", "Thank you for your answer."),
    "hidden_fields": ["order_id", "product_id", "category", "demo_message"],
    "recontact_days": 30,
    "questions": [
        {"id": "nps", "type": "nps",
         "prompt": _localized("このお店を友人や同僚にすすめる可能性はどのくらいありますか？",
                              "How likely are you to recommend us to a friend or colleague?"),
         "min_label": _localized("まったくない", "Not at all likely"),
         "max_label": _localized("非常に高い", "Extremely likely")},
        {"id": "comment", "type": "free_text", "required": False, "max_length": 2000,
         "prompt": _localized("その理由を教えてください。",
                              "What is the main reason for your score?")},
    ],
}
CSAT_DEFINITION: dict[str, Any] = {
    "key": CSAT_KEY,
    "kind": "csat",
    "default_locale": "ja",
    "title": _localized("お買い物の満足度", "How was checkout?"),
    "thanks": _localized("ありがとうございました。", "Thank you!"),
    "hidden_fields": ["order_id", "demo_message"],
    "recontact_days": 7,
    "questions": [
        {"id": "csat", "type": "csat",
         "prompt": _localized("今回のお買い物にどのくらい満足しましたか？",
                              "How satisfied are you with your checkout?"),
         "min_label": _localized("不満", "Very unsatisfied"),
         "max_label": _localized("満足", "Very satisfied")},
    ],
}
ENPS_DEFINITION: dict[str, Any] = {
    "key": ENPS_KEY,
    "kind": "enps",
    "anonymous": True,
    "default_locale": "ja",
    "title": _localized("従業員アンケート（無記名）", "Staff survey (anonymous)"),
    "intro": _localized("回答は無記名です。個人が特定されることはありません。",
                        "Your answers are anonymous and cannot be traced back to you."),
    "thanks": _localized("ご協力ありがとうございました。", "Thank you."),
    "questions": [
        {"id": "enps", "type": "nps",
         "prompt": _localized("この職場を友人にすすめる可能性はどのくらいありますか？",
                              "How likely are you to recommend working here to a friend?"),
         "min_label": _localized("まったくない", "Not at all likely"),
         "max_label": _localized("非常に高い", "Extremely likely")},
        {"id": "comment", "type": "free_text", "required": False, "max_length": 2000,
         "prompt": _localized("ご意見をお聞かせください。", "Anything you would like to tell us?")},
    ],
}

_STAFF_COMMENTS = {
    "promoter": ("チームの雰囲気が良く、働きやすいです", "仕事にやりがいがあります"),
    "passive": ("概ね満足ですが、繁忙期の人手が足りません", "研修がもう少しあると嬉しいです"),
    "detractor": ("残業が多くて疲れています", "評価の基準が分かりにくいです"),
}

_IDEAS: tuple[tuple[str, str, str, str], ...] = (
    # (locale, title, body, category)
    ("ja", "ハイレゾ音源のダウンロード販売", "CDと一緒にハイレゾ版も買えると嬉しいです。",
     "digital"),
    ("en", "Gift wrapping at checkout", "Let me add gift wrapping and a card to an order.",
     "service"),
    ("ja", "コンビニ受け取りに対応してほしい", "平日は家にいないので、コンビニで受け取りたいです。",
     "delivery"),
    ("en", "Wishlist with price-drop alerts", "Email me when an album on my list gets cheaper.",
     "site"),
    ("ja", "試聴機能の追加", "購入前に数曲試聴できると選びやすいです。", "site"),
    ("en", "Vinyl editions", "Please stock vinyl pressings of the best sellers.", "catalogue"),
    ("ja", "ポイントの有効期限を延ばしてほしい", "1年で失効するのは短いと感じます。", "loyalty"),
    ("en", "Faster shipping to Hokkaido and Okinawa", "Delivery takes a week; could it be faster?",
     "delivery"),
    ("ja", "中古CDの買い取り", "聴かなくなったCDを下取りしてほしいです。", "service"),
    ("en", "Dark mode for the website", "The white pages are hard on the eyes at night.", "site"),
)
_IDEA_COMMENTS = {
    "ja": ("賛成です！", "ぜひ実現してほしいです", "私も同じことを考えていました"),
    "en": ("+1, would use this every week", "Yes please!", "Great idea"),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class ListenReport:
    survey_responses: int
    reviews: int
    ideas: int
    votes: int
    themes: int


def handles(message: Mapping[str, Any]) -> bool:
    """Whether the demo loads this generated message here rather than through ingest."""
    return message.get("type") == "track" and message.get("event") in LISTEN_EVENTS


def _at(message: Mapping[str, Any]) -> datetime:
    return datetime.fromisoformat(str(message["timestamp"]))


def _ensure_survey(session: Session, workspace_id: WorkspaceId, doc: Mapping[str, Any],
                   at: datetime) -> None:
    if surveys.find_survey_by_key(session, workspace_id, str(doc["key"])) is None:
        surveys.create_survey(session, workspace_id, surveys.parse_definition(doc), at=at,
                              status=SurveyStatus.ACTIVE)


def _answered_messages(session: Session, workspace_id: WorkspaceId) -> set[str]:
    """Generated message ids that are already survey responses (a second load skips them)."""
    done: set[str] = set()
    for key in (NPS_KEY, CSAT_KEY):
        survey = surveys.find_survey_by_key(session, workspace_id, key)
        if survey is None:
            continue
        offset = 0
        while True:
            page = surveys.list_responses(session, workspace_id, survey.id, limit=1000,
                                          offset=offset)
            done.update(str(r.hidden.get("demo_message")) for r in page
                        if r.hidden.get("demo_message"))
            if len(page) < 1000:
                break
            offset += 1000
    return done


def _survey_answer(message: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    props = message.get("properties") or {}
    kind = props.get("survey_type")
    if kind == "nps":
        answers: dict[str, Any] = {"nps": props.get("score")}
        if props.get("comment"):
            answers["comment"] = props["comment"]
        return NPS_KEY, answers
    if kind == "csat":
        return CSAT_KEY, {"csat": props.get("score")}
    return None


def load_listen(
    sessions: sessionmaker[Session],
    *,
    workspace_id: WorkspaceId,
    messages: Sequence[Mapping[str, Any]],
    customer_ids: Mapping[str, CustomerId],
    locales: Mapping[str, str],
    clock: Clock,
    seed: int,
    on_progress: ProgressCallback | None = None,
) -> ListenReport:
    """Load the generated survey answers and reviews, staff eNPS answers and the idea board."""
    progress = on_progress or (lambda _step, _done, _total: None)
    now = clock.now()
    rng = random.Random(seed * 7919 + 4)
    with transaction(sessions) as session:
        for doc in (NPS_DEFINITION, CSAT_DEFINITION, ENPS_DEFINITION):
            _ensure_survey(session, workspace_id, doc, now - timedelta(days=400))
        done = _answered_messages(session, workspace_id)
    answers = [m for m in messages if m.get("event") == "Survey Responded"
               and str(m.get("messageId")) not in done]
    written = 0
    for start in range(0, len(answers), BATCH):
        with transaction(sessions) as session:
            for message in answers[start:start + BATCH]:
                found = _survey_answer(message)
                user = str(message.get("userId") or "")
                if found is None or user not in customer_ids:
                    continue
                key, values = found
                surveys.answer_survey(
                    session, workspace_id, key, values,
                    ResponseStart(channel=SurveyChannel.EMAIL, locale=locales.get(user),
                                  customer_id=customer_ids[user],
                                  hidden={"demo_message": str(message["messageId"])}),
                    at=_at(message))
                written += 1
        progress("surveys", min(start + BATCH, len(answers)), len(answers))
    with transaction(sessions) as session:
        if not done:
            written += _staff_enps(session, workspace_id, rng, now)
    review_count = _load_reviews(sessions, workspace_id, messages, customer_ids, locales, now,
                                 progress)
    with transaction(sessions) as session:
        idea_count, votes = _load_ideas(session, workspace_id, rng, list(customer_ids.values()),
                                        now)
    with transaction(sessions) as session:
        _work_followups(session, workspace_id, random.Random(seed * 31 + 5), now)
    with transaction(sessions) as session:
        themes = feedback.refresh_themes(session, workspace_id, at=now)
    progress("themes", 1, 1)
    return ListenReport(survey_responses=written, reviews=review_count, ideas=idea_count,
                        votes=votes, themes=len(themes))


def _work_followups(session: Session, workspace_id: WorkspaceId, rng: random.Random,
                    now: datetime) -> None:
    """The CX team has worked most follow-up tasks older than a few days: about 75 % were
    contacted a few hours to three days after the answer, most of those then closed."""
    open_tasks: list[FollowupTask] = []
    page = 1
    while True:
        tasks = feedback.list_tasks(session, workspace_id, now=now, status="open", page=page,
                                    page_size=200)
        open_tasks.extend(tasks.items)
        if page * 200 >= tasks.total:
            break
        page += 1
    for task in sorted(open_tasks, key=lambda t: t.id):
        if task.opened_at > now - timedelta(days=4) or rng.random() >= 0.75:
            continue
        contacted = min(task.opened_at + timedelta(hours=rng.uniform(2, 72)), now)
        feedback.update_task(session, workspace_id, task.id, at=contacted, author="demo",
                             status="contacted", note="お電話でお詫びし、状況を伺いました")
        if rng.random() < 0.8:
            feedback.update_task(session, workspace_id, task.id, at=min(
                contacted + timedelta(days=1), now), author="demo", status="closed")


def _staff_enps(session: Session, workspace_id: WorkspaceId, rng: random.Random,
                now: datetime) -> int:
    """Thirty anonymous staff answers over the last two months (public link, no identity)."""
    count = 0
    for _ in range(30):
        draw = rng.random()
        group = "promoter" if draw < 0.4 else "passive" if draw < 0.75 else "detractor"
        score = {"promoter": rng.choice((9, 10)), "passive": rng.choice((7, 8)),
                 "detractor": rng.choice((3, 5, 6))}[group]
        values: dict[str, Any] = {"enps": score}
        if rng.random() < 0.6:
            values["comment"] = rng.choice(_STAFF_COMMENTS[group])
        surveys.answer_survey(session, workspace_id, ENPS_KEY, values,
                              ResponseStart(channel=SurveyChannel.LINK, locale="ja"),
                              at=now - timedelta(days=rng.uniform(1, 60)))
        count += 1
    return count


def _load_reviews(
    sessions: sessionmaker[Session],
    workspace_id: WorkspaceId,
    messages: Sequence[Mapping[str, Any]],
    customer_ids: Mapping[str, CustomerId],
    locales: Mapping[str, str],
    now: datetime,
    progress: ProgressCallback,
) -> int:
    wanted = [m for m in messages if m.get("event") == "Review Submitted"
              and str(m.get("userId") or "") in customer_ids]
    count = 0
    for start in range(0, len(wanted), BATCH):
        with transaction(sessions) as session:
            approve: list[int] = []
            for message in wanted[start:start + BATCH]:
                props = message.get("properties") or {}
                user = str(message["userId"])
                at = _at(message)
                review = reviews.submit_review(
                    session, workspace_id, customer_ids[user],
                    ReviewInput(product_id=props.get("product_id"), rating=props.get("rating"),
                                title=str(props.get("text") or ""), body="",
                                locale=locales.get(user)),
                    channel=ReviewChannel.FORM, at=at)
                count += 1
                if review.status == "pending" and at < now - timedelta(days=PENDING_REVIEW_DAYS):
                    approve.append(review.id)
            if approve:
                reviews.approve_reviews(session, workspace_id, approve, at=now)
        progress("reviews", min(start + BATCH, len(wanted)), len(wanted))
    return count


def _load_ideas(session: Session, workspace_id: WorkspaceId, rng: random.Random,
                customers: Sequence[CustomerId], now: datetime) -> tuple[int, int]:
    if not customers or ideas.list_ideas(session, workspace_id).total:
        return 0, 0
    votes = 0
    for n, (locale, title, body, category) in enumerate(_IDEAS):
        created = now - timedelta(days=90 - n * 7, hours=rng.uniform(0, 12))
        author = customers[rng.randrange(len(customers))]
        idea = ideas.submit_idea(session, workspace_id, author,
                                 IdeaInput(title=title, body=body, category=category,
                                           locale=locale), created)
        for k in range(rng.choice((2, 4, 7, 12, 18, 25))):
            voter = customers[rng.randrange(len(customers))]
            at = created + timedelta(days=rng.uniform(0, 6), minutes=k)
            ideas.vote(session, workspace_id, idea.id, voter, at, threshold=IDEA_THRESHOLD)
            votes += 1
        if rng.random() < 0.6:
            commenter = customers[rng.randrange(len(customers))]
            ideas.add_comment(session, workspace_id, idea.id, rng.choice(_IDEA_COMMENTS[locale]),
                              created + timedelta(days=7), customer_id=commenter)
        current = ideas.get_idea(session, workspace_id, idea.id)
        if n in (0, 3) and current.status == IdeaStatus.UNDER_REVIEW:
            ideas.change_status(session, workspace_id, idea.id, IdeaStatus.PLANNED,
                                changed_by="demo", at=created + timedelta(days=20),
                                note="2027年春に対応予定です" if locale == "ja"
                                else "Planned for spring")
    return len(_IDEAS), votes
