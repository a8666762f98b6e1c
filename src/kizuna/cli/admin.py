"""`kizuna db|source|user|apikey …`: set-up commands scripts rely on."""

from __future__ import annotations

import getpass
import secrets
from typing import Annotated

import typer
from rich.table import Table

from kizuna.auth import api as auth
from kizuna.auth.contracts import Role, Scope
from kizuna.cli.context import console, fail, print_json, runtime_of, session_of
from kizuna.db.migrate import current_revision, head_revision, upgrade_to_head
from kizuna.errors import KizunaError
from kizuna.ingest import api as ingest
from kizuna.workspaces import api as workspaces

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
source_app = typer.Typer(help="Event sources and their write keys.", no_args_is_help=True)
user_app = typer.Typer(help="Dashboard users.", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys for the admin API.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply all pending migrations."""
    with runtime_of(ctx) as rt:
        before = current_revision(rt.engine)
        upgrade_to_head(rt.engine)
        after = current_revision(rt.engine)
    if before == after:
        console.print(f"Database is up to date (revision {after}).")
    else:
        console.print(f"Upgraded database from {before or 'empty'} to {after}.")


@db_app.command("status")
def db_status(ctx: typer.Context) -> None:
    """Show the current and latest schema revision."""
    with runtime_of(ctx) as rt:
        current = current_revision(rt.engine)
    head = head_revision()
    state = "up to date" if current == head else "run `kizuna db upgrade`"
    console.print(f"current {current or 'empty'}, latest {head}: {state}")


@source_app.command("create")
def source_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A name for the site or app sending events.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print {\"write_key\": …}.")] = False,
) -> None:
    """Create a source and print its write key (shown only this once)."""
    try:
        with runtime_of(ctx) as rt, session_of(rt) as session:
            ws = workspaces.ensure_default_workspace(session, rt.clock)
            issued = ingest.create_source(
                session, workspace_id=ws.id, name=name, clock=rt.clock
            )
    except KizunaError as exc:
        raise fail(exc) from exc
    if as_json:
        print_json({"write_key": issued.write_key, "source_id": issued.source.id, "name": name})
    else:
        console.print(f"Source [bold]{name}[/] created. Write key (shown once):")
        console.print(issued.write_key, soft_wrap=True, highlight=False)


@user_app.command("create")
def user_create(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="Login email.")],
    role: Annotated[Role, typer.Option(help="admin, marketer or viewer.")] = Role.VIEWER,
    password: Annotated[
        str | None,
        typer.Option(help="Password (≥ 10 characters). Omit to be prompted, or to generate one "
                     "when not on a terminal.", envvar="KIZUNA_NEW_USER_PASSWORD"),
    ] = None,
    locale: Annotated[str | None, typer.Option(help="ja or en.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create a dashboard user."""
    generated = False
    if password is None:
        if typer.get_text_stream("stdin").isatty() and not as_json:
            password = getpass.getpass("Password: ")
        else:
            password, generated = secrets.token_urlsafe(12), True
    try:
        with runtime_of(ctx) as rt, session_of(rt) as session:
            ws = workspaces.ensure_default_workspace(session, rt.clock)
            user = auth.create_user(
                session, workspace_id=ws.id, email=email, password=password, role=role,
                clock=rt.clock, locale=locale,
            )
    except KizunaError as exc:
        raise fail(exc) from exc
    if as_json:
        print_json({"id": user.id, "email": user.email, "role": user.role.value,
                    **({"password": password} if generated else {})})
    else:
        console.print(f"User [bold]{user.email}[/] created with role {user.role.value}.")
        if generated:
            console.print(f"Generated password (shown once): {password}", highlight=False)


@apikey_app.command("create")
def apikey_create(
    ctx: typer.Context,
    scope: Annotated[Scope, typer.Option(help="read, write or admin.")] = Scope.READ,
    name: Annotated[str, typer.Option(help="What the key is for.")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print {\"key\": …}.")] = False,
) -> None:
    """Create an API key and print it (shown only this once; stored hashed)."""
    try:
        with runtime_of(ctx) as rt, session_of(rt) as session:
            ws = workspaces.ensure_default_workspace(session, rt.clock)
            issued = auth.create_api_key(
                session, workspace_id=ws.id, scope=scope, clock=rt.clock, name=name
            )
    except KizunaError as exc:
        raise fail(exc) from exc
    if as_json:
        print_json({"key": issued.key, "id": issued.api_key.id, "scope": scope.value})
    else:
        console.print(f"API key with scope {scope.value} (shown once):")
        console.print(issued.key, soft_wrap=True, highlight=False)


@apikey_app.command("list")
def apikey_list(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """List the API keys that work (their prefixes only: keys are stored hashed)."""
    with runtime_of(ctx) as rt, session_of(rt) as session:
        ws = workspaces.ensure_default_workspace(session, rt.clock)
        keys = auth.list_api_keys(session, ws.id)
    if as_json:
        print_json([{"id": k.id, "name": k.name, "prefix": k.prefix, "scope": k.scope.value,
                     "created_at": k.created_at.isoformat()} for k in keys])
        return
    table = Table("id", "prefix", "scope", "name", "created (UTC)")
    for k in keys:
        table.add_row(str(k.id), k.prefix + "…", k.scope.value, k.name,
                      f"{k.created_at:%Y-%m-%d %H:%M}")
    console.print(table)


@apikey_app.command("revoke")
def apikey_revoke(
    ctx: typer.Context, key_id: Annotated[int, typer.Argument(help="The key's id.")]
) -> None:
    """Revoke an API key: requests with it are refused from now on."""
    try:
        with runtime_of(ctx) as rt, session_of(rt) as session:
            ws = workspaces.ensure_default_workspace(session, rt.clock)
            key = auth.revoke_api_key(session, ws.id, key_id, rt.clock)
    except KizunaError as exc:
        raise fail(exc) from exc
    console.print(f"API key {key.id} ({key.prefix}…, {key.scope.value}) is revoked.")
