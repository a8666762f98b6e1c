"""Values that cross the boundary of the predict domain."""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


class ModelName(enum.StrEnum):
    BGNBD = "bgnbd"
    PARETONBD = "paretonbd"
    GAMMAGAMMA = "gammagamma"


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerSummary:
    """Per-customer RFM summary in the CLV literature's notation (one row per customer).

    ``frequency`` is the number of repeat purchases (x), ``recency`` the age at the last
    purchase (t_x), ``T`` the age at the end of calibration, all in the same time unit;
    ``monetary_value`` the mean value of the repeat purchases (0 for one-time buyers).
    """

    customer_ids: tuple[str, ...]
    frequency: FloatArray
    recency: FloatArray
    T: FloatArray
    monetary_value: FloatArray | None = None

    def __len__(self) -> int:
        return len(self.customer_ids)


@dataclass(frozen=True, slots=True, kw_only=True)
class FitResult:
    """A fitted model: parameters named as in the papers, the log-likelihood on the data's
    own time scale, and how the optimiser ended."""

    model: ModelName
    params: dict[str, float]
    log_likelihood: float
    n_customers: int
    converged: bool
    iterations: int
