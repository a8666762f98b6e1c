"""Errors of the segments domain.

    Invalid (400)
    └── SegmentConditionInvalid   the condition JSON is wrong (``path``, ``errors``)
    NotFound (404)
    └── SegmentNotFound
    Conflict (409)
    ├── SegmentExists
    ├── SegmentCycle              segments that refer to each other in a loop
    └── MetricScoresNotComputed   a metric condition before the first score refresh
"""

from __future__ import annotations

from typing import Any

from kizuna.errors import Conflict, Invalid, NotFound


class SegmentConditionInvalid(Invalid):
    """The segment condition is invalid; fix the part at the named path and send it again."""

    code = "segment-condition-invalid"

    def __init__(self, path: str, message: str, **fields: Any) -> None:
        super().__init__(f"{path}: {message}", path=path, **fields)
        self.path = path


class SegmentNotFound(NotFound):
    """No segment has this key; list the segments with `GET /v1/segments`."""

    code = "segment-not-found"


class SegmentExists(Conflict):
    """A segment with this key already exists; choose another key or update that segment."""

    code = "segment-exists"


class SegmentCycle(Conflict):
    """These segments refer to each other in a loop; remove one of the `segment` conditions."""

    code = "segment-cycle"


class MetricScoresNotComputed(Conflict):
    """Metric scores are not computed yet — run `kizuna segments refresh-scores` or wait for
    the hourly refresh."""

    code = "metric-scores-not-computed"

