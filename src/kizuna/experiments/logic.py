"""Build an experiment report from per-recipient observations, and validate PDCA records."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from kizuna.experiments import stats
from kizuna.experiments.contracts import (
    HOLDOUT,
    ActionKind,
    ArmStats,
    ExperimentReport,
    Observation,
    PdcaInput,
    PdcaStatus,
    VariantResult,
)
from kizuna.experiments.errors import ExperimentDataInvalid, PdcaRecordInvalid

MAX_TITLE = 200
MAX_TEXT = 10_000
MAX_REF = 200
MAX_KEY = 100

NOT_ENOUGH = ("not enough data: fewer than {n} recipients or {c} conversions in an arm; "
              "the numbers are shown with n but do not read them as a result yet")


def analyse(
    observations: Iterable[Observation], *, control: str = HOLDOUT, alpha: float = stats.ALPHA,
    min_n: int = stats.MIN_N, min_conversions: int = stats.MIN_CONVERSIONS,
) -> ExperimentReport:
    """Per-arm numbers and every other arm compared with ``control``."""
    if not 0 < alpha < 1:
        raise ExperimentDataInvalid(f"alpha is {alpha}; use a number between 0 and 1.",
                                    field="alpha")
    groups: dict[str, list[tuple[float, float, float]]] = {}
    has_pre = True
    for i, ob in enumerate(observations, start=1):
        if not ob.arm:
            raise ExperimentDataInvalid(f"Row {i} has no arm.", field="arm", row=i)
        pre = ob.pre_spend
        if pre is None:
            has_pre = False
        values = (1.0 if ob.converted else 0.0, float(ob.revenue),
                  float(pre) if pre is not None else 0.0)
        if not all(math.isfinite(v) for v in values):
            raise ExperimentDataInvalid(f"Row {i} has a number that is not finite.", row=i)
        groups.setdefault(ob.arm, []).append(values)
    if control not in groups:
        raise ExperimentDataInvalid(
            f"The control arm {control!r} has no recipients; arms present: "
            f"{', '.join(sorted(groups)) or 'none'}.", field="control")
    data = {arm: np.asarray(rows, float) for arm, rows in groups.items()}
    theta: float | None = None
    if has_pre:
        everyone = np.concatenate(list(data.values()))
        theta = stats.cuped_theta(everyone[:, 1], everyone[:, 2])
    arms = [_arm_stats(name, data[name], min_n, min_conversions)
            for name in [control, *sorted(a for a in data if a != control)]]
    by_name = {a.name: a for a in arms}
    c = data[control]
    variants: list[VariantResult] = []
    for name in sorted(a for a in data if a != control):
        v = data[name]
        enough = by_name[name].enough_data and by_name[control].enough_data
        x1, x0 = (v[:, 2], c[:, 2]) if has_pre else (None, None)
        variants.append(VariantResult(
            arm=name, enough_data=enough,
            conversion=stats.compare_metric("conversion_rate", v[:, 0], c[:, 0], x1=x1, x0=x0,
                                            theta=_theta(v[:, 0], c[:, 0], x1, x0), alpha=alpha),
            revenue=stats.compare_metric("revenue_per_recipient", v[:, 1], c[:, 1], x1=x1,
                                         x0=x0, theta=theta, alpha=alpha)))
    notes: list[str] = []
    if not all(v.enough_data for v in variants) or not variants:
        notes.append(NOT_ENOUGH.format(n=min_n, c=min_conversions))
    if not has_pre:
        notes.append("no pre-period spend in the data: CUPED skipped")
    return ExperimentReport(control=control, alpha=alpha, min_n=min_n,
                            min_conversions=min_conversions, cuped_theta=theta, arms=arms,
                            variants=variants, notes=notes)


def _theta(y1: np.ndarray, y0: np.ndarray, x1: np.ndarray | None,
           x0: np.ndarray | None) -> float | None:
    """θ for the conversion outcome, pooled over the two arms compared."""
    if x1 is None or x0 is None:
        return None
    return stats.cuped_theta(np.concatenate([y1, y0]), np.concatenate([x1, x0]))


def _arm_stats(name: str, rows: np.ndarray, min_n: int, min_conversions: int) -> ArmStats:
    n = len(rows)
    conversions = int(rows[:, 0].sum())
    revenue = float(rows[:, 1].sum())
    return ArmStats(name=name, n=n, conversions=conversions,
                    conversion_rate=conversions / n if n else 0.0, revenue=revenue,
                    revenue_per_recipient=revenue / n if n else 0.0,
                    enough_data=n >= min_n and conversions >= min_conversions)


def _text(value: str | None, name: str, limit: int, *, required: bool = False) -> str:
    text = (value or "").strip()
    if "\x00" in text:
        raise PdcaRecordInvalid(f"The {name} contains a NUL character; remove it.", field=name)
    if required and not text:
        raise PdcaRecordInvalid(f"The {name} is empty; write something.", field=name)
    if len(text) > limit:
        raise PdcaRecordInvalid(f"The {name} has {len(text):,} characters; the limit is "
                                f"{limit:,}.", field=name)
    return text


def clean_record(item: PdcaInput) -> PdcaInput:
    """The record with text trimmed; raises :class:`PdcaRecordInvalid` naming the field."""
    try:
        kind = ActionKind(item.action_kind)
    except ValueError:
        raise PdcaRecordInvalid(
            f"{item.action_kind!r} is not an action kind; use journey, broadcast or other.",
            field="action_kind") from None
    try:
        status = PdcaStatus(item.status)
    except ValueError:
        raise PdcaRecordInvalid(
            f"{item.status!r} is not a status; use planned, running, measured or closed.",
            field="status") from None
    return PdcaInput(
        title=_text(item.title, "title", MAX_TITLE, required=True),
        hypothesis=_text(item.hypothesis, "hypothesis", MAX_TEXT, required=True),
        action_kind=kind, action_ref=_text(item.action_ref, "action_ref", MAX_REF),
        experiment_key=_text(item.experiment_key, "experiment_key", MAX_KEY), status=status,
        result_summary=_text(item.result_summary, "result_summary", MAX_TEXT),
        result=item.result, next_step=_text(item.next_step, "next_step", MAX_TEXT))
