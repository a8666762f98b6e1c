"""Errors of the journeys domain.

    Invalid (400)
    ├── JourneyDefinitionInvalid   the definition JSON is wrong (``path``)
    └── JourneyTemplateUnknown     no ready-made template has this name
    NotFound (404)
    └── JourneyNotFound
    Conflict (409)
    ├── JourneyExists
    └── JourneyStatusConflict      e.g. editing an archived journey
"""

from __future__ import annotations

from typing import Any

from kizuna.errors import Conflict, Invalid, NotFound


class JourneyDefinitionInvalid(Invalid):
    """The journey definition is invalid; fix the part at the named path and send it again."""

    code = "journey-definition-invalid"

    def __init__(self, path: str, message: str, **fields: Any) -> None:
        super().__init__(f"{path}: {message}", path=path, **fields)
        self.path = path


class JourneyTemplateUnknown(Invalid):
    """No ready-made journey template has this name; list them with `kizuna journeys templates`."""

    code = "journey-template-unknown"


class JourneyNotFound(NotFound):
    """No journey has this key; list the journeys with `GET /v1/journeys`."""

    code = "journey-not-found"


class JourneyExists(Conflict):
    """A journey with this key already exists; choose another key or edit that journey."""

    code = "journey-exists"


class JourneyStatusConflict(Conflict):
    """The journey's status does not allow this; change the status first."""

    code = "journey-status-conflict"
