from __future__ import annotations

import typer


def demo(ctx: typer.Context) -> None:
    """Start a demo server with realistic data (being built)."""
