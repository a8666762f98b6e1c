"""Sentiment accuracy on the held-out half of kizuna's own labelled sets beats the baseline."""

from __future__ import annotations

import pytest

from kizuna.text import evaluation


@pytest.mark.parametrize("language", ["ja", "en"])
def test_held_out_beats_majority_baseline_clearly(language: str) -> None:
    (report,) = evaluation.evaluate(language, ("held_out",))
    assert report.n >= 140
    assert report.accuracy >= report.baseline_accuracy + 0.2
    assert report.macro_f1 >= report.baseline_macro_f1 + 0.3
    assert sum(sum(row.values()) for row in report.confusion.values()) == report.n


@pytest.mark.parametrize("language", ["ja", "en"])
def test_eval_set_is_well_formed(language: str) -> None:
    items = evaluation.load(language)
    assert len(items) >= 290
    assert {i.split for i in items} == {"dev", "held_out"}
    assert {i.label for i in items} == set(evaluation.LABELS)
    assert len({i.text for i in items}) == len(items)


def test_report_formats() -> None:
    (report,) = evaluation.evaluate("en", ("dev",))
    text = evaluation.format_report(report)
    assert "accuracy" in text and "majority baseline" in text
