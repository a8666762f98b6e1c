"""Errors of the reviews domain.

    Invalid (400)
    └── ReviewInvalid            a field of the review is wrong (``field``, ``errors``)
    NotFound (404)
    ├── ReviewNotFound
    └── ReviewerUnknown          userId / anonymousId / customer id kizuna does not know
    ReviewLinkInvalid (410)      the ``?t=`` link is unknown, used, expired or for another product
"""

from __future__ import annotations

from typing import Any

from kizuna.errors import Invalid, KizunaError, NotFound


class ReviewInvalid(Invalid):
    """The review is invalid; fix the named field and send it again."""

    code = "review-invalid"

    def __init__(self, errors: list[dict[str, str]], message: str | None = None,
                 **fields: Any) -> None:
        first = errors[0] if errors else {"field": "", "message": ""}
        detail = message or "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        super().__init__(detail or None, field=first["field"], errors=errors, **fields)
        self.errors = errors


class ReviewNotFound(NotFound):
    """No review with this id exists in the workspace; list reviews with GET /v1/reviews."""

    code = "review-not-found"


class ReviewerUnknown(NotFound):
    """kizuna does not know this customer; send their identify call (or an event) first, or
    check the userId / anonymousId / customer id."""

    code = "reviewer-unknown"


class ReviewLinkInvalid(KizunaError):
    """This review link is unknown, already used or expired; ask the shop for a new one."""

    code, status = "review-link-invalid", 410
