"""Errors of the feedback domain (each has a heading in docs/reference/problems.md)."""

from __future__ import annotations

from kizuna.errors import Invalid, NotFound


class FeedbackItemNotFound(NotFound):
    """No feedback item with this id exists in the workspace; reload the inbox."""

    code = "feedback-item-not-found"


class FollowupTaskNotFound(NotFound):
    """No follow-up task with this id exists in the workspace; reload the task list."""

    code = "followup-task-not-found"


class TaskChangeInvalid(Invalid):
    """This change to the follow-up task is not possible; use open, contacted, closed or
    wont_fix, a valid owner email and a note of at most 5,000 characters."""

    code = "task-change-invalid"


class TagInvalid(Invalid):
    """A tag must be 1 to 40 characters of letters, digits, spaces, '-', '_', '/' or '.'."""

    code = "tag-invalid"


class FeedbackFilterInvalid(Invalid):
    """A filter of the inbox has an unknown value; see the listed field for allowed values."""

    code = "feedback-filter-invalid"
