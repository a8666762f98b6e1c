"""`kizuna recommend ...`: train, show and evaluate product recommendations."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.orm import Session

from kizuna.cli.context import console, fail, print_json, runtime_of, session_of
from kizuna.cli.recommend_evaluate import evaluate
from kizuna.errors import Invalid, KizunaError
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import IdentityRef
from kizuna.recommend import api as recommend
from kizuna.recommend.run_contracts import RunSummary
from kizuna.types import CustomerId, WorkspaceId
from kizuna.workspaces import api as workspaces

app = typer.Typer(help="Product recommendations: train, show, evaluate.", no_args_is_help=True)
app.command("evaluate")(evaluate)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
LimitOption = Annotated[int, typer.Option("--limit", min=1, max=50)]


def _customer(session: Session, ws: WorkspaceId, ref: str) -> CustomerId:
    """A kizuna id, a userId or an email."""
    if ref.isdigit():
        return profiles.get_customer(session, ws, CustomerId(int(ref))).id
    found = profiles.find_customer_id(session, ws, IdentityRef(user_id=ref))
    if found is None and "@" in ref:
        page = profiles.search_customers(session, ws, ref, page_size=20)
        exact = [c.id for c in page.items if (c.email or "").lower() == ref.strip().lower()]
        found = exact[0] if len(exact) == 1 else None
    if found is None:
        raise Invalid(f"No customer is known as {ref!r}; give the kizuna id, a userId or an "
                      "email.")
    return found


def _json(value: Any) -> Any:
    data = asdict(value)
    for key in ("started_at", "trained_at", "updated_at"):
        if data.get(key) is not None:
            data[key] = data[key].isoformat()
    return data


def _print_run(run: RunSummary) -> None:
    colour = {"ready": "green", "failed": "red"}.get(run.status, "yellow")
    console.print(f"run {run.id}: [{colour}]{run.status}[/] ({run.mode or '—'}) — "
                  f"{run.interactions} order lines, {run.customers} customers, "
                  f"{run.products} products, {run.duration_ms / 1000:.1f} s")
    if run.weights:
        console.print("weights: " + ", ".join(f"{k} {v:.2f}" for k, v in run.weights.items()),
                      markup=False)
    if run.note:
        console.print(run.note, markup=False)
    if run.error:
        console.print(f"[red]error:[/] {run.error}")
    rows = run.metrics.get("rows") or []
    if rows:
        table = Table(title=f"Held-out evaluation at k={run.metrics.get('k')} "
                            f"({run.metrics.get('test_customers')} test customers)")
        for column in ("method", "precision", "recall", "ndcg", "coverage"):
            table.add_column(column, justify="left" if column == "method" else "right")
        for row in rows:
            table.add_row(row["method"], *(f"{row[c]:.3f}" for c in
                                           ("precision", "recall", "ndcg", "coverage")))
        console.print(table)


@app.command("train")
def train(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Train now on every order: blend weights, held-out evaluation, lists, pairs."""
    try:
        with runtime_of(ctx) as rt:
            with session_of(rt) as session:
                ws = workspaces.ensure_default_workspace(session, rt.clock)
            if as_json:
                run = recommend.train(rt.sessions, ws.id, now=rt.clock.now())
            else:
                with Progress(SpinnerColumn(), TextColumn("{task.description}"),
                              TimeElapsedColumn(), console=console, transient=True) as bar:
                    task = bar.add_task("Training", total=None)

                    def step(message: str) -> None:
                        bar.update(task, description=message)

                    run = recommend.train(rt.sessions, ws.id, now=rt.clock.now(),
                                          progress=step)
    except KizunaError as exc:
        raise fail(exc) from exc
    if as_json:
        print_json(_json(run))
    else:
        _print_run(run)
    if run.status != "ready":
        raise typer.Exit(1)


@app.command("show")
def show(
    ctx: typer.Context,
    customer: Annotated[str, typer.Argument(help="kizuna id, userId or email")],
    limit: LimitOption = 10,
    exclude_category: Annotated[list[str] | None, typer.Option(
        "--exclude-category", help="Leave this category out (repeatable).")] = None,
    as_json: JsonOption = False,
) -> None:
    """A customer's recommendations, as the API serves them."""
    try:
        with runtime_of(ctx) as rt, session_of(rt) as session:
            ws = workspaces.ensure_default_workspace(session, rt.clock)
            result = recommend.recommendations_for(
                session, ws.id, _customer(session, ws.id, customer), limit=limit,
                exclude_categories=exclude_category or (), now=rt.clock.now())
    except KizunaError as exc:
        raise fail(exc) from exc
    if as_json:
        print_json(_json(result))
        return
    table = Table(title=f"Customer {result.customer_id}: {result.source}")
    for column in ("#", "product", "name", "category", "price", "reason", "score"):
        table.add_column(column, justify="right" if column in ("#", "price", "score")
                         else "left")
    for n, item in enumerate(result.items, start=1):
        p = item.product
        table.add_row(str(n), p.external_id, p.name or "", p.category or "",
                      "" if p.price is None else f"{p.price} {p.currency or ''}".strip(),
                      item.reason, f"{item.score:.3f}")
    console.print(table)


@app.command("bought-together")
def bought_together(
    ctx: typer.Context,
    product: Annotated[str, typer.Argument(help="The product's id as sent in events")],
    limit: LimitOption = 5,
    as_json: JsonOption = False,
) -> None:
    """Products bought in the same orders as PRODUCT, by lift."""
    try:
        with runtime_of(ctx) as rt, session_of(rt) as session:
            ws = workspaces.ensure_default_workspace(session, rt.clock)
            result = recommend.frequently_bought_together(session, ws.id, product, limit=limit)
    except KizunaError as exc:
        raise fail(exc) from exc
    if as_json:
        print_json(_json(result))
        return
    table = Table(title=f"Bought with {result.product.external_id} "
                        f"({result.product.name or '—'})")
    for column in ("product", "name", "orders together", "confidence", "lift"):
        table.add_column(column, justify="left" if column in ("product", "name") else "right")
    for item in result.items:
        table.add_row(item.product.external_id, item.product.name or "",
                      str(item.orders_together), f"{item.confidence:.0%}", f"{item.lift:.2f}")
    console.print(table)
