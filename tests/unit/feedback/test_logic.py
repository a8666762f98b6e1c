"""Pure rules of the feedback domain: who needs a follow-up, tags, intervals, alert texts."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kizuna.feedback import api as feedback
from kizuna.feedback.errors import TagInvalid
from kizuna.feedback.loop import quantile


@pytest.mark.parametrize(
    ("kind", "score", "reason"),
    [("nps", 0, "detractor"), ("nps", 6, "detractor"), ("nps", 7, None), ("enps", 3, "detractor"),
     ("enps", 9, None), ("csat", 1, "low_csat"), ("csat", 2, "low_csat"), ("csat", 3, None),
     ("ces", 5, "hard_ces"), ("ces", 7, "hard_ces"), ("ces", 4, None), ("rating", 1, None),
     ("nps", None, None), (None, 0, None), ("nps", -1, None), ("csat", 0, None)],
)
def test_followup_reason(kind: str | None, score: int | None, reason: str | None) -> None:
    assert feedback.followup_reason(kind, score) == reason


@given(st.integers(0, 500), st.integers(1, 500))
def test_wilson_interval_brackets_the_share(k: int, n: int) -> None:
    k = min(k, n)
    low, high = feedback.wilson_interval(k, n)
    assert 0 <= low <= k / n <= high <= 1
    assert high - low <= 2 * 1.96 * math.sqrt(0.25 / n) + 1e-9


def test_wilson_interval_known_value() -> None:
    # 8 of 10: Wilson 95 % interval 0.490–0.943 (Newcombe 1998, table I style)
    low, high = feedback.wilson_interval(8, 10)
    assert (round(low, 3), round(high, 3)) == (0.490, 0.943)


@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=50), st.floats(0, 1))
def test_quantile_matches_numpy(values: list[float], q: float) -> None:
    import numpy as np

    assert quantile(values, q) == pytest.approx(float(np.quantile(values, q)), abs=1e-6)


@given(st.text(max_size=60))
def test_tags_are_normalised_or_refused(raw: str) -> None:
    try:
        tag = feedback.normalise_tag(raw)
    except TagInvalid:
        return
    assert 1 <= len(tag) <= 40 and tag == tag.strip() and "  " not in tag
    assert feedback.normalise_tag(tag) == tag  # idempotent
    assert not set(tag) & set("<>\"'&\n\r\t")


def _payload(text: str) -> dict[str, object]:
    return {"task_id": 7, "reason": "detractor", "due_at": "2026-05-03T03:00:00+00:00",
            "owner": None, "customer": {"id": 3, "name": "山田 <花子>"},
            "feedback": {"score_kind": "nps", "score": 2, "text": text}}


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_alert_email_is_escaped_and_subject_carries_no_customer_text(locale: str) -> None:
    subject, text_body, html_body = feedback.email_parts(
        _payload("<script>x</script>\r\nBcc: a@b"), locale)
    assert "script" not in subject and "山田" not in subject and "#7" in subject
    assert "<script>" not in html_body and "&lt;script&gt;" in html_body
    assert "&lt;花子&gt;" in html_body
    assert "<script>x</script>" in text_body  # plain text is shown as text
    assert ("フォローアップ" in subject) == (locale == "ja")
