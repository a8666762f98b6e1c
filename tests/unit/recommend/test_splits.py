"""The two time-based splits and the rolling validation folds (property tests)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kizuna.recommend.blend import _validation_folds
from kizuna.recommend.contracts import Interactions
from kizuna.recommend.validation import per_user_split, split_by, time_split


def _data(rows: list[tuple[int, int, int]]) -> Interactions:
    a = np.array(rows, dtype=np.int64).reshape(-1, 3)
    return Interactions(users=a[:, 0], items=a[:, 1], times=a[:, 2],
                        weights=np.ones(a.shape[0], dtype=np.float32),
                        baskets=np.arange(a.shape[0], dtype=np.int64))


def _keys(data: Interactions) -> list[tuple[int, int, int, int]]:
    return sorted(zip(data.users.tolist(), data.items.tolist(), data.times.tolist(),
                      data.baskets.tolist(), strict=True))


ROWS = st.lists(st.tuples(st.integers(1, 6), st.integers(1, 20), st.integers(0, 50)),
                max_size=80)


@settings(max_examples=150, deadline=None)
@given(ROWS, st.sampled_from([0.1, 0.2, 0.25, 0.5]))
def test_per_user_split_holds_out_each_users_latest_share(
    rows: list[tuple[int, int, int]], fraction: float
) -> None:
    data = _data(rows)
    train, test, first = per_user_split(data, fraction)
    assert sorted(_keys(train) + _keys(test)) == _keys(data)  # a partition, nothing lost
    for user in np.unique(data.users):
        n = int((data.users == user).sum())
        mine_test = test.times[test.users == user]
        mine_train = train.times[train.users == user]
        assert mine_test.size == int(np.floor(n * fraction + 1e-9))
        if mine_test.size and mine_train.size:
            assert mine_train.max() <= mine_test.min()  # nothing from the future trains
    if len(test):
        assert first == int(test.times.min())


@settings(max_examples=100, deadline=None)
@given(ROWS)
def test_global_split_cuts_everyone_at_one_time(rows: list[tuple[int, int, int]]) -> None:
    data = _data(rows)
    train, test, cut = split_by(data, 0.2, "global")
    assert sorted(_keys(train) + _keys(test)) == _keys(data)
    assert np.all(train.times < cut) and np.all(test.times >= cut)


def test_per_user_split_gives_every_active_user_a_test_set_where_global_does_not() -> None:
    # Two bursty users: one early, one late. A global cut tests only the late one.
    rows = [(1, i, i) for i in range(10)] + [(2, i, 100 + i) for i in range(10)]
    data = _data(rows)
    assert set(time_split(data, 0.2)[1].users.tolist()) == {2}
    assert set(per_user_split(data, 0.2)[1].users.tolist()) == {1, 2}
    with pytest.raises(ValueError, match="per_user"):
        split_by(data, 0.2, "sideways")  # type: ignore[arg-type]


def test_validation_folds_roll_back_in_time_without_overlap() -> None:
    data = _data([(u, i, 10 * i + u) for u in range(1, 6) for i in range(30)])
    for split in ("global", "per_user"):
        folds = list(_validation_folds(data, split, 3))
        assert len(folds) == 3
        for (fit, valid), (older_fit, older_valid) in itertools.pairwise(folds):
            assert sorted(_keys(older_fit) + _keys(older_valid)) == _keys(fit)
            assert not set(_keys(valid)) & set(_keys(older_valid))
