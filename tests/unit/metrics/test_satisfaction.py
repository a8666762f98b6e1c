"""NPS / CSAT / CES: textbook values, boundaries, input validation and properties."""

from __future__ import annotations

import dataclasses
from collections import Counter

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from kizuna.errors import Invalid, KizunaError
from kizuna.metrics import satisfaction as sat
from kizuna.metrics.contracts import MIN_RELIABLE_N, ScoreKind
from kizuna.metrics.errors import AnswersInvalid, NoAnswers

nps_answers = st.lists(st.integers(0, 10), min_size=1, max_size=300)
csat_answers = st.lists(st.integers(1, 5), min_size=1, max_size=300)
ces_answers = st.lists(st.integers(1, 7), min_size=1, max_size=300)
ANSWERS = {ScoreKind.NPS: nps_answers, ScoreKind.CSAT: csat_answers, ScoreKind.CES: ces_answers}


# --- textbook values ---------------------------------------------------------------------


def test_nps_of_ten_answers_matches_hand_computation() -> None:
    # 5 promoters (10, 10, 9, 9, 9), 2 passives (8, 7), 3 detractors (6, 3, 0).
    score = sat.nps([10, 10, 9, 9, 9, 8, 7, 6, 3, 0])
    assert score.value == pytest.approx(20.0)
    assert score.n == 10
    assert score.breakdown == {"promoters": 5, "passives": 2, "detractors": 3}
    # Adjusted Wald by hand: n' = 13, pP = 5.75/13, pD = 3.75/13, NPS' = 0.153846,
    # Var = pP + pD - NPS'^2 = 0.707101, SE = sqrt(Var / 13) = 0.233222.
    assert score.std_error == pytest.approx(23.3222, abs=1e-3)
    assert score.ci_low == pytest.approx(-30.326, abs=1e-2)
    assert score.ci_high == pytest.approx(61.095, abs=1e-2)
    assert score.small_sample is True
    assert score.confidence == 0.95
    assert "adjusted Wald" in score.method


def test_csat_wilson_interval_matches_the_published_value_for_8_of_10() -> None:
    score = sat.csat([5, 5, 5, 5, 4, 4, 4, 4, 3, 1])
    assert score.value == pytest.approx(80.0)
    assert score.breakdown == {"satisfied": 8, "other": 2}
    # Wilson (1927) 95 % interval for 8/10: 0.4902 to 0.9433 (e.g. Newcombe 1998, Table I).
    assert score.ci_low == pytest.approx(49.02, abs=0.01)
    assert score.ci_high == pytest.approx(94.33, abs=0.01)


def test_ces_t_interval_matches_scipy_and_is_clipped_to_the_scale() -> None:
    answers = [5, 6, 7, 4, 6]
    score = sat.ces(answers)
    low, high = stats.t.interval(0.95, 4, loc=np.mean(answers), scale=stats.sem(answers))
    assert score.value == pytest.approx(5.6)
    assert score.ci_low == pytest.approx(low)
    assert high > 7 and score.ci_high == 7.0
    assert score.breakdown == {"agree": 4, "neutral": 1, "disagree": 0}


def test_csat_change_matches_newcombe_1998_example() -> None:
    # Newcombe (1998) Table II example (a): 56/70 vs 48/80, method 10: 0.0524 to 0.3339.
    change = sat.csat_change({5: 48, 1: 32}, {5: 56, 1: 14})
    assert change.difference == pytest.approx(20.0)
    assert change.ci_low == pytest.approx(5.24, abs=0.01)
    assert change.ci_high == pytest.approx(33.39, abs=0.01)
    # Pooled two-proportion z: p = 104/150, z = 0.2 / sqrt(p(1-p)(1/70 + 1/80)) = 2.651.
    assert change.p_value == pytest.approx(2 * stats.norm.sf(2.6506), abs=1e-4)
    assert change.significant


def test_ces_change_is_welch_t_test() -> None:
    before = [3, 4, 5, 5, 6, 2, 4, 4, 5, 3, 6, 7]
    after = [5, 6, 6, 7, 7, 4, 6, 5, 7, 6]
    change = sat.ces_change(before, after)
    expected = stats.ttest_ind(after, before, equal_var=False)
    assert change.p_value == pytest.approx(expected.pvalue)
    ci = expected.confidence_interval(0.95)
    assert (change.ci_low, change.ci_high) == pytest.approx((ci.low, ci.high))
    assert change.difference == pytest.approx(np.mean(after) - np.mean(before))
    assert change.method == "Welch t test"


def test_nps_change_detects_a_large_drop() -> None:
    change = sat.nps_change([9] * 30 + [0] * 10, [9] * 20 + [0] * 20)
    assert change.difference == pytest.approx(-50.0)
    assert change.before.value == pytest.approx(50.0)
    assert change.after.value == pytest.approx(0.0)
    assert change.significant and change.p_value < 0.05
    assert change.ci_high < 0


