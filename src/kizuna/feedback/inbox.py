"""The voice-of-customer inbox: enrichment, filters, tags, themes and key drivers."""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from kizuna.db.dialect import in_values, is_postgres
from kizuna.feedback.contracts import (
    SCORE_GROUPS,
    SENTIMENT_LABELS,
    FeedbackFilters,
    FeedbackItem,
    FeedbackPage,
    ThemeSummary,
)
from kizuna.feedback.errors import FeedbackFilterInvalid, FeedbackItemNotFound, TagInvalid
from kizuna.feedback.tables import FeedbackItemRow
from kizuna.text import api as text
from kizuna.types import CustomerId, WorkspaceId

MAX_TAG_LENGTH = 40
MAX_TAGS_PER_ITEM = 20
MAX_BULK_ITEMS = 500
THEME_WINDOW = 20_000
MIN_DRIVER_ANSWERS = 5
NPS_KINDS = ("nps", "enps")
_TAG_CHARS = re.compile(r"^[\w \-/.]+$")


def to_item(row: FeedbackItemRow) -> FeedbackItem:
    return FeedbackItem(
        id=int(row.id), kind=row.kind, ref=row.ref,
        customer_id=CustomerId(row.customer_id) if row.customer_id is not None else None,
        anonymous=row.anonymous, score_kind=row.score_kind, score=row.score, text=row.text,
        locale=row.locale, subject=row.subject, product_id=row.product_id,
        category=row.category, received_on=row.received_on, received_at=row.received_at,
        sentiment=row.sentiment, sentiment_label=row.sentiment_label, theme=row.theme,
        key_phrases=tuple(row.key_phrases or ()), tags=tuple(row.tags or ()),
    )


def enrich(row: FeedbackItemRow, text_changed: bool) -> None:
    """Sentiment, label and key phrases of the row's text (cleared for an empty text)."""
    if not row.text.strip():
        row.sentiment, row.sentiment_label, row.key_phrases = None, None, []
        return
    if not text_changed and row.sentiment_label is not None:
        return
    analysis = text.analyse_comment(row.text, row.locale)
    row.sentiment = float(analysis.sentiment)
    row.sentiment_label = analysis.label
    row.key_phrases = list(analysis.key_phrases)


# --- filters -----------------------------------------------------------------------------


def score_group_condition(group: str) -> Any:
    """SQL condition of one score group (NPS/eNPS 0–6 / 7–8 / 9–10, CSAT ≤ 2, CES ≥ 5)."""
    kind, score = FeedbackItemRow.score_kind, FeedbackItemRow.score
    nps = kind.in_(NPS_KINDS)
    if group == "detractor":
        return and_(nps, score <= 6)
    if group == "passive":
        return and_(nps, score.between(7, 8))
    if group == "promoter":
        return and_(nps, score >= 9)
    if group == "low_csat":
        return and_(kind == "csat", score <= 2)
    if group == "hard_ces":
        return and_(kind == "ces", score >= 5)
    raise FeedbackFilterInvalid(
        f"Unknown score group {group!r}; use one of {', '.join(SCORE_GROUPS)}.",
        field="score_group",
    )


def _has_tag(session: Session, tag: str) -> Any:
    if is_postgres(session):
        return cast(FeedbackItemRow.tags, JSONB).op("@>")(literal([tag], JSONB))
    each = func.json_each(FeedbackItemRow.tags).table_valued("value")
    return exists(select(1).select_from(each).where(each.c.value == literal(tag, String)))


