"""SQL of the idea board. Returns contracts, never ORM rows; every query is workspace-scoped."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Table, delete, func, select
from sqlalchemy.orm import Session

from kizuna.db import dialect
from kizuna.ideas.contracts import (
    Idea,
    IdeaComment,
    IdeaNotification,
    IdeaSort,
    IdeaStatus,
    IdeaVote,
    StatusChange,
)
from kizuna.ideas.errors import IdeaNotFound
from kizuna.ideas.tables import (
    IdeaCommentRow,
    IdeaMemberLinkRow,
    IdeaNotificationRow,
    IdeaRow,
    IdeaStatusChangeRow,
    IdeaVoteRow,
)
from kizuna.types import CustomerId, WorkspaceId

_VOTES: Table = IdeaVoteRow.__table__  # type: ignore[assignment]
_NOTIFICATIONS: Table = IdeaNotificationRow.__table__  # type: ignore[assignment]


def to_idea(row: IdeaRow) -> Idea:
    return Idea(
        id=row.id, workspace_id=WorkspaceId(row.workspace_id), title=row.title, body=row.body,
        category=row.category,
        author_customer_id=(None if row.author_customer_id is None
                            else CustomerId(row.author_customer_id)),
        locale=row.locale, status=IdeaStatus(row.status), vote_count=row.vote_count,
        comment_count=row.comment_count, merged_into_id=row.merged_into_id,
        created_at=row.created_at, updated_at=row.updated_at,
    )


def _to_comment(row: IdeaCommentRow) -> IdeaComment:
    return IdeaComment(
        id=row.id, idea_id=row.idea_id,
        customer_id=None if row.customer_id is None else CustomerId(row.customer_id),
        official=row.official, staff_name=row.staff_name, body=row.body,
        created_at=row.created_at,
    )


def find_row(session: Session, workspace_id: WorkspaceId, idea_id: int) -> IdeaRow | None:
    return session.scalar(select(IdeaRow).where(
        IdeaRow.workspace_id == workspace_id, IdeaRow.id == idea_id))


def lock_row(session: Session, workspace_id: WorkspaceId, idea_id: int) -> IdeaRow:
    """The idea's row, freshly read and locked until commit (PostgreSQL ``FOR NO KEY UPDATE``;
    SQLite transactions are serial already). Raises :class:`IdeaNotFound`."""
    row = session.scalar(
        select(IdeaRow)
        .where(IdeaRow.workspace_id == workspace_id, IdeaRow.id == idea_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise IdeaNotFound(f"Idea {idea_id} does not exist.", idea_id=idea_id)
    return row


def list_ideas(
    session: Session,
    workspace_id: WorkspaceId,
    *,
    status: IdeaStatus | None,
    sort: IdeaSort,
    page: int,
    page_size: int,
    include_merged: bool,
    query: str | None,
) -> tuple[list[Idea], int]:
    where = [IdeaRow.workspace_id == workspace_id]
    if status is not None:
        where.append(IdeaRow.status == status.value)
    if not include_merged:
        where.append(IdeaRow.merged_into_id.is_(None))
    if query:
        pattern = "%" + query.lower().replace("\\", "\\\\").replace("%", "\\%").replace(
            "_", "\\_") + "%"
        where.append(func.lower(IdeaRow.title).like(pattern, escape="\\")
                     | func.lower(IdeaRow.body).like(pattern, escape="\\"))
    total = int(session.scalar(select(func.count()).select_from(IdeaRow).where(*where)) or 0)
    order = ((IdeaRow.vote_count.desc(), IdeaRow.id.desc()) if sort is IdeaSort.TOP
             else (IdeaRow.created_at.desc(), IdeaRow.id.desc()))
    rows = session.scalars(select(IdeaRow).where(*where).order_by(*order)
                           .limit(page_size).offset((page - 1) * page_size))
    return [to_idea(r) for r in rows], total


def count_by_status(session: Session, workspace_id: WorkspaceId) -> dict[str, int]:
    counts = {s.value: 0 for s in IdeaStatus}
    for status, n in session.execute(
        select(IdeaRow.status, func.count()).where(
            IdeaRow.workspace_id == workspace_id, IdeaRow.merged_into_id.is_(None)
        ).group_by(IdeaRow.status)
    ):
        counts[status] = int(n)
    counts["merged"] = int(session.scalar(select(func.count()).select_from(IdeaRow).where(
        IdeaRow.workspace_id == workspace_id, IdeaRow.merged_into_id.is_not(None))) or 0)
    return counts


def insert_vote(
    session: Session, workspace_id: WorkspaceId, idea_id: int, customer_id: int, at: datetime
) -> bool:
    """Add the vote unless this customer already voted for the idea; True if it was added."""
    stmt = dialect.insert(session, _VOTES).values(
        workspace_id=workspace_id, idea_id=idea_id, customer_id=customer_id, created_at=at,
    ).on_conflict_do_nothing(index_elements=["idea_id", "customer_id"]).returning(_VOTES.c.id)
    return session.execute(stmt).first() is not None


def delete_vote(session: Session, idea_id: int, customer_id: int) -> bool:
    result = session.execute(delete(IdeaVoteRow).where(
        IdeaVoteRow.idea_id == idea_id, IdeaVoteRow.customer_id == customer_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def has_voted(session: Session, idea_id: int, customer_id: int) -> bool:
    return session.scalar(select(IdeaVoteRow.id).where(
        IdeaVoteRow.idea_id == idea_id, IdeaVoteRow.customer_id == customer_id)) is not None


def voted_ideas(session: Session, customer_id: int, idea_ids: Iterable[int]) -> set[int]:
    ids = list(idea_ids)
    if not ids:
        return set()
    return set(session.scalars(select(IdeaVoteRow.idea_id).where(
        IdeaVoteRow.customer_id == customer_id, IdeaVoteRow.idea_id.in_(ids))))


def votes(session: Session, idea_id: int) -> list[IdeaVote]:
    rows = session.execute(select(IdeaVoteRow.customer_id, IdeaVoteRow.created_at).where(
        IdeaVoteRow.idea_id == idea_id).order_by(IdeaVoteRow.created_at, IdeaVoteRow.id))
    return [IdeaVote(customer_id=CustomerId(c), created_at=at) for c, at in rows]


def voter_ids(session: Session, idea_id: int) -> set[int]:
    return set(session.scalars(select(IdeaVoteRow.customer_id).where(
        IdeaVoteRow.idea_id == idea_id)))


def move_votes(session: Session, workspace_id: WorkspaceId, from_id: int, to_id: int) -> int:
    """Move the votes of ``from_id`` onto ``to_id``; a customer who voted for both keeps one
    vote. Returns how many votes ``to_id`` gained."""
    already = voter_ids(session, to_id)
    moving = session.execute(select(IdeaVoteRow.customer_id, IdeaVoteRow.created_at).where(
        IdeaVoteRow.idea_id == from_id)).all()
    gained = 0
    for customer_id, created_at in moving:
        if customer_id not in already:
            gained += insert_vote(session, workspace_id, to_id, customer_id, created_at)
    session.execute(delete(IdeaVoteRow).where(IdeaVoteRow.idea_id == from_id))
    return gained


def add_comment(
    session: Session, workspace_id: WorkspaceId, idea_id: int, *, body: str,
    customer_id: int | None, staff_name: str | None, at: datetime,
) -> IdeaComment:
    row = IdeaCommentRow(workspace_id=workspace_id, idea_id=idea_id, customer_id=customer_id,
                         official=staff_name is not None, staff_name=staff_name, body=body,
                         created_at=at)
    session.add(row)
    session.flush()
    return _to_comment(row)


def comments(session: Session, idea_id: int) -> list[IdeaComment]:
    rows = session.scalars(select(IdeaCommentRow).where(IdeaCommentRow.idea_id == idea_id)
                           .order_by(IdeaCommentRow.created_at, IdeaCommentRow.id))
    return [_to_comment(r) for r in rows]


def add_history(
    session: Session, workspace_id: WorkspaceId, idea_id: int, *, from_status: str | None,
    to_status: str, note: str | None, changed_by: str, at: datetime,
) -> None:
    session.add(IdeaStatusChangeRow(
        workspace_id=workspace_id, idea_id=idea_id, from_status=from_status,
        to_status=to_status, note=note, changed_by=changed_by, changed_at=at))
    session.flush()


def history(session: Session, idea_id: int) -> list[StatusChange]:
    rows = session.scalars(select(IdeaStatusChangeRow).where(
        IdeaStatusChangeRow.idea_id == idea_id).order_by(
        IdeaStatusChangeRow.changed_at, IdeaStatusChangeRow.id))
    return [StatusChange(id=r.id, idea_id=r.idea_id, from_status=r.from_status,
                         to_status=r.to_status, note=r.note, changed_by=r.changed_by,
                         changed_at=r.changed_at) for r in rows]


def notify(
    session: Session, workspace_id: WorkspaceId, idea_id: int, customer_ids: Iterable[int],
    *, kind: str, status: str, at: datetime,
) -> int:
    """One pending notification per customer; an existing one is left alone. Returns how many
    were added."""
    added = 0
    for customer_id in sorted(set(customer_ids)):
        stmt = dialect.insert(session, _NOTIFICATIONS).values(
            workspace_id=workspace_id, customer_id=customer_id, idea_id=idea_id, kind=kind,
            status=status, created_at=at, delivered_at=None,
        ).on_conflict_do_nothing(
            index_elements=["idea_id", "customer_id", "kind", "status"]
        ).returning(_NOTIFICATIONS.c.id)
        added += session.execute(stmt).first() is not None
    return added


def notifications(
    session: Session, workspace_id: WorkspaceId, *, idea_id: int | None,
    customer_id: int | None, pending_only: bool,
) -> list[IdeaNotification]:
    where = [IdeaNotificationRow.workspace_id == workspace_id]
    if idea_id is not None:
        where.append(IdeaNotificationRow.idea_id == idea_id)
    if customer_id is not None:
        where.append(IdeaNotificationRow.customer_id == customer_id)
    if pending_only:
        where.append(IdeaNotificationRow.delivered_at.is_(None))
    rows = session.scalars(select(IdeaNotificationRow).where(*where).order_by(
        IdeaNotificationRow.id))
    return [IdeaNotification(id=r.id, customer_id=CustomerId(r.customer_id), idea_id=r.idea_id,
                             kind=r.kind, status=r.status, created_at=r.created_at,
                             delivered_at=r.delivered_at) for r in rows]


def add_member_link(
    session: Session, workspace_id: WorkspaceId, customer_id: int, token_hash: str,
    at: datetime, expires_at: datetime,
) -> None:
    session.add(IdeaMemberLinkRow(workspace_id=workspace_id, customer_id=customer_id,
                                  token_hash=token_hash, created_at=at, expires_at=expires_at))
    session.flush()


def find_member_link(
    session: Session, token_hash: str
) -> tuple[WorkspaceId, CustomerId, datetime] | None:
    """(workspace, customer, expiry) of the link with this token hash, if there is one."""
    row = session.execute(select(
        IdeaMemberLinkRow.workspace_id, IdeaMemberLinkRow.customer_id,
        IdeaMemberLinkRow.expires_at).where(IdeaMemberLinkRow.token_hash == token_hash)).first()
    if row is None:
        return None
    return WorkspaceId(row[0]), CustomerId(row[1]), row[2]
