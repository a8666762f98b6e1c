"""`kizuna serve`: the API and dashboard in one process."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from kizuna.cli.context import console, settings_of
from kizuna.db.migrate import current_revision, head_revision


def serve(
    ctx: typer.Context,
    port: Annotated[int | None, typer.Option(help="Port (default 8000 or KIZUNA_PORT).")] = None,
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1).")] = None,
    workers: Annotated[int, typer.Option(help="Server processes (PostgreSQL only).")] = 1,
) -> None:
    """Serve the ingest API, admin API and dashboard."""
    from kizuna.http.app import create_app
    from kizuna.runtime import build_runtime

    settings = settings_of(ctx)
    rt = build_runtime(settings)
    current, head = current_revision(rt.engine), head_revision()
    if current != head:
        console.print(
            f"[bold red]error[/]: the database schema is at {current or 'empty'}, "
            f"kizuna needs {head}. Run `kizuna db upgrade` first."
        )
        raise typer.Exit(1)
    bind_host = host or settings.host
    bind_port = port or settings.port
    console.print(f"kizuna listening on http://{bind_host}:{bind_port}/  (dashboard: /app)")
    if workers > 1:
        if settings.is_sqlite:
            console.print("[yellow]SQLite has one writer: running a single worker.[/]")
        else:
            import os

            os.environ["KIZUNA_DATABASE_URL"] = settings.database_url
            uvicorn.run(
                "kizuna.http.asgi:app", host=bind_host, port=bind_port, workers=workers,
                log_level="warning",
            )
            return
    app = create_app(settings, rt, background=True)  # background: the housekeeping loop
    uvicorn.run(app, host=bind_host, port=bind_port, log_level="info")
