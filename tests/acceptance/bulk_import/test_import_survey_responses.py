"""The worked example of docs/howto/import.md#importing-past-survey-responses, exactly as
printed, through the real `kizuna import events` CLI; then scored from a snapshot of the store."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from kizuna.analytics.snapshot import take_snapshot
from kizuna.metrics.feedback_scores import satisfaction_scores
from kizuna.metrics.periods import Period
from kizuna.settings import Settings
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.bulk_import.test_import_cli import invoke

HOWTO = Path(__file__).resolve().parents[3] / "docs" / "howto" / "import.md"
SECTION = "## Importing past survey responses"


def documented_csv() -> str:
    text = HOWTO.read_text(encoding="utf-8")
    assert SECTION in text
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```csv\n(.*?)```", section, re.S)
    assert match, "the section has no ```csv block"
    return match.group(1)


def test_the_documented_example_imports_and_scores(
    database_url: str,
    settings: Settings,
    workspace: Workspace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    f = tmp_path / "responses.csv"
    f.write_text(documented_csv(), encoding="utf-8")
    code, out = invoke(database_url, "events", str(f), "--json")
    assert code == 0, out
    summary = json.loads(out.strip().splitlines()[-1])
    assert (summary["rows_read"], summary["written"], summary["rejected"]) == (8, 8, 0)

    # Re-importing the same export adds nothing (stable message ids).
    code, out = invoke(database_url, "events", str(f), "--json")
    assert code == 0, out
    assert json.loads(out.strip().splitlines()[-1])["written"] == 0

    with take_snapshot(
        settings.database_url,
        workspace.id,
        timezone="Asia/Tokyo",
        currency="JPY",
        as_of=datetime(2024, 4, 1, tzinfo=UTC),
    ) as snap:
        report = satisfaction_scores(snap, Period(date(2024, 3, 1), date(2024, 3, 31)))

    nps = report.kinds["nps"]
    assert nps.score is not None and nps.score.value == pytest.approx(25.0)
    assert nps.n == 4 and nps.score.breakdown == {"promoters": 2, "passives": 1, "detractors": 1}
    assert nps.rejected.total == 1 and nps.rejected.out_of_scale == 1
    assert any("outside 0–10" in note for note in nps.notes)
    csat, ces = report.kinds["csat"], report.kinds["ces"]
    assert csat.score is not None and (csat.score.value, csat.n) == (50.0, 2)
    assert ces.score is not None and (ces.score.value, ces.n) == (6.0, 1)
    assert all(s.small_sample for s in (nps.score, csat.score, ces.score))
    assert report.kinds["enps"].score is None
    assert report.unclassified == 0
    # The trend has the one month, with every answer in it.
    assert [(p.month, p.n) for p in nps.trend] == [(date(2024, 3, 1), 4)]