# --- boundaries --------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 5, 30, 1000])
def test_all_promoters_give_nps_100_with_interval_clipped(n: int) -> None:
    score = sat.nps([10] * n)
    assert score.value == 100.0
    assert score.ci_high == 100.0
    assert -100.0 <= score.ci_low < 100.0
    assert score.small_sample is (n < MIN_RELIABLE_N)


def test_all_detractors_give_nps_minus_100() -> None:
    score = sat.nps({0: 40, 6: 10})
    assert (score.value, score.ci_low) == (-100.0, -100.0)
    assert score.ci_high > -100.0


def test_one_answer_still_gives_an_interval_containing_it() -> None:
    for answer, value in [(10, 100.0), (0, -100.0), (8, 0.0)]:
        score = sat.nps([answer])
        assert score.ci_low <= value <= score.ci_high
        assert score.small_sample
    ces = sat.ces([6])
    assert (ces.value, ces.ci_low, ces.ci_high, ces.std_error) == (6.0, 1.0, 7.0, 3.0)


def test_all_satisfied_csat_is_100_with_wilson_lower_bound() -> None:
    score = sat.csat([5] * 20)
    assert (score.value, score.ci_high) == (100.0, 100.0)
    z2 = stats.norm.ppf(0.975) ** 2
    assert score.ci_low == pytest.approx(100 * 20 / (20 + z2))


def test_small_sample_threshold_is_30() -> None:
    assert sat.csat([5] * 29).small_sample
    assert not sat.csat([5] * 30).small_sample
    change = sat.csat_change([5] * 29, [5] * 100)
    assert change.small_sample


def test_ces_change_degenerate_cases_are_numbers_not_nan() -> None:
    same = sat.ces_change([7] * 5, [7] * 5)
    assert (same.difference, same.ci_low, same.ci_high, same.p_value) == (0, 0, 0, 1.0)
    shifted = sat.ces_change([7] * 5, [6] * 5)
    assert (shifted.difference, shifted.p_value, shifted.significant) == (-1.0, 0.0, True)
    single = sat.ces_change([7], [1, 2, 3])
    assert (single.ci_low, single.ci_high, single.p_value) == (-6.0, 6.0, 1.0)
    assert not single.significant


def test_csat_change_with_no_variation_is_not_significant() -> None:
    change = sat.csat_change([5] * 10, [4] * 50)
    assert (change.difference, change.p_value, change.significant) == (0.0, 1.0, False)


def test_confidence_level_is_a_parameter() -> None:
    wide = sat.nps([10, 9, 8, 0, 3, 9, 10, 7], confidence=0.99)
    narrow = sat.nps([10, 9, 8, 0, 3, 9, 10, 7], confidence=0.80)
    assert wide.ci_low < narrow.ci_low < narrow.ci_high < wide.ci_high
    assert wide.confidence == 0.99
    change = sat.nps_change([10] * 20, [0] * 20, confidence=0.9)
    assert change.confidence == 0.9


# --- input validation --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "answers", "field", "value"),
    [
        ("nps", [10, 9, 11], "answers[2]", 11),
        ("nps", [0, -1], "answers[1]", -1),
        ("nps", [8, 7.5], "answers[1]", 7.5),
        ("nps", [True], "answers[0]", True),
        ("nps", ["9"], "answers[0]", "9"),
        ("nps", [None], "answers[0]", None),
        ("csat", [0], "answers[0]", 0),
        ("csat", [6], "answers[0]", 6),
        ("ces", [8], "answers[0]", 8),
        ("ces", np.array([1, 2, 9]), "answers[2]", 9),
        ("ces", np.array([1.0, float("nan")]), "answers[1]", None),
        ("nps", {11: 3}, "counts[11]", 11),
        ("nps", {9: -1}, "counts[9]", -1),
        ("nps", {9: 2.5}, "counts[9]", 2.5),
        ("csat", "12345", "answers", "12345"),
    ],
)
def test_invalid_answers_name_the_field_the_value_and_what_is_allowed(
    kind: str, answers: object, field: str, value: object
) -> None:
    with pytest.raises(AnswersInvalid) as caught:
        sat.score(kind, answers)  # type: ignore[arg-type]
    error = caught.value
    assert isinstance(error, Invalid) and isinstance(error, KizunaError)
    assert error.status == 400
    assert error.code == "satisfaction-answers-invalid"
    assert error.field == field
    if value is not None:
        assert error.value == value
    assert error.fields["field"] == field
    lo, hi = ScoreKind(kind).scale
    if field.startswith("answers["):
        assert f"from {lo} to {hi}" in str(error)
        assert error.allowed == f"whole numbers from {lo} to {hi}"


