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


class SplitChoice(StrEnum):
    global_ = "global"
    per_user = "per_user"


# MovieLens users rate in bursts (a global cut leaves ~90 test users): split per user there.
DEFAULT_SPLIT = {Dataset.movielens: SplitChoice.per_user, Dataset.demo: SplitChoice.global_}


def format_table(result: Evaluation) -> Table:
    """The evaluation as a Rich table: one row per method, the best value of each column
    in bold."""
    split = (f"train before {result.split_at:%Y-%m-%d %H:%M} UTC" if result.split == "global"
             else "each customer's last 20 % is test")
    table = Table(title=(
        f"{result.dataset}: {split} ({result.train_interactions:,} training interactions), "
        f"{result.test_customers:,} test customers, k={result.k}"))
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
        "dataset": result.dataset, "k": result.k, "split": result.split,
        "split_at": result.split_at.isoformat(), "validation": result.validation,
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
    split: Annotated[SplitChoice | None, typer.Option(
        "--split", help="global: one cut in time for everyone; per_user: each customer's last "
                        "20 % by time. Default: per_user for movielens, global for demo.")
                     ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Compare the recommenders on held-out data split by time.

    Popularity, trending, buy-again, ALS and the blend, scored on the last 20 % of the
    timeline (global) or of each customer's interactions (per_user): precision / recall /
    NDCG at k and coverage."""
    try:
        with console.status("Loading interactions …") as status:
            data = (load_movielens_100k() if dataset is Dataset.movielens
                    else _demo_interactions(ctx))
            status.update(f"Fitting on {len(data):,} interactions …")

            def progress(message: str) -> None:
                status.update(message + " …")

            chosen = (split or DEFAULT_SPLIT[dataset]).value
            result = run_evaluation(data, k=k, progress=None if as_json else progress,
                                    split="per_user" if chosen == "per_user" else "global")
    except KizunaError as exc:
        raise fail(exc) from exc
    if as_json:
        print_json(_as_json(result))
        return
    console.print(format_table(result))
    owned = "" if result.blend_keeps_owned else ", owned items excluded"
    console.print(f"Blend weights (chosen on validation folds of the training data): "
                  f"{_weights(result) or 'none'}{owned}.", markup=False)
    if result.validation:
        console.print("Validation NDCG@k: " + ", ".join(
            f"{LABELS.get(m, m)} {v:.4f}" for m, v in result.validation.items()), markup=False)
