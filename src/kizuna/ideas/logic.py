"""Rules of the idea board: what a valid idea or comment is, and which status may follow which.

Allowed transitions (anything else is :class:`IdeaTransitionInvalid`; asking for the status
an idea already has changes nothing)::

    new ──────────► under_review ──► planned ──► shipped
     │                   │              │
     └──► declined ◄─────┴──────────────┘

``shipped`` and ``declined`` are final, and so is being merged into another idea.
"""

from __future__ import annotations

from collections.abc import Mapping

from kizuna.ideas.contracts import IdeaInput, IdeaStatus
from kizuna.ideas.errors import IdeaInvalid, IdeaTransitionInvalid

MAX_TITLE = 150
MAX_BODY = 5000
MAX_CATEGORY = 100
MAX_NOTE = 2000
MAX_STAFF_NAME = 200

TRANSITIONS: Mapping[IdeaStatus, frozenset[IdeaStatus]] = {
    IdeaStatus.NEW: frozenset({IdeaStatus.UNDER_REVIEW, IdeaStatus.DECLINED}),
    IdeaStatus.UNDER_REVIEW: frozenset({IdeaStatus.PLANNED, IdeaStatus.DECLINED}),
    IdeaStatus.PLANNED: frozenset({IdeaStatus.SHIPPED, IdeaStatus.DECLINED}),
    IdeaStatus.SHIPPED: frozenset(),
    IdeaStatus.DECLINED: frozenset(),
}


def _text(value: str | None, field: str, limit: int, *, required: bool) -> str:
    text = (value or "").strip()
    if "\x00" in text:
        raise IdeaInvalid(f"The {field} contains a NUL character; remove it.", field=field)
    if required and not text:
        raise IdeaInvalid(f"The {field} is empty; write something.", field=field)
    if len(text) > limit:
        raise IdeaInvalid(
            f"The {field} has {len(text):,} characters; the limit is {limit:,}.",
            field=field, length=len(text), limit=limit,
        )
    return text


def clean_idea(item: IdeaInput) -> IdeaInput:
    """The idea with whitespace trimmed; raises :class:`IdeaInvalid` naming the bad field."""
    category = _text(item.category, "category", MAX_CATEGORY, required=False)
    locale = (item.locale or "").strip()[:16] or None
    return IdeaInput(
        title=_text(item.title, "title", MAX_TITLE, required=True),
        body=_text(item.body, "body", MAX_BODY, required=False),
        category=category or None,
        locale=locale,
    )


def clean_comment(body: str) -> str:
    return _text(body, "comment", MAX_BODY, required=True)


def clean_note(note: str | None) -> str | None:
    return _text(note, "note", MAX_NOTE, required=False) or None


def clean_staff_name(name: str) -> str:
    return _text(name, "staff name", MAX_STAFF_NAME, required=True)


def parse_status(value: str) -> IdeaStatus:
    try:
        return IdeaStatus(value)
    except ValueError:
        allowed = ", ".join(s.value for s in IdeaStatus)
        raise IdeaInvalid(
            f"{value!r} is not an idea status; use one of {allowed}.", field="status"
        ) from None


def check_transition(current: IdeaStatus, requested: IdeaStatus) -> bool:
    """True if the idea must move; False if it already has ``requested``; raises otherwise."""
    if current == requested:
        return False
    allowed = TRANSITIONS[current]
    if requested not in allowed:
        names = sorted(s.value for s in allowed)
        hint = f"from {current.value} it may move to {', '.join(names)}" if names else (
            f"{current.value} is final")
        raise IdeaTransitionInvalid(
            f"An idea cannot move from {current.value} to {requested.value}: {hint}.",
            current_status=current.value, requested=requested.value, allowed=names,
        )
    return True


def reaches_threshold(status: IdeaStatus, vote_count: int, threshold: int) -> bool:
    """A ``new`` idea with at least ``threshold`` votes goes to review (0: never)."""
    return threshold > 0 and status is IdeaStatus.NEW and vote_count >= threshold
