"""The `kizuna` command."""

from __future__ import annotations

from typing import Annotated

import typer

from kizuna import __version__
from kizuna.cli import admin, clv, demo, imports, report, serve
from kizuna.cli import broadcasts as broadcasts_cli
from kizuna.cli import experiments as experiments_cli
from kizuna.cli import feedback as feedback_cli
from kizuna.cli import inbox as inbox_cli
from kizuna.cli import journeys as journeys_cli
from kizuna.cli import loyalty as loyalty_cli
from kizuna.cli import recommend as recommend_cli
from kizuna.cli import segments as segments_cli
from kizuna.cli import surveys as survey_cli
from kizuna.cli import template as template_cli
from kizuna.cli import text as text_cli
from kizuna.cli import worker as worker_cli
from kizuna.cli.context import fail
from kizuna.errors import KizunaError
from kizuna.settings import load_settings

app = typer.Typer(
    name="kizuna",
    help="kizuna (絆): self-hosted customer engagement platform.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        print(__version__)
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    database_url: Annotated[
        str | None,
        typer.Option("--database-url", help="Overrides KIZUNA_DATABASE_URL.", show_default=False),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print version.")
    ] = False,
) -> None:
    overrides = {"database_url": database_url} if database_url else {}
    try:
        ctx.obj = load_settings(**overrides)
    except KizunaError as exc:
        raise fail(exc) from exc


app.command("serve")(serve.serve)
app.command("demo")(demo.demo)
app.add_typer(admin.db_app, name="db")
app.add_typer(admin.source_app, name="source")
app.add_typer(admin.user_app, name="user")
app.add_typer(admin.apikey_app, name="apikey")
app.add_typer(imports.app, name="import")
app.add_typer(clv.app, name="clv")
app.add_typer(survey_cli.app, name="survey")
app.add_typer(text_cli.app, name="text")
app.add_typer(feedback_cli.app, name="feedback")
app.add_typer(recommend_cli.app, name="recommend")
app.add_typer(loyalty_cli.app, name="loyalty")
app.add_typer(template_cli.app, name="template")
app.add_typer(inbox_cli.app, name="inbox")
app.add_typer(experiments_cli.app, name="experiments")
app.add_typer(segments_cli.app, name="segments")
app.add_typer(journeys_cli.app, name="journeys")
app.add_typer(broadcasts_cli.app, name="broadcasts")
app.command("report")(report.report)
app.command("worker")(worker_cli.worker)


def main() -> None:
    app()
