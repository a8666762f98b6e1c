"""Errors of the idea board (each documented in docs/reference/problems.md)."""

from __future__ import annotations

from kizuna.errors import Conflict, Invalid, NotFound


class IdeaNotFound(NotFound):
    """No idea with this id exists in the workspace; list ideas with GET /v1/ideas."""

    code = "idea-not-found"


class IdeaInvalid(Invalid):
    """The idea or comment is invalid; fix the named field and send it again."""

    code = "idea-invalid"


class IdeaTransitionInvalid(Conflict):
    """The idea cannot move to that status from its current one; see the allowed transitions
    in docs/reference/ideas.md (new → under_review → planned → shipped | declined)."""

    code = "idea-transition-invalid"


class IdeaClosed(Conflict):
    """This idea is shipped or declined (or merged); votes are closed. Vote for an open idea."""

    code = "idea-closed"


class IdeaMergeInvalid(Conflict):
    """These ideas cannot be merged: pick two different ideas, neither already merged away."""

    code = "idea-merge-invalid"
