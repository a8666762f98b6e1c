"""`kizuna journeys`: list, create (from a ready-made template or JSON), edit, go live, runs,
results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from kizuna.cli.context import console, fail, print_json, runtime_of, session_of
from kizuna.errors import Invalid, KizunaError
from kizuna.journeys import api as journeys
from kizuna.workspaces import api as workspaces

app = typer.Typer(help="Journeys: multi-step, event-triggered flows with holdouts.",
                  no_args_is_help=True)


def _doc(text: str) -> Any:
    raw = Path(text[1:]).read_text(encoding="utf-8") if text.startswith("@") else text
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise Invalid(f"The definition is not valid JSON: {exc}") from exc


def _show(j: journeys.Journey, lang: str = "en") -> None:
    trigger, steps = journeys.describe(dict(j.definition), lang)
    console.print(f"[bold]{j.key}[/bold] {j.name} — {j.status.value}, version "
                  f"{j.current_version}")
    console.print(f"  {trigger}")
    for line in steps:
        console.print(f"  [{line.id}] {line.text}  {'  '.join(line.goes_to)}")


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """List the journeys with their status and version."""
    try:
        with runtime_of(ctx) as rt, session_of(rt) as s:
            ws = workspaces.ensure_default_workspace(s, rt.clock)
            rows = [(j, journeys.run_counts(s, ws.id, j.key))
                    for j in journeys.list_journeys(s, ws.id)]
    except KizunaError as exc:
        raise fail(exc) from exc
    table = Table(title="Journeys")
    for col in ("key", "name", "status", "version", "runs", "open"):
        table.add_column(col)
    for j, c in rows:
        open_runs = sum(n for st, n in c.by_state.items()
                        if st in ("active", "waiting", "waiting_event"))
        table.add_row(j.key, j.name, j.status.value, str(j.current_version),
                      str(sum(c.by_state.values())), str(open_runs))
    console.print(table)


@app.command("templates")
def templates(lang: Annotated[str, typer.Option(help="ja or en")] = "en") -> None:
    """The ready-made journeys (`kizuna journeys create --template NAME`)."""
    table = Table(title="Journey templates")
    for col in ("name", "title", "description"):
        table.add_column(col)
    for t in journeys.templates():
        table.add_row(t.name, t.title.get(lang, t.title["en"]),
                      t.description.get(lang, t.description["en"]))
    console.print(table)


@app.command("create")
def create(
    ctx: typer.Context,
    template: Annotated[str | None, typer.Option(help="A ready-made template name")] = None,
    definition: Annotated[str | None, typer.Option(help="JSON, or @FILE")] = None,
    key: Annotated[str | None, typer.Option(help="The journey's key")] = None,
    name: Annotated[str | None, typer.Option(help="The journey's name")] = None,
    lang: Annotated[str, typer.Option(help="Language of a template's name: ja or en")] = "en",
    survey: Annotated[str, typer.Option(help="Survey key the NPS mail links to")] = "nps",
) -> None:
    """Create a draft journey from --template NAME or from --definition (with --key, --name)."""
    try:
        with runtime_of(ctx) as rt, session_of(rt) as s:
            ws = workspaces.ensure_default_workspace(s, rt.clock)
            now = rt.clock.now()
            if template:
                params = {"public_base_url": rt.settings.public_base_url or "",
                          "survey": survey}
                j = journeys.create_from_template(s, ws.id, template, key=key, title=name,
                                                  locale=lang, params=params, now=now)
            elif definition and key and name:
                j = journeys.create_journey(s, ws.id, key=key, name=name,
                                            definition=_doc(definition), now=now)
            else:
                raise Invalid("Give --template NAME, or --definition with --key and --name.")
            _show(j, lang)
    except KizunaError as exc:
        raise fail(exc) from exc


@app.command("show")
def show(ctx: typer.Context, key: str,
         lang: Annotated[str, typer.Option(help="ja or en")] = "en",
         as_json: Annotated[bool, typer.Option("--json", help="Print the definition")] = False,
         ) -> None:
    """Show a journey's trigger and steps (or its definition as JSON)."""
    try:
        with runtime_of(ctx) as rt, session_of(rt) as s:
            ws = workspaces.ensure_default_workspace(s, rt.clock)
            j = journeys.get_journey(s, ws.id, key)
            if as_json:
                print_json(dict(j.definition))
            else:
                _show(j, lang)
    except KizunaError as exc:
        raise fail(exc) from exc


