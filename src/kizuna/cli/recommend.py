"""`kizuna recommend ...`: train, show and evaluate product recommendations."""

from __future__ import annotations

import typer

from kizuna.cli.recommend_evaluate import evaluate

app = typer.Typer(help="Product recommendations: train, show, evaluate.", no_args_is_help=True)
app.command("evaluate")(evaluate)
