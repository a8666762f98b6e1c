"""Stable hash assignment: stability, proportions, independence between experiments."""

from __future__ import annotations

import math
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kizuna.experiments.assignment import assign
from kizuna.experiments.contracts import GLOBAL_CONTROL, HOLDOUT, Arm
from kizuna.experiments.errors import ExperimentDataInvalid

ARMS = [Arm("a", 1), Arm("b", 1), Arm("c", 2)]
N = 20_000


def _within(count: int, n: int, p: float) -> bool:
    """Within 4.5 binomial standard deviations of n·p."""
    return abs(count - n * p) <= 4.5 * math.sqrt(n * p * (1 - p)) + 1


@given(exp=st.text(max_size=30), customer=st.text(max_size=30),
       holdout=st.floats(0, 99.9), glob=st.floats(0, 99.9))
def test_assignment_is_stable(exp: str, customer: str, holdout: float, glob: float) -> None:
    first = assign(exp, customer, ARMS, holdout_pct=holdout, global_control_pct=glob, salt="s")
    again = assign(exp, customer, ARMS, holdout_pct=holdout, global_control_pct=glob, salt="s")
    assert first == again
    assert first in {"a", "b", "c", HOLDOUT, GLOBAL_CONTROL}


def test_proportions_follow_percentages_and_weights() -> None:
    counts = Counter(assign("welcome", f"cust-{i}", ARMS, holdout_pct=10,
                            global_control_pct=5, salt="ws1") for i in range(N))
    assert _within(counts[GLOBAL_CONTROL], N, 0.05)
    assert _within(counts[HOLDOUT], N, 0.95 * 0.10)
    rest = 0.95 * 0.90
    assert _within(counts["a"], N, rest / 4)
    assert _within(counts["b"], N, rest / 4)
    assert _within(counts["c"], N, rest / 2)


def test_global_control_is_the_same_for_every_experiment() -> None:
    def members(exp: str) -> set[int]:
        return {i for i in range(5000) if assign(exp, f"c{i}", ARMS, holdout_pct=20,
                                                 global_control_pct=10, salt="ws") ==
                GLOBAL_CONTROL}
    first = members("exp-1")
    assert first == members("exp-2") and _within(len(first), 5000, 0.10)
    other_salt = {i for i in range(5000) if assign("exp-1", f"c{i}", ARMS, holdout_pct=20,
                                                   global_control_pct=10, salt="other") ==
                  GLOBAL_CONTROL}
    assert other_salt != first


def test_holdouts_and_arms_are_independent_between_experiments() -> None:
    pairs = Counter(
        (assign("e1", f"c{i}", [Arm("x"), Arm("y")], holdout_pct=30, salt="ws"),
         assign("e2", f"c{i}", [Arm("x"), Arm("y")], holdout_pct=30, salt="ws"))
        for i in range(N))
    p = {HOLDOUT: 0.30, "x": 0.35, "y": 0.35}
    for first, p1 in p.items():
        for second, p2 in p.items():
            assert _within(pairs[(first, second)], N, p1 * p2), (first, second)


def test_no_holdout_and_single_arm() -> None:
    assert {assign("e", f"c{i}", [Arm("only")], holdout_pct=0, salt="s")
            for i in range(500)} == {"only"}


@pytest.mark.parametrize(("arms", "holdout", "glob"), [
    ([], 10, 0), ([Arm("a"), Arm("a")], 10, 0), ([Arm("holdout")], 10, 0),
    ([Arm("a", 0)], 10, 0), ([Arm("a")], 100, 0), ([Arm("a")], 10, -1),
    ([Arm("a", float("nan"))], 10, 0),
])
def test_invalid_settings_are_rejected(arms: list[Arm], holdout: float, glob: float) -> None:
    with pytest.raises(ExperimentDataInvalid):
        assign("e", "c", arms, holdout_pct=holdout, global_control_pct=glob, salt="s")


def test_workspace_salt_separates_workspaces() -> None:
    from kizuna.experiments import api
    from kizuna.types import WorkspaceId

    one, two = api.workspace_salt(WorkspaceId(1)), api.workspace_salt(WorkspaceId(2))
    assert one == api.workspace_salt(WorkspaceId(1)) and one != two
    split = [api.assign("e", f"c{i}", ARMS, global_control_pct=50, salt=one) ==
             api.assign("e", f"c{i}", ARMS, global_control_pct=50, salt=two) for i in range(400)]
    assert not all(split)