def test_problem_fields_stay_json_friendly() -> None:
    with pytest.raises(AnswersInvalid) as caught:
        sat.nps([object()])  # type: ignore[list-item]
    assert isinstance(caught.value.fields["value"], str)


@pytest.mark.parametrize("empty", [[], {}, {9: 0}, np.array([], dtype=int), iter(())])
def test_no_answers_is_a_clear_error(empty: object) -> None:
    with pytest.raises(NoAnswers, match="no NPS answers"):
        sat.nps(empty)  # type: ignore[arg-type]
    with pytest.raises(NoAnswers):
        sat.nps_change([9, 10], empty)  # type: ignore[arg-type]


@pytest.mark.parametrize("confidence", [0, 1, 1.5, -0.1, 95])
def test_confidence_outside_0_1_is_invalid(confidence: float) -> None:
    with pytest.raises(Invalid) as caught:
        sat.csat([5, 4], confidence=confidence)
    assert caught.value.fields["field"] == "confidence"


def test_unknown_kind_and_mismatched_scores_are_invalid() -> None:
    with pytest.raises(Invalid, match="use one of nps, csat, ces"):
        sat.score("enps", [9])
    with pytest.raises(Invalid) as caught:
        sat.nps_change(sat.csat([5, 4]), [9, 10])
    assert caught.value.fields["field"] == "before"


def test_whole_number_floats_and_numpy_integers_are_accepted() -> None:
    assert sat.nps([9.0, 10.0, 0.0]) == sat.nps([9, 10, 0])
    assert sat.nps([np.int64(9), np.int8(3)]) == sat.nps([9, 3])
    assert sat.nps(np.array([9.0, 3.0])) == sat.nps([9, 3])


def test_scores_are_frozen() -> None:
    score = sat.nps([9])
    with pytest.raises(dataclasses.FrozenInstanceError):
        score.value = 0.0  # type: ignore[misc]


# --- properties --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(ScoreKind))
@given(data=st.data())
def test_counts_raw_answers_and_arrays_give_identical_scores(
    kind: ScoreKind, data: st.DataObject
) -> None:
    answers = data.draw(ANSWERS[kind])
    from_answers = sat.score(kind, answers)
    assert sat.score(kind, Counter(answers)) == from_answers
    assert sat.score(kind, np.array(answers)) == from_answers
    assert sat.score(kind, list(reversed(answers))) == from_answers
    assert sat.score(kind, from_answers.counts) == from_answers


@pytest.mark.parametrize("kind", list(ScoreKind))
@given(data=st.data())
def test_interval_contains_the_score_and_stays_on_the_scale(
    kind: ScoreKind, data: st.DataObject
) -> None:
    score = sat.score(kind, data.draw(ANSWERS[kind]))
    bounds = {ScoreKind.NPS: (-100, 100), ScoreKind.CSAT: (0, 100), ScoreKind.CES: (1, 7)}
    lo, hi = bounds[kind]
    assert lo <= score.ci_low <= score.value <= score.ci_high <= hi
    assert score.n == sum(score.counts.values()) == sum(score.breakdown.values())
    assert score.std_error >= 0


@given(answers=nps_answers)
def test_nps_is_promoter_share_minus_detractor_share(answers: list[int]) -> None:
    score = sat.nps(answers)
    promoters = sum(a >= 9 for a in answers)
    detractors = sum(a <= 6 for a in answers)
    assert score.value == pytest.approx(100 * (promoters - detractors) / len(answers))


@pytest.mark.parametrize("kind", list(ScoreKind))
@given(data=st.data())
def test_change_is_antisymmetric(kind: ScoreKind, data: st.DataObject) -> None:
    a, b = data.draw(ANSWERS[kind]), data.draw(ANSWERS[kind])
    forward, backward = sat.change(kind, a, b), sat.change(kind, b, a)
    assert forward.difference == pytest.approx(-backward.difference)
    assert forward.p_value == pytest.approx(backward.p_value)
    assert forward.ci_low == pytest.approx(-backward.ci_high)
    assert 0.0 <= forward.p_value <= 1.0


@pytest.mark.parametrize("kind", [ScoreKind.NPS, ScoreKind.CES])
@given(data=st.data())
def test_significance_agrees_with_the_interval(kind: ScoreKind, data: st.DataObject) -> None:
    before = data.draw(ANSWERS[kind].filter(lambda x: len(x) >= 2))
    after = data.draw(ANSWERS[kind].filter(lambda x: len(x) >= 2))
    change = sat.change(kind, before, after)
    excludes_zero = change.ci_low > 0 or change.ci_high < 0
    if abs(change.p_value - 0.05) > 1e-9:
        assert change.significant is excludes_zero
