"""`kizuna demo`: migrate, load a realistic data set once, print the logins, serve."""

from __future__ import annotations

import json
import shlex
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kizuna.cli.context import console, fail, settings_of
from kizuna.db.engine import transaction
from kizuna.db.migrate import upgrade_to_head
from kizuna.demo import listen, load
from kizuna.demo.errors import DemoResetRefused
from kizuna.errors import KizunaError
from kizuna.ideas import api as ideas
from kizuna.profiles import api as profiles
from kizuna.runtime import Runtime, build_runtime
from kizuna.settings import Settings

_STEPS = {"customers": "Customers", "orders": "Orders (CDNOW)", "events": "Events",
          "surveys": "Survey responses", "reviews": "Reviews", "themes": "Feedback themes"}


def _reset(settings: Settings) -> None:
    if not settings.is_sqlite:
        raise DemoResetRefused(database_url=settings.database_url.split("@")[-1])
    path = settings.sqlite_path
    if path is None:
        return
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    console.print(f"Deleted {path} (--reset).")


def _load(rt: Runtime, access: load.DemoAccess, customers: int, seed: int) -> None:
    from kizuna.demo.generate import generate_demo

    started = time.perf_counter()
    columns = (
        TextColumn("{task.description:<16}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        gen = progress.add_task("Generating", total=1)
        data = generate_demo(customers=customers, seed=seed, anchor=rt.clock.now().date())
        progress.update(gen, completed=1)
        tasks = {step: progress.add_task(label, total=None) for step, label in _STEPS.items()}

        def on_progress(step: str, done: int, total: int) -> None:
            progress.update(tasks[step], completed=done, total=total)

        report = load.load_demo(
            rt.sessions, access=access, data=data, clock=rt.clock, on_progress=on_progress
        )
    console.print(
        f"Loaded {report.customers:,} CDNOW customers, {report.orders_written:,} orders (USD), "
        f"{report.events_accepted:,} events, {report.listen.survey_responses:,} survey "
        f"responses, {report.listen.reviews:,} reviews and {report.listen.ideas} ideas "
        f"in {time.perf_counter() - started:.1f} s "
        f"(seed {seed}; CDNOW dates shifted by {data.shift_days:,} days to end recently).",
        highlight=False,
    )
    if report.loyalty is not None:
        console.print(
            f"Loyalty: {report.loyalty.members:,} members, {report.loyalty.orders_earned:,} "
            f"orders earned points, {report.loyalty.redemptions} rewards redeemed "
            f"({report.loyalty.seconds:.1f} s).", highlight=False)
    if report.acted is not None:
        console.print(
            f"Act: {report.acted.segments} segments, {report.acted.journeys} journeys from "
            f"templates, a measured in-app broadcast to {report.acted.broadcast_recipients:,} "
            "VIP customers (see Broadcasts and PDCA).", highlight=False)


def _example_user(rt: Runtime, access: load.DemoAccess) -> tuple[str, str | None]:
    """A demo customer's user id, and a link that lets you act as them on the idea board."""
    with transaction(rt.sessions) as session:
        page = profiles.search_customers(session, access.workspace_id, "cdnow-", page_size=1)
        if not page.items or not page.items[0].external_id:
            return "hello-kizuna", None
        member = ideas.issue_member_link(session, access.workspace_id, page.items[0].id,
                                         rt.clock.now())
    return page.items[0].external_id, member.token


def _print_member_page(rt: Runtime, access: load.DemoAccess, base: str) -> None:
    """A fresh link to one loyalty member's public page (it replaces that member's last one)."""
    from kizuna.loyalty import api as loyalty

    with transaction(rt.sessions) as session:
        members = loyalty.list_members(session, access.workspace_id, page_size=1,
                                       now=rt.clock.now())
        if not members.items:
            return
        token = loyalty.issue_member_page_link(session, access.workspace_id,
                                               members.items[0].customer_id, now=rt.clock.now())
    console.print(f"  Member page  {base}/p/loyalty?m={token}   (a loyalty member; ?lang=en)",
                  soft_wrap=True, highlight=False, markup=False)


def _print_access(
    access: load.DemoAccess, base: str, user_id: str, member_token: str | None
) -> None:
    body = json.dumps({"userId": user_id, "event": "Hello kizuna", "properties": {"via": "curl"}})
    curl = (
        f"curl -u {shlex.quote(access.write_key + ':')} "
        f"-H 'Content-Type: application/json' -d {shlex.quote(body)} {base}/v1/track"
    )
    password = access.admin_password + ("" if access.admin_created else "  (unless you changed it)")
    lines = [
        "",
        "kizuna demo is ready",
        f"  Dashboard    {base}/app",
        f"  Login        {access.admin_email}",
        f"  Password     {password}",
        f"  Write key    {access.write_key}   (source {access.source.name!r})",
        f"  Admin API    {access.api_key}   (Authorization: Bearer …, scope admin)",
        f"  NPS survey   {base}/p/s/{listen.NPS_KEY}   (public link; ?lang=en for English)",
        f"  Idea board   {base}/p/ideas"
        + (f"?m={member_token}   (as customer {user_id})" if member_token else ""),
        "  Send an event:",
        f"    {curl}",
        "",
    ]
    for line in lines:
        console.print(line, soft_wrap=True, highlight=False, markup=False)


def demo(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    customers: Annotated[
        int, typer.Option(min=1, help="How many of CDNOW's 23,570 customers to load.")
    ] = 1500,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data.")] = 7,
    reset: Annotated[
        bool, typer.Option("--reset", help="Delete the SQLite demo file first and reload.")
    ] = False,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Load and print the logins, but do not serve.")
    ] = False,
) -> None:
    """Start a demo server with realistic data (CDNOW orders, Japanese and English customers)."""
    settings = settings_of(ctx)
    try:
        if reset:
            _reset(settings)
        rt = build_runtime(settings)
        upgrade_to_head(rt.engine)
        with transaction(rt.sessions) as session:
            access = load.ensure_demo_access(
                session, rt.clock, secret=settings.secret_key.get_secret_value(), seed=seed
            )
            has_data = load.workspace_has_data(session, access.workspace_id)
            finished = has_data and load.load_finished(session, access.workspace_id)
        if finished:
            console.print(
                "The workspace already has data: starting without loading "
                "(use --reset to start over with fresh demo data)."
            )
        else:
            if has_data:
                console.print("An earlier demo load did not finish: loading again (nothing "
                              "already loaded is added twice).")
            _load(rt, access, customers, seed)
        base = f"http://{host}:{port}"
        _print_access(access, base, *_example_user(rt, access))
        _print_member_page(rt, access, base)
    except KizunaError as exc:
        raise fail(exc) from exc
    if no_serve:
        rt.close()
        return
    import uvicorn

    from kizuna.http.app import create_app

    # Like `kizuna serve`: the housekeeping loop runs the loyalty programme every minute and
    # retrains recommendations when they are due, so new demo orders earn points.
    app = create_app(settings, rt, background=True)
    uvicorn.run(app, host=host, port=port, log_level="info")
