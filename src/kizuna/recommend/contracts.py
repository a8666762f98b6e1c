"""What the recommend domain passes around: interaction data, recommendations, evaluations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True, kw_only=True)
class Interactions:
    """Who interacted with what, when, one row per (order line | rating | view).

    ``users`` and ``items`` are the caller's integer ids (customer ids and product ids for
    kizuna's own data; MovieLens user and item ids for the evaluation data set). ``baskets``
    groups rows of one order (or one rating session) for "bought together"; ``weights`` is
    the strength of the signal (quantity bought, 1 for a rating). ``times`` are UTC epoch
    seconds. ``item_categories`` maps an item to its category where one is known.
    """

    users: npt.NDArray[np.int64]
    items: npt.NDArray[np.int64]
    times: npt.NDArray[np.int64]
    weights: npt.NDArray[np.float32]
    baskets: npt.NDArray[np.int64]
    item_categories: dict[int, str] = field(default_factory=dict)
    name: str = ""

    def __len__(self) -> int:
        return int(self.users.shape[0])


@dataclass(frozen=True, slots=True, kw_only=True)
class Recommendation:
    """One recommended product for a customer; ``reason`` says which signal put it there."""

    product_id: int
    score: float
    reason: str  # buy_again | als | popular


@dataclass(frozen=True, slots=True, kw_only=True)
class MethodScores:
    """Held-out quality of one method at cut-off ``k`` (one row of the evaluation table)."""

    method: str  # popularity | buy_again | als | blend
    precision: float
    recall: float
    ndcg: float
    coverage: float  # share of the catalogue recommended to at least one test customer
    customers: int  # test customers scored


@dataclass(frozen=True, slots=True, kw_only=True)
class Evaluation:
    """A time-based split's result. ``split`` ``global``: train before ``split_at``, test
    from it; ``per_user``: each customer's last interactions are test, ``split_at`` is the
    earliest of them. ``validation`` is NDCG@k on the blend's validation folds."""

    dataset: str
    k: int
    split_at: datetime
    train_interactions: int
    test_customers: int
    rows: tuple[MethodScores, ...]
    blend_weights: dict[str, float]
    split: str = "global"
    validation: dict[str, float] = field(default_factory=dict)
    blend_keeps_owned: bool = True
