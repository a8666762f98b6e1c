"""`kizuna inbox secret|origins`: the in-app inbox's identity secret and allowed web origins."""

from __future__ import annotations

from typing import Annotated

import typer

from kizuna.cli.context import console, fail, runtime_of, session_of
from kizuna.errors import KizunaError
from kizuna.messaging import api as messaging
from kizuna.workspaces import api as workspaces

app = typer.Typer(help="In-app inbox: the user-hash secret and the allowed web origins.",
                  no_args_is_help=True)


@app.command("secret")
def secret(
    ctx: typer.Context,
    rotate: Annotated[bool, typer.Option("--rotate", help="Make a new secret; every user "
                                                          "hash made with the old one stops "
                                                          "working.")] = False,
) -> None:
    """Print the inbox secret your server uses for user_hash = HMAC-SHA256(secret, user_id)."""
    try:
        with runtime_of(ctx) as rt, session_of(rt) as session:
            ws = workspaces.ensure_default_workspace(session, rt.clock)
            if rotate:
                messaging.inbox.rotate_secret(session, ws.id, now=rt.clock.now())
            value = messaging.inbox.workspace_secret(
                session, ws.id, rt.settings.secret_key.get_secret_value())
    except KizunaError as exc:
        raise fail(exc) from exc
    typer.echo(value)


@app.command("origins")
def origins(
    ctx: typer.Context,
    add: Annotated[list[str] | None, typer.Option("--add", help="Allow this origin, e.g. "
                                                              "https://shop.example")] = None,
    remove: Annotated[list[str] | None, typer.Option("--remove", help="Disallow it.")] = None,
) -> None:
    """List (or change) the web sites whose pages may call the inbox API."""
    try:
        with runtime_of(ctx) as rt, session_of(rt) as session:
            ws = workspaces.ensure_default_workspace(session, rt.clock)
            current = list(messaging.inbox.get_settings(session, ws.id).allowed_origins)
            if add or remove:
                gone = {messaging.inbox.normalise_origin(o) for o in remove or []}
                wanted = [messaging.inbox.normalise_origin(o) for o in current + list(add or [])]
                current = [o for o in wanted if o not in gone]
                current = list(messaging.inbox.set_allowed_origins(
                    session, ws.id, current, now=rt.clock.now()).allowed_origins)
    except KizunaError as exc:
        raise fail(exc) from exc
    if not current:
        console.print("No origins: browsers cannot call the inbox API (apps can).",
                      style="dim", markup=False)
    for origin in current:
        typer.echo(origin)
