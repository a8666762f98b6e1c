"""Shared CLI plumbing: settings from the Typer callback, a runtime, friendly errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from kizuna.db.engine import transaction
from kizuna.errors import KizunaError
from kizuna.runtime import Runtime, build_runtime
from kizuna.settings import Settings, load_settings

console = Console()
err_console = Console(stderr=True)


def settings_of(ctx: typer.Context) -> Settings:
    root = ctx.find_root()
    if root.obj is None:
        root.obj = load_settings()
    settings: Settings = root.obj
    return settings


@contextmanager
def runtime_of(ctx: typer.Context) -> Iterator[Runtime]:
    rt = build_runtime(settings_of(ctx))
    try:
        yield rt
    finally:
        rt.close()


@contextmanager
def session_of(rt: Runtime) -> Iterator[Session]:
    with transaction(rt.sessions) as session:
        yield session


def fail(exc: KizunaError) -> typer.Exit:
    err_console.print(f"[bold red]error[/] [dim]({exc.code})[/]: {exc}")
    return typer.Exit(code=1)


def print_json(data: Any) -> None:
    # Plain print: Rich would wrap long lines and break machine-readable output.
    print(json.dumps(data, ensure_ascii=False, default=str))
