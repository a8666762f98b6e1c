"""MovieLens 100K from the installed recbole package (read without importing recbole)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from kizuna.recommend import datasets
from kizuna.recommend.datasets import DatasetMissing, load_movielens_100k


def test_movielens_keeps_ratings_of_four_and_five_in_time_order() -> None:
    data = load_movielens_100k()
    assert data.name == "movielens-100k"
    assert 50_000 < len(data) < 60_000  # 55,375 of the 100,000 ratings are 4 or 5
    assert np.all(np.diff(data.times) >= 0)
    assert len(np.unique(data.users)) > 900 and len(np.unique(data.items)) > 1400
    assert data.item_categories[1] == "Animation"  # Toy Story's first genre
    assert len(load_movielens_100k(min_rating=1)) == 100_000
    assert "recbole" not in sys.modules  # torch would come with it


def test_missing_package_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(datasets.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(DatasetMissing, match="pip install --no-deps recbole"):
        load_movielens_100k()
