"""The training job: learn from the orders, precompute what serving reads, switch runs.

A run is recorded first (status ``training``), its rows are written in short transactions,
then it becomes ``ready`` and older runs are deleted; serving keeps reading the previous ready
run until then. A failure marks the run ``failed`` (with the error), deletes its partial rows
and leaves the previous ready run serving.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from kizuna.db.translate import translate_db_errors
from kizuna.profiles import api as profiles
from kizuna.recommend import associations, store
from kizuna.recommend.blend import BlendedRecommender, fit_blend
from kizuna.recommend.contracts import Evaluation, Interactions
from kizuna.recommend.errors import TrainingInProgress
from kizuna.recommend.evaluate import evaluate
from kizuna.recommend.interactions import load_purchase_interactions
from kizuna.recommend.run_contracts import PERSONAL, POPULAR_ONLY, RunSummary
from kizuna.types import WorkspaceId

log = logging.getLogger(__name__)

Progress = Callable[[str], None]

MIN_CUSTOMERS = 50  # fewer customers with orders: popularity lists only
TOP_N = 20  # recommendations stored per customer (serving over-fetches from these)
POPULAR_N = 50  # length of the `all` and `trending` lists
SCOPED_N = 20  # length of each category / locale list
MIN_REPEAT_BUYERS = 3  # a product's repeat rate is stored once this many customers bought it
STALE_AFTER = timedelta(hours=2)  # a run "training" for longer than this was abandoned
WRITE_BATCH = 20_000  # rows per transaction


def _now_ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def start_run(sessions: sessionmaker[Session], workspace_id: WorkspaceId, now: datetime) -> int:
    """Record a new run; :class:`TrainingInProgress` if one is already training."""
    with translate_db_errors(), sessions() as session, session.begin():
        store.lock_settings(session, workspace_id, now)
        for row in store.running_runs(session, workspace_id):
            if now - row.started_at < STALE_AFTER:
                raise TrainingInProgress(run_id=row.id)
            row.status, row.error = "failed", "Abandoned: the training process stopped."
            store.delete_run_rows(session, row.id)
        return store.start_run(session, workspace_id, now)


def train(
    sessions: sessionmaker[Session],
    workspace_id: WorkspaceId,
    *,
    now: datetime,
    progress: Progress | None = None,
) -> RunSummary:
    """Train the workspace's recommender on its orders placed before ``now``.

    Returns the run's summary: ``ready``, or ``failed`` with the error (the previous ready
    run keeps serving). Raises :class:`TrainingInProgress` if a training is running.
    """
    step = progress or (lambda _message: None)
    run_id = start_run(sessions, workspace_id, now)
    started = time.perf_counter()
    try:
        return _train(sessions, workspace_id, run_id, now, step, started)
    except BaseException as exc:
        log.exception("recommender training %s failed", run_id)
        summary = _fail(sessions, run_id, exc, started)
        if not isinstance(exc, Exception):
            raise
        return summary


def _fail(
    sessions: sessionmaker[Session], run_id: int, exc: BaseException, started: float
) -> RunSummary:
    with sessions() as session, session.begin():
        store.delete_run_rows(session, run_id)
        row = store.get_run(session, run_id)
        assert row is not None
        row.status = "failed"
        row.error = f"{type(exc).__name__}: {exc}"[:4000]
        row.duration_ms = _now_ms(started)
        row.params = {**(row.params or {}),
                      "note": "Training failed; the previous ready run (if any) keeps serving."}
        session.flush()
        return store.to_summary(row)


def _train(
    sessions: sessionmaker[Session], workspace_id: WorkspaceId, run_id: int, now: datetime,
    step: Progress, started: float,
) -> RunSummary:
    step("Loading orders")
    with translate_db_errors(), sessions() as session, session.begin():
        data = load_purchase_interactions(session, workspace_id, until=now)
        users = np.unique(data.users)
        locales = _locales(session, workspace_id) if len(users) else {}
    params: dict[str, Any] = {"top_n": TOP_N, "min_customers": MIN_CUSTOMERS,
                              "bought_together_min_orders": associations.MIN_ORDERS}
    weights: dict[str, float] = {}
    metrics: dict[str, Any] = {}
    model: BlendedRecommender | None = None
    if len(users) >= MIN_CUSTOMERS:
        step(f"Fitting the blend on {len(data)} order lines of {len(users)} customers")
        model = fit_blend(data, now=now, k=10, seed=7, progress=step)
        weights = {str(k): float(v) for k, v in model.weights.items()}
        step("Evaluating on held-out orders")
        metrics = _evaluation(data, step)
        params.update(mode=PERSONAL, note="")
    else:
        params.update(mode=POPULAR_ONLY, note=(
            f"Only {len(users)} customers with orders (fewer than {MIN_CUSTOMERS}): "
            "popularity lists only; every customer gets the popular products."))
        if len(users):
            model = fit_blend(data, now=now, k=10, seed=7)
    written: dict[str, int] = Counter()
    step("Writing popular lists and bought-together pairs")
    popular_rows = _popular_rows(run_id, data, model, locales)
    pair_rows = [(run_id, p.product_id, p.other_product_id, p.rank, p.orders_together,
                  p.confidence, p.lift) for p in associations.bought_together(data)]
    _write(sessions, store.popular_t, store.POPULAR_COLUMNS, popular_rows)
    _write(sessions, store.pairs_t, store.PAIR_COLUMNS, pair_rows)
    written["popular_products"] = len(popular_rows)
    written["product_associations"] = len(pair_rows)
    if model is not None and params["mode"] == PERSONAL:
        step(f"Writing top {TOP_N} per customer")
        written["customer_recommendations"] = _write_personal(sessions, run_id, model)
    params["rows_written"] = dict(written)
    step("Switching to the new run")
    with translate_db_errors(), sessions() as session, session.begin():
        row = store.get_run(session, run_id)
        assert row is not None
        row.status, row.trained_at = "ready", now
        row.interactions, row.customers = len(data), len(users)
        row.products = len(np.unique(data.items))
        row.weights, row.params, row.metrics = weights, params, metrics
        row.duration_ms = _now_ms(started)
        store.delete_runs_except(session, workspace_id, keep=run_id)
        session.flush()
        return store.to_summary(row)


def _evaluation(data: Interactions, step: Progress) -> dict[str, Any]:
    try:
        result: Evaluation = evaluate(data, k=10, progress=step)
    except ValueError as exc:  # e.g. too few customers after the time split
        return {"skipped": str(exc)}
    out = asdict(result)
    out["split_at"] = result.split_at.isoformat()
    out["rows"] = [dict(r) for r in out["rows"]]
    return out


def _locales(session: Session, workspace_id: WorkspaceId) -> dict[int, str]:
    """Customer id → language (``ja`` of ``ja-JP``) for customers that have one."""
    out: dict[int, str] = {}
    page = 1
    while True:
        result = profiles.search_customers(session, workspace_id, None, page=page,
                                           page_size=500)
        for c in result.items:
            if c.locale:
                out[int(c.id)] = language_of(c.locale)
        if page * 500 >= result.total or not result.items:
            return out
        page += 1


def language_of(locale: str) -> str:
    return locale.strip().lower().replace("_", "-").split("-", 1)[0]


def _popular_rows(
    run_id: int, data: Interactions, model: BlendedRecommender | None, locales: dict[int, str]
) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []

    def add(scope: str, ranked: Iterable[tuple[int, float]]) -> None:
        rows.extend((run_id, scope[:220], pid, rank, score)
                    for rank, (pid, score) in enumerate(ranked, start=1))

    if model is None:
        return rows
    add("all", ((r.product_id, r.score) for r in model.popular(n=POPULAR_N)))
    add("trending", ((r.product_id, r.score) for r in model.popular(n=POPULAR_N, trending=True)))
    for category in sorted(set(data.item_categories.values())):
        add(f"category:{category}",
            ((r.product_id, r.score) for r in model.popular(n=SCOPED_N, category=category)))
    add_locales = _locale_popularity(data, locales)
    for locale, ranked in sorted(add_locales.items()):
        add(f"locale:{locale}", ranked)
    buyers: dict[int, set[int]] = defaultdict(set)
    for user, item in zip(data.users.tolist(), data.items.tolist(), strict=True):
        buyers[item].add(user)
    add("repeat", sorted(
        ((item, float(model.repeat_rate(item))) for item, who in buyers.items()
         if len(who) >= MIN_REPEAT_BUYERS), key=lambda x: (-x[1], x[0])))
    return rows


def _locale_popularity(
    data: Interactions, locales: dict[int, str]
) -> dict[str, list[tuple[int, float]]]:
    """Per language: products by distinct buyers among customers of that language."""
    if not locales:
        return {}
    pairs = {(locales[u], i) for u, i in zip(data.users.tolist(), data.items.tolist(),
                                               strict=True) if u in locales}
    counts: dict[str, Counter[int]] = defaultdict(Counter)
    for locale, item in pairs:
        counts[locale][item] += 1
    return {locale: [(item, float(n)) for item, n in sorted(
        c.items(), key=lambda x: (-x[1], x[0]))[:SCOPED_N]] for locale, c in counts.items()}


def _write(
    sessions: sessionmaker[Session], table: Any, columns: tuple[str, ...],
    rows: list[tuple[Any, ...]],
) -> None:
    for start in range(0, len(rows), WRITE_BATCH):
        with translate_db_errors(), sessions() as session, session.begin():
            store.insert_rows(session, table, columns, rows[start:start + WRITE_BATCH])


def _write_personal(
    sessions: sessionmaker[Session], run_id: int, model: BlendedRecommender
) -> int:
    buffer: list[tuple[Any, ...]] = []
    total = 0
    for customer_id, recs in model.recommend_all(n=TOP_N):
        buffer.extend((run_id, customer_id, r.product_id, rank, float(r.score), r.reason)
                      for rank, r in enumerate(recs, start=1))
        if len(buffer) >= WRITE_BATCH:
            _write(sessions, store.recs_t, store.REC_COLUMNS, buffer)
            total += len(buffer)
            buffer = []
    _write(sessions, store.recs_t, store.REC_COLUMNS, buffer)
    return total + len(buffer)


def retrain_due(
    session: Session, workspace_id: WorkspaceId, now: datetime
) -> bool:
    """Whether the retrain job should train now: no run yet, or the serving run is older
    than ``retrain_hours`` and orders were stored since it trained."""
    settings = store.get_settings(session, workspace_id)
    if any(now - r.started_at < STALE_AFTER for r in store.running_runs(session, workspace_id)):
        return False
    every = timedelta(hours=settings.retrain_hours)
    latest = store.latest_run(session, workspace_id)
    if latest is not None and latest.status == "failed" and now - latest.started_at < every:
        return False  # a failed training is retried after retrain_hours, not on every tick
    current = store.current_run(session, workspace_id)
    if current is None or current.trained_at is None:
        return True
    if now - current.trained_at < every:
        return False
    last = store.last_order_created(session, workspace_id)
    return last is not None and last > current.trained_at
