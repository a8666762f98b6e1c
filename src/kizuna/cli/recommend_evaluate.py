"""`kizuna recommend evaluate`: offline evaluation of the recommenders on a time-based split.

The table rendering lives here (an adapter concern); the evaluation itself is
``kizuna.recommend.evaluate`` (docs/reference/recommendation-quality.md).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from kizuna.cli.context import console, fail, print_json, runtime_of, session_of
from kizuna.errors import KizunaError
from kizuna.recommend.contracts import Evaluation, Interactions
from kizuna.recommend.datasets import load_movielens_100k
from kizuna.recommend.evaluate import evaluate as run_evaluation
from kizuna.recommend.interactions import load_purchase_interactions
from kizuna.workspaces import api as workspaces

LABELS = {"popularity": "popularity (all time)", "trending": "trending (30-day half-life)",
          "buy_again": "buy again", "als": "ALS (implicit)", "blend": "blend"}


class Dataset(StrEnum):
    movielens = "movielens"
    demo = "demo"


def format_table(result: Evaluation) -> Table:
    """The evaluation as a Rich table: one row per method, the best value of each column
    in bold."""
    table = Table(title=(
        f"{result.dataset}: train before {result.split_at:%Y-%m-%d %H:%M} UTC "
        f"({result.train_interactions:,} interactions), {result.test_customers:,} test "
        f"customers, k={result.k}"))
    table.add_column("method")
    for name in (f"precision@{result.k}", f"recall@{result.k}", f"NDCG@{result.k}",
                 "coverage"):
        table.add_column(name, justify="right")
    best = {f: max((getattr(r, f) for r in result.rows), default=0.0)
            for f in ("precision", "recall", "ndcg", "coverage")}
    for row in result.rows:
        cells = []
        for f in ("precision", "recall", "ndcg", "coverage"):
            value = getattr(row, f)
            text = f"{value:.4f}"
            cells.append(f"[bold]{text}[/]" if value == best[f] and value > 0 else text)
        table.add_row(LABELS.get(row.method, row.method), *cells)
    return table


def _weights(result: Evaluation) -> str:
    return ", ".join(f"{name} {w:.1f}" for name, w in result.blend_weights.items() if w > 0)


def _as_json(result: Evaluation) -> dict[str, object]:
    return {
        "dataset": result.dataset, "k": result.k, "split_at": result.split_at.isoformat(),
        "train_interactions": result.train_interactions,
        "test_customers": result.test_customers, "blend_weights": result.blend_weights,
        "rows": [{"method": r.method, "precision": r.precision, "recall": r.recall,
                  "ndcg": r.ndcg, "coverage": r.coverage, "customers": r.customers}
                 for r in result.rows],
    }


def _demo_interactions(ctx: typer.Context) -> Interactions:
    with runtime_of(ctx) as rt, session_of(rt) as session:
        ws = workspaces.ensure_default_workspace(session, rt.clock)
        data = load_purchase_interactions(session, ws.id)
    return Interactions(users=data.users, items=data.items, times=data.times,
                        weights=data.weights, baskets=data.baskets,
                        item_categories=data.item_categories, name=f"orders of {ws.name}")


def evaluate(
    ctx: typer.Context,
    dataset: Annotated[Dataset, typer.Option(
        "--dataset", help="movielens: MovieLens 100K (from the recbole package); demo: the "
                          "orders of the workspace in KIZUNA_DATABASE_URL.")] = Dataset.demo,
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="Cut-off of the lists.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Compare popularity, trending, buy-again, ALS and the blend on held-out data: train on
    the first 80 % of the timeline, score precision / recall / NDCG at k and coverage on the
    last 20 %."""
    try:
        with console.status("Loading interactions …") as status:
            data = (load_movielens_100k() if dataset is Dataset.movielens
                    else _demo_interactions(ctx))
            status.update(f"Fitting on {len(data):,} interactions …")

            def progress(message: str) -> None:
                status.update(message + " …")

            result = run_evaluation(data, k=k, progress=None if as_json else progress)
    except KizunaError as exc:
        raise fail(exc) from exc
    if as_json:
        print_json(_as_json(result))
        return
    console.print(format_table(result))
    console.print(f"Blend weights (chosen on a validation split of the training data): "
                  f"{_weights(result) or 'none'}.", markup=False)
