"""satisfaction_scores on a snapshot of a real store (SQLite and PostgreSQL): responses sent
as Segment track events through the real ingest facade, however their senders spelled them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from kizuna.analytics.snapshot import Snapshot, take_snapshot
from kizuna.ingest import api as ingest
from kizuna.metrics import satisfaction
from kizuna.metrics.feedback_scores import satisfaction_scores
from kizuna.metrics.periods import Period
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace
from tests.integration.metrics.conftest import AS_OF, T0, write_small_shop

# T0 is 2026-03-02 10:00 Tokyo; the small shop holds u2's NPS 9 on 2026-03-12.
MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))


def _response(mid: str, user: str | None, days: float, **props: Any) -> dict[str, Any]:
    message: dict[str, Any] = {
        "type": "track",
        "messageId": mid,
        "event": "Survey Responded",
        "timestamp": (T0 + timedelta(days=days)).isoformat(),
        "properties": props,
    }
    if user is None:
        message["anonymousId"] = f"anon-{mid}"
    else:
        message["userId"] = user
    return message


RESPONSES = [
    _response("r1", "u1", 1, survey_type="nps", score=10, survey_id="s1", comment="最高"),
    _response("r2", "u3", 2, survey_type="NPS", score="8"),  # text score, upper-case kind
    _response("r3", "u1", 3, kind="nps", score=6),  # `kind` instead of survey_type
    _response("r4", "u3", 4, survey_type="nps", score=11),  # outside the scale
    _response("r5", "u1", 5, survey_type="nps", score="ten"),  # not a number
    _response("r6", "u3", 6, survey_type="nps"),  # no score
    _response("r7", "u1", 7, survey_type="nps", score=7.5),  # not whole
    _response("r8", "u1", 8, survey_type="csat", score=4),
    _response("r9", "u3", 8, survey_type="csat", score=2),
    _response("r10", "u1", 9, survey_type="ces", score=5),
    _response("r11", None, 9, survey_type="enps", score=9),  # anonymous eNPS
    _response("r12", "u1", 9, survey_type="stars", score=5),  # unknown kind
    _response("f1", "u1", -20, survey_type="nps", score=3),  # February: previous period
    _response("f2", "u3", -25, survey_type="nps", score=10),
]


@pytest.fixture
def snap(
    runtime: Runtime, workspace: Workspace, write_key: str, settings: Any
) -> Iterator[Snapshot]:
    write_small_shop(runtime, workspace, write_key)
    with runtime.sessions.begin() as s:
        source = ingest.find_source_by_write_key(s, write_key)
        assert source is not None
        ingest.ingest_messages(s, source=source, messages=RESPONSES, received_at=AS_OF)
    with take_snapshot(
        settings.database_url, workspace.id, timezone="Asia/Tokyo", currency="JPY", as_of=AS_OF
    ) as snapshot:
        yield snapshot


def test_scores_from_stored_responses(snap: Snapshot) -> None:
    report = satisfaction_scores(snap, MARCH)
    nps = report.kinds["nps"]
    assert nps.score == satisfaction.nps([10, 8, 6, 9])  # r1, r2, r3 and the shop's u2
    assert (nps.rejected.out_of_scale, nps.rejected.missing, nps.rejected.not_whole) == (1, 2, 1)
    assert nps.previous == satisfaction.nps([3, 10])
    assert nps.change == satisfaction.nps_change([3, 10], [10, 8, 6, 9])
    assert report.kinds["csat"].score == satisfaction.csat([4, 2])
    assert report.kinds["ces"].score == satisfaction.ces([5])
    enps = report.kinds["enps"]
    assert enps.n == 1 and enps.score is None  # one anonymous eNPS answer is not shown
    assert report.unclassified == 1


def test_breakdown_by_segment_from_the_store(snap: Snapshot) -> None:
    ids = dict(snap.con.execute("SELECT external_id, customer_id FROM customers").fetchall())
    by = {ids["u1"]: "members", ids["u2"]: "members", ids["u3"]: "guests"}
    nps = satisfaction_scores(snap, MARCH, kinds=("nps",), by=by).kinds["nps"]
    seg = nps.segments
    assert seg is not None
    # members have 3 answers, guests 1: both under 5, so nothing is shown.
    assert seg.groups == () and seg.hidden == 2 and seg.unassigned == 0
    assert seg.note is not None and "fewer than 5" in seg.note
