"""Errors of the surveys domain (each documented in docs/reference/problems.md).

    Invalid (400)
    ├── SurveyDefinitionInvalid     errors=[{"path": "questions[1].options", "message": ...}]
    ├── AnswerInvalid               errors=[{"question": "q1", "key": "out_of_scale",
    │                                        "message": <in the respondent's locale>}]
    └── SurveyImportInvalid         the CSV as a whole cannot be read (header, columns)
    NotFound (404)
    ├── SurveyNotFound
    ├── SurveyResponseNotFound
    └── InvitationInvalid
    Conflict (409)
    ├── SurveyKeyTaken
    ├── SurveyResponseComplete
    └── InvitationUsed
    SurveyClosed (410)
    InvitationExpired (410)
"""

from __future__ import annotations

from typing import Any

from kizuna.errors import Conflict, Invalid, KizunaError, NotFound


class SurveyDefinitionInvalid(Invalid):
    """The survey definition is invalid; fix each listed path (see docs/reference/surveys.md)."""

    code = "survey-definition-invalid"

    def __init__(self, errors: list[dict[str, str]], message: str | None = None) -> None:
        first = errors[0] if errors else {"path": "", "message": ""}
        super().__init__(
            message or f"The survey definition is invalid: {first['path'] or '(document)'}: "
            f"{first['message']}" + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""),
            errors=errors,
        )
        self.errors = errors


class AnswerInvalid(Invalid):
    """Some answers are invalid; correct the listed questions and send them again."""

    code = "survey-answer-invalid"

    def __init__(self, errors: list[dict[str, str]], message: str | None = None,
                 **fields: Any) -> None:
        first = errors[0] if errors else {"question": "", "message": ""}
        super().__init__(
            message or f"Answer to {first['question']!r} is invalid: {first['message']}"
            + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""),
            errors=errors, **fields,
        )
        self.errors = errors

    @property
    def by_question(self) -> dict[str, str]:
        """Question id → message (the first message per question)."""
        out: dict[str, str] = {}
        for e in self.errors:
            out.setdefault(e["question"], e["message"])
        return out


class SurveyImportInvalid(Invalid):
    """The CSV file cannot be imported as a whole; check its header row and encoding (UTF-8)."""

    code = "survey-import-invalid"


class SurveyNotFound(NotFound):
    """No survey with this id or key exists in the workspace (or it is still a draft)."""

    code = "survey-not-found"


class SurveyResponseNotFound(NotFound):
    """This survey response does not exist; start the survey again from its link."""

    code = "survey-response-not-found"


class InvitationInvalid(NotFound):
    """This personal survey link is not valid; check that it was copied completely."""

    code = "survey-invitation-invalid"


class SurveyKeyTaken(Conflict):
    """Another survey of the workspace already uses this key; choose another key."""

    code = "survey-key-taken"


class SurveyResponseComplete(Conflict):
    """This response was already submitted; answers cannot be changed afterwards."""

    code = "survey-response-complete"


class InvitationUsed(Conflict):
    """This personal survey link was already used to answer; each link answers once."""

    code = "survey-invitation-used"


class SurveyClosed(KizunaError):
    """This survey is closed and no longer accepts answers."""

    code, status = "survey-closed", 410


class InvitationExpired(KizunaError):
    """This personal survey link has expired; ask the sender for a new one."""

    code, status = "survey-invitation-expired", 410