@app.command("edit")
def edit(ctx: typer.Context, key: str,
         definition: Annotated[str, typer.Argument(help="JSON, or @FILE")]) -> None:
    """Save a new version of KEY (runs in flight finish on their version)."""
    try:
        with runtime_of(ctx) as rt, session_of(rt) as s:
            ws = workspaces.ensure_default_workspace(s, rt.clock)
            j = journeys.update_journey(s, ws.id, key, definition=_doc(definition),
                                        now=rt.clock.now())
            _show(j)
    except KizunaError as exc:
        raise fail(exc) from exc


@app.command("status")
def status(ctx: typer.Context, key: str,
           new: Annotated[str, typer.Argument(help="live, paused or archived")]) -> None:
    """Go live, pause (no new entries, runs wait) or archive (open runs end)."""
    try:
        with runtime_of(ctx) as rt, session_of(rt) as s:
            ws = workspaces.ensure_default_workspace(s, rt.clock)
            j = journeys.set_status(s, ws.id, key, new, now=rt.clock.now())
    except KizunaError as exc:
        raise fail(exc) from exc
    console.print(f"{j.key} is {j.status.value}")


@app.command("runs")
def runs(ctx: typer.Context, key: str,
         limit: Annotated[int, typer.Option(min=1, max=1000)] = 50) -> None:
    """The newest runs of a journey and the counts per state and arm."""
    try:
        with runtime_of(ctx) as rt, session_of(rt) as s:
            ws = workspaces.ensure_default_workspace(s, rt.clock)
            rows = journeys.list_runs(s, ws.id, key, limit=limit)
            counts = journeys.run_counts(s, ws.id, key)
    except KizunaError as exc:
        raise fail(exc) from exc
    table = Table(title=f"Runs of {key}")
    for col in ("run", "customer", "version", "arm", "state", "step", "due", "entered"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r.id), str(r.customer_id), str(r.version), r.arm, r.state.value,
                      r.step_id or "", r.due_at.isoformat() if r.due_at else "",
                      r.entered_at.isoformat())
    console.print(table)
    print_json({"by_state": dict(counts.by_state), "by_arm": dict(counts.by_arm)})


@app.command("results")
def results(ctx: typer.Context, key: str) -> None:
    """Per arm n, conversion rate, revenue per recipient and uplift over the holdout."""
    try:
        with runtime_of(ctx) as rt, session_of(rt) as s:
            ws = workspaces.ensure_default_workspace(s, rt.clock)
            res = journeys.journey_results(s, ws.id, key, now=rt.clock.now())
    except KizunaError as exc:
        raise fail(exc) from exc
    print_json({"key": key, "goal_event": res.goal_event, "window_days": res.window_days,
                "entries": res.entries, "still_open": res.still_open,
                "enough_data": bool(res.report is not None and res.report.enough_data),
                "report": res.report.as_dict() if res.report is not None else None,
                "problem": res.problem, "pdca_records": [int(r.id) for r in res.pdca]})


@app.command("tick")
def tick(ctx: typer.Context) -> None:
    """Enrol due date/schedule triggers and end due waits now (the dispatcher does this)."""
    try:
        with runtime_of(ctx) as rt:
            now = rt.clock.now()
            enrolled = journeys.enrol_due_dates(rt.sessions, now)
            resumed = journeys.advance_due(rt.sessions, now)
    except KizunaError as exc:
        raise fail(exc) from exc
    print_json({"enrolled": enrolled, "resumed": resumed})
