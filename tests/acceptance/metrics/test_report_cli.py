"""`kizuna report` end to end through the real CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from kizuna.cli.main import app
from tests.shop import ShopOrder

runner = CliRunner()
TOKYO = ZoneInfo("Asia/Tokyo")


def run(database_url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--database-url", database_url, "report", *args])
    return result.exit_code, result.output


def test_json_report_matches_the_orders(database_url: str, shop: list[ShopOrder]) -> None:
    code, out = run(database_url, "--period", "last-60d", "--json",
                    "--section", "commerce", "--section", "rfm")
    assert code == 0, out
    body = json.loads(out)
    today = datetime.now(UTC).astimezone(TOKYO).date()
    start = today - timedelta(days=59)
    expected = sum(float(o.total) for o in shop
                   if start <= o.placed_at.astimezone(TOKYO).date() <= today)
    assert body["commerce"]["revenue"]["value"] == pytest.approx(expected)
    assert body["rfm"]["n"] == 80 and body["funnel"] is None


def test_table_report_shows_the_sections(database_url: str, shop: list[ShopOrder]) -> None:
    code, out = run(database_url, "--period", "last-365d", "--by", "channel")
    assert code == 0, out
    for heading in ("Commerce", "Engagement", "By channel", "RFM segments", "Purchase funnel",
                    "Journey stages", "Cohort retention by month"):
        assert heading in out, heading


def test_segment_filter_limits_the_customers(database_url: str, shop: list[ShopOrder]) -> None:
    code, out = run(database_url, "--json", "--section", "rfm")
    champions = next(s["customers"] for s in json.loads(out)["rfm"]["segments"]
                     if s["segment"] == "Champions")
    code, out = run(database_url, "--json", "--segment", "Champions", "--section", "commerce",
                    "--period", "last-365d")
    assert code == 0, out
    body = json.loads(out)
    assert body["segment"] == "Champions"
    assert body["commerce"]["active_customers"]["value"] <= champions


def test_bad_input_is_a_clear_error(database_url: str, shop: list[ShopOrder]) -> None:
    code, out = run(database_url, "--period", "next week")
    assert code == 1 and "metrics-period-invalid" in " ".join(out.split())
    code, out = run(database_url, "--section", "horoscope")
    assert code == 1 and "Unknown --section" in " ".join(out.split())
    code, out = run(database_url, "--as-of", "2026-12-01T00:00:00")
    assert code == 1 and "time zone" in " ".join(out.split())


def test_weekly_cohorts_and_the_html_report(
    database_url: str, shop: list[ShopOrder], tmp_path: object
) -> None:
    from pathlib import Path

    out_file = Path(str(tmp_path)) / "report.html"
    code, out = run(database_url, "--cohort-grain", "week", "--section", "retention",
                    "--section", "commerce", "--html", str(out_file), "--locale", "en")
    assert code == 0, out
    assert "Cohort retention by week" in out
    html = out_file.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "<svg" in html and "<script" not in html
    code, out = run(database_url, "--cohort-grain", "day")
    assert code == 1 and "--cohort-grain" in out
