"""Errors of the broadcasts domain (each documented in docs/reference/problems.md)."""

from __future__ import annotations

from kizuna.errors import Conflict, Invalid, NotFound


class BroadcastNotFound(NotFound):
    """No broadcast with this key exists in the workspace; see `kizuna broadcasts list`."""

    code = "broadcast-not-found"


class BroadcastInvalid(Invalid):
    """The broadcast is invalid; fix the named field and try again."""

    code = "broadcast-invalid"


class BroadcastExists(Conflict):
    """A broadcast with this key already exists; choose another key."""

    code = "broadcast-exists"


class BroadcastStateConflict(Conflict):
    """The broadcast cannot do this in its current status (e.g. edit or cancel one that is
    already sending or sent); see its status."""

    code = "broadcast-state-conflict"