def _filtered(
    session: Session, workspace_id: WorkspaceId, f: FeedbackFilters
) -> Select[FeedbackItemRow]:
    q = select(FeedbackItemRow).where(FeedbackItemRow.workspace_id == workspace_id)
    if f.kind:
        q = q.where(FeedbackItemRow.kind == f.kind)
    if f.sentiment:
        if f.sentiment not in SENTIMENT_LABELS:
            raise FeedbackFilterInvalid(
                f"Unknown sentiment {f.sentiment!r}; use one of {', '.join(SENTIMENT_LABELS)}.",
                field="sentiment",
            )
        q = q.where(FeedbackItemRow.sentiment_label == f.sentiment)
    if f.theme:
        q = q.where(FeedbackItemRow.theme == f.theme)
    if f.tag:
        q = q.where(_has_tag(session, normalise_tag(f.tag)))
    if f.score_group:
        q = q.where(score_group_condition(f.score_group))
    if f.has_text is True:
        q = q.where(FeedbackItemRow.text != "")
    elif f.has_text is False:
        q = q.where(FeedbackItemRow.text == "")
    if f.date_from:
        q = q.where(FeedbackItemRow.received_on >= f.date_from)
    if f.date_to:
        q = q.where(FeedbackItemRow.received_on <= f.date_to)
    if f.product_id:
        q = q.where(FeedbackItemRow.product_id == f.product_id)
    if f.category:
        q = q.where(FeedbackItemRow.category == f.category)
    if f.search and f.search.strip():
        needle = f.search.strip().lower()
        q = q.where(or_(
            func.lower(FeedbackItemRow.text).contains(needle, autoescape=True),
            func.lower(FeedbackItemRow.subject).contains(needle, autoescape=True),
        ))
    return q


def list_feedback(
    session: Session, workspace_id: WorkspaceId, filters: FeedbackFilters, *,
    page: int = 1, page_size: int = 50,
) -> FeedbackPage:
    q = _filtered(session, workspace_id, filters)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.scalars(
        q.order_by(FeedbackItemRow.received_on.desc(), FeedbackItemRow.id.desc())
        .offset((page - 1) * page_size).limit(page_size)
    )
    return FeedbackPage(items=tuple(to_item(r) for r in rows), total=int(total), page=page,
                        page_size=page_size)


def get_item(session: Session, workspace_id: WorkspaceId, item_id: int) -> FeedbackItem:
    row = session.get(FeedbackItemRow, item_id)
    if row is None or row.workspace_id != workspace_id:
        raise FeedbackItemNotFound(item_id=item_id)
    return to_item(row)


# --- tags --------------------------------------------------------------------------------


def normalise_tag(raw: str) -> str:
    """NFKC, trimmed, single spaces, lower case; 1–40 letters, digits, space, - _ / ."""
    tag = " ".join(unicodedata.normalize("NFKC", raw).split()).casefold()
    if not tag or len(tag) > MAX_TAG_LENGTH or not _TAG_CHARS.match(tag):
        raise TagInvalid(
            f"Tag {raw[:60]!r} is not allowed: use 1 to {MAX_TAG_LENGTH} letters, digits, "
            "spaces, '-', '_', '/' or '.'.", field="tags", tag=raw[:60],
        )
    return tag


def tag_feedback(
    session: Session, workspace_id: WorkspaceId, item_ids: Sequence[int], *,
    add: Iterable[str] = (), remove: Iterable[str] = (),
) -> int:
    """Add and remove tags on the items; the number of items changed."""
    adding = list(dict.fromkeys(normalise_tag(t) for t in add))
    removing = {normalise_tag(t) for t in remove}
    ids = sorted(set(item_ids))
    if len(ids) > MAX_BULK_ITEMS:
        raise TagInvalid(f"Tag at most {MAX_BULK_ITEMS} items at once.", field="item_ids")
    if not ids:
        return 0
    rows = list(session.scalars(select(FeedbackItemRow).where(
        FeedbackItemRow.workspace_id == workspace_id, in_values(session, FeedbackItemRow.id, ids)
    )))
    missing = set(ids) - {r.id for r in rows}
    if missing:
        raise FeedbackItemNotFound(
            f"No feedback item with id {min(missing)} in this workspace; reload the inbox.",
            item_ids=sorted(missing)[:20],
        )
    changed = 0
    for row in rows:
        current = list(row.tags or [])
        new = [t for t in current if t not in removing]
        new += [t for t in adding if t not in new]
        if len(new) > MAX_TAGS_PER_ITEM:
            raise TagInvalid(f"An item carries at most {MAX_TAGS_PER_ITEM} tags.", field="tags")
        if new != current:
            row.tags = new
            changed += 1
    session.flush()
    return changed


