"""Errors of the experiments domain (each documented in docs/reference/problems.md)."""

from __future__ import annotations

from kizuna.errors import Invalid, NotFound


class PdcaRecordNotFound(NotFound):
    """No PDCA record with this id exists in the workspace; see the list on the PDCA page."""

    code = "pdca-record-not-found"


class PdcaRecordInvalid(Invalid):
    """The PDCA record is invalid; fix the named field and save it again."""

    code = "pdca-record-invalid"


class ExperimentDataInvalid(Invalid):
    """The experiment data or settings are invalid (arms, weights, percentages or a data row);
    fix the named field or row and try again."""

    code = "experiment-data-invalid"
