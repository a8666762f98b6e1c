from __future__ import annotations

import typer

app = typer.Typer(help="Import customers, orders and events from CSV / NDJSON.")
