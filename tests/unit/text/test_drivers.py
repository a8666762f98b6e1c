"""Key drivers on planted effects: a detractor theme drags NPS down, a neutral theme doesn't."""

from __future__ import annotations

import math
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from kizuna.text import api
from kizuna.text.contracts import Theme


def _theme(tid: int, label: str) -> Theme:
    return Theme(id=tid, label=label, terms=(), size=0, examples=(), sentiment=0.0)


def _planted() -> tuple[list[int | None], list[int | None]]:
    rng = random.Random(1)
    assignments: list[int | None] = []
    scores: list[int | None] = []
    for _ in range(60):  # theme 0: all detractors
        assignments.append(0)
        scores.append(rng.randint(0, 6))
    for _ in range(300):  # theme 1 and no theme: the same mixed population
        assignments.append(rng.choice([1, None]))
        scores.append(rng.choice([10, 9, 9, 8, 7, 5, 3]))
    for _ in range(20):  # comments without an NPS answer
        assignments.append(0)
        scores.append(None)
    return assignments, scores


def test_detractor_theme_has_negative_effect_with_ci_below_zero() -> None:
    assignments, scores = _planted()
    drivers = api.key_drivers(assignments, scores, [_theme(0, "配送 / 遅い"), _theme(1, "price")])
    bad = next(d for d in drivers if d.theme_id == 0)
    assert bad.n == 60 and bad.detractors == 60 and bad.promoters == 0
    assert bad.nps_with == -100.0
    assert bad.effect_on_nps < 0
    assert bad.ci_high < 0
    assert bad.p_value < 0.01
    assert drivers[0].theme_id == 0  # most negative first
    assert math.isclose(bad.share_of_comments, 80 / 380)


def test_neutral_theme_ci_covers_zero() -> None:
    assignments, scores = _planted()
    drivers = api.key_drivers(assignments, scores, [_theme(0, "a"), _theme(1, "b")])
    neutral = next(d for d in drivers if d.theme_id == 1)
    # theme 1 vs the rest includes theme 0's detractors, so compare only the no-theme group
    only = [(a, s) for a, s in zip(assignments, scores, strict=True) if a != 0]
    d = api.key_drivers([a for a, _ in only], [s for _, s in only], [_theme(1, "b")])[0]
    assert d.ci_low <= 0 <= d.ci_high
    assert d.p_value > 0.05
    assert neutral.n > 0


def test_effect_identity() -> None:
    assignments, scores = _planted()
    d = api.key_drivers(assignments, scores, [_theme(0, "a")])[0]
    answered = [s for s in scores if s is not None]
    overall = 100 * (sum(s >= 9 for s in answered) - sum(s <= 6 for s in answered)) / len(answered)
    assert math.isclose(d.effect_on_nps, round(overall - d.nps_without, 2), abs_tol=0.01)


def test_theme_with_everyone_or_no_one_gives_nan() -> None:
    d = api.key_drivers([0, 0, 0], [10, 5, 9], [_theme(0, "all"), _theme(1, "none")])
    by_id = {x.theme_id: x for x in d}
    assert math.isnan(by_id[0].effect_on_nps) and math.isnan(by_id[0].ci_low)
    assert by_id[1].n == 0 and math.isnan(by_id[1].nps_with)
    assert api.key_drivers([], [], []) == []


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([0, 1, None]), st.one_of(st.none(), st.integers(0, 10))),
        max_size=60,
    )
)
def test_key_drivers_never_raise(rows: list[tuple[int | None, int | None]]) -> None:
    drivers = api.key_drivers(
        [a for a, _ in rows], [s for _, s in rows], [_theme(0, "a"), _theme(1, "b")]
    )
    for d in drivers:
        assert d.promoters + d.passives + d.detractors == d.n
        if not math.isnan(d.effect_on_nps):
            assert -200 <= d.effect_on_nps <= 200
