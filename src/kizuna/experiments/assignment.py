"""Stable assignment of customers to experiment arms by hashing (no stored state needed).

Order of decisions, each from its own SHA-256 draw mapped to a uniform number in [0, 1):

1. global control: ``u(salt, "global", customer)`` < ``global_control_pct``; the draw does not
   involve the experiment, so the same customers are in the global control for every
   experiment of the workspace;
2. per-experiment holdout: ``u(salt, experiment, "holdout", customer)`` < ``holdout_pct``;
3. A/B/n: ``u(salt, experiment, "arm", customer)`` picks an arm in proportion to its weight.

Separate draws keep the three decisions independent of each other and of other experiments.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from kizuna.experiments.contracts import GLOBAL_CONTROL, HOLDOUT, RESERVED_ARMS, Arm
from kizuna.experiments.errors import ExperimentDataInvalid

DEFAULT_HOLDOUT_PCT = 10.0
_SCALE = float(2**64)


def uniform(*parts: str) -> float:
    """A uniform number in [0, 1) from the SHA-256 of the parts (joined unambiguously)."""
    key = "\x1f".join(p.replace("\x1f", "") for p in parts).encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "big") / _SCALE


def check_arms(arms: Sequence[Arm], holdout_pct: float, global_control_pct: float) -> None:
    """Raise :class:`ExperimentDataInvalid` for unusable arms or percentages."""
    if not arms:
        raise ExperimentDataInvalid("An experiment needs at least one arm.", field="arms")
    names = [a.name for a in arms]
    if len(set(names)) != len(names):
        raise ExperimentDataInvalid("Arm names must differ.", field="arms")
    for arm in arms:
        if not arm.name or arm.name in RESERVED_ARMS:
            raise ExperimentDataInvalid(
                f"{arm.name!r} cannot name an arm (empty or reserved: holdout, global_control).",
                field="arms")
        if not arm.weight > 0 or arm.weight == float("inf"):
            raise ExperimentDataInvalid(
                f"Arm {arm.name!r} has weight {arm.weight}; use a positive number.",
                field="arms")
    for name, pct in (("holdout_pct", holdout_pct), ("global_control_pct", global_control_pct)):
        if not 0 <= pct < 100:
            raise ExperimentDataInvalid(f"{name} is {pct}; use 0 up to (not including) 100.",
                                        field=name)


def assign(
    experiment_key: str,
    customer_key: str,
    arms: Sequence[Arm],
    *,
    holdout_pct: float = DEFAULT_HOLDOUT_PCT,
    global_control_pct: float = 0.0,
    salt: str,
) -> str:
    """The arm of ``customer_key`` in ``experiment_key``: ``global_control``, ``holdout`` or
    one of ``arms``. The same inputs always give the same answer."""
    check_arms(arms, holdout_pct, global_control_pct)
    if uniform(salt, "global", customer_key) < global_control_pct / 100:
        return GLOBAL_CONTROL
    if uniform(salt, experiment_key, "holdout", customer_key) < holdout_pct / 100:
        return HOLDOUT
    total = sum(a.weight for a in arms)
    point = uniform(salt, experiment_key, "arm", customer_key) * total
    running = 0.0
    for arm in arms:
        running += arm.weight
        if point < running:
            return arm.name
    return arms[-1].name