def list_tags(session: Session, workspace_id: WorkspaceId, limit: int = 200) -> list[str]:
    """The tags in use on the last 5,000 items, most frequent first."""
    counts: dict[str, int] = {}
    for tags in session.scalars(select(FeedbackItemRow.tags).where(
            FeedbackItemRow.workspace_id == workspace_id)
            .order_by(FeedbackItemRow.id.desc()).limit(5000)):
        for t in tags or ():
            counts[t] = counts.get(t, 0) + 1
    return sorted(counts, key=lambda t: (-counts[t], t))[:limit]


# --- themes and key drivers ----------------------------------------------------------------


def refresh_themes(
    session: Session, workspace_id: WorkspaceId, *, at: datetime, limit: int = THEME_WINDOW
) -> list[ThemeSummary]:
    """Re-cluster the last ``limit`` comments received up to ``at`` and store each theme."""
    rows = session.execute(
        select(FeedbackItemRow.id, FeedbackItemRow.text, FeedbackItemRow.locale)
        .where(FeedbackItemRow.workspace_id == workspace_id, FeedbackItemRow.text != "",
               FeedbackItemRow.received_on <= at.date())
        .order_by(FeedbackItemRow.received_on.desc(), FeedbackItemRow.id.desc()).limit(limit)
    ).all()
    if rows:
        with warnings.catch_warnings():  # KMeans on near-duplicate comments warns; harmless
            warnings.filterwarnings("ignore", message="Number of distinct clusters")
            model = text.find_themes([r.text for r in rows], [r.locale for r in rows])
        labels = {t.id: t.label[:200] for t in model.themes}
        params = [
            {"id": r.id, "theme": labels.get(a) if a is not None else None}
            for r, a in zip(rows, model.assignments, strict=True)
        ]
        session.execute(update(FeedbackItemRow), params)
    return theme_summaries(session, workspace_id)


def theme_summaries(session: Session, workspace_id: WorkspaceId) -> list[ThemeSummary]:
    nps = FeedbackItemRow.score_kind.in_(NPS_KINDS)
    answered = and_(nps, FeedbackItemRow.score.is_not(None))
    rows = session.execute(
        select(
            FeedbackItemRow.theme, func.count(), func.avg(FeedbackItemRow.sentiment),
            func.sum(case((and_(answered, FeedbackItemRow.score <= 6), 1), else_=0)),
            func.sum(case((answered, 1), else_=0)),
        )
        .where(FeedbackItemRow.workspace_id == workspace_id, FeedbackItemRow.theme.is_not(None))
        .group_by(FeedbackItemRow.theme)
        .order_by(func.count().desc(), FeedbackItemRow.theme)
    ).all()
    return [
        ThemeSummary(
            label=str(label), size=int(size),
            mean_sentiment=None if mean is None else float(mean),
            detractor_share=(int(det) / int(ans)) if ans else None,
        )
        for label, size, mean, det, ans in rows
    ]


def key_drivers(
    session: Session, workspace_id: WorkspaceId, *, since: date | None = None,
    min_answers: int = MIN_DRIVER_ANSWERS,
) -> list[text.KeyDriver]:
    """Themes vs NPS groups over NPS/eNPS answers; themes with < ``min_answers`` hidden."""
    q = select(FeedbackItemRow.theme, FeedbackItemRow.score).where(
        FeedbackItemRow.workspace_id == workspace_id, FeedbackItemRow.score_kind.in_(NPS_KINDS),
        FeedbackItemRow.score.is_not(None))
    if since is not None:
        q = q.where(FeedbackItemRow.received_on >= since)
    rows = session.execute(q).all()
    labels = sorted({r.theme for r in rows if r.theme})
    if not labels:
        return []
    index = {label: i for i, label in enumerate(labels)}
    sizes = {label: 0 for label in labels}
    for r in rows:
        if r.theme:
            sizes[r.theme] += 1
    themes = [
        text.Theme(id=i, label=label, terms=(), size=sizes[label], examples=(), sentiment=0.0)
        for label, i in index.items()
    ]
    assignments = [index[r.theme] if r.theme else None for r in rows]
    scores = [int(r.score) for r in rows]
    drivers = text.key_drivers(assignments, scores, themes)
    return [d for d in drivers if d.n >= min_answers]
