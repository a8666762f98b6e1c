"""(placeholder: `kizuna recommend evaluate` is filled in by this issue's work)"""

from __future__ import annotations

import typer


def evaluate(ctx: typer.Context) -> None:
    """Offline evaluation of the recommenders (placeholder)."""
    raise typer.Exit(1)
