"""Public evaluation data: MovieLens 100K, read from the installed ``recbole`` package.

The GroupLens licence forbids redistribution, so kizuna does not vendor the files; ``recbole``
ships them (``scripts/_setup.sh`` installs it with ``--no-deps``). We read the files without
importing ``recbole`` (importing it would import torch, which kizuna does not need).

Ratings of 4 and 5 become positive implicit feedback (one interaction each, weight 1); ratings
of 1–3 are dropped. This is the usual way to turn MovieLens into an implicit-feedback set: a
watched-but-disliked film is not something to recommend. Every rating is its own basket.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from kizuna.errors import KizunaError
from kizuna.recommend.contracts import Interactions

POSITIVE_RATING = 4.0


class DatasetMissing(KizunaError):
    """The MovieLens 100K files were not found: run ./scripts/test (it sets up the venv) or
    pip install --no-deps recbole."""

    code = "recommend-dataset-missing"


def _recbole_dir() -> Path:
    spec = importlib.util.find_spec("recbole")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        folder = Path(location) / "dataset_example" / "ml-100k"
        if (folder / "ml-100k.inter").is_file():
            return folder
    raise DatasetMissing()


def _genres(path: Path) -> dict[int, str]:
    """First genre of each film (``class`` column), as its category."""
    categories: dict[int, str] = {}
    if not path.is_file():
        return categories
    with path.open(encoding="latin-1") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        names = [h.split(":")[0] for h in header]
        if "item_id" not in names or "class" not in names:
            return categories
        item_col, class_col = names.index("item_id"), names.index("class")
        for line in fh:
            cells = line.rstrip("\n").split("\t")
            if len(cells) > max(item_col, class_col) and cells[class_col].strip():
                categories[int(cells[item_col])] = cells[class_col].split()[0]
    return categories


def load_movielens_100k(*, min_rating: float = POSITIVE_RATING) -> Interactions:
    """MovieLens 100K as implicit feedback: ratings >= ``min_rating`` (default 4)."""
    folder = _recbole_dir()
    try:
        raw = np.loadtxt(folder / "ml-100k.inter", delimiter="\t", skiprows=1,
                         dtype=np.float64, ndmin=2)
    except (OSError, ValueError) as exc:
        raise DatasetMissing(f"Cannot read {folder / 'ml-100k.inter'}: {exc}") from exc
    keep = raw[:, 2] >= min_rating
    raw = raw[keep]
    order = np.argsort(raw[:, 3], kind="stable")
    raw = raw[order]
    n = raw.shape[0]
    return Interactions(
        users=raw[:, 0].astype(np.int64),
        items=raw[:, 1].astype(np.int64),
        times=raw[:, 3].astype(np.int64),
        weights=np.ones(n, dtype=np.float32),
        baskets=np.arange(n, dtype=np.int64),
        item_categories=_genres(folder / "ml-100k.item"),
        name="movielens-100k",
    )
