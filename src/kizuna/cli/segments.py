"""`kizuna segments`: list, define, preview and recompute segments."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from kizuna.cli.context import console, fail, print_json, runtime_of, session_of
from kizuna.errors import Invalid, KizunaError
from kizuna.segments import api as segments
from kizuna.workspaces import api as workspaces

app = typer.Typer(help="Segments: conditions over customers, their size and members.",
                  no_args_is_help=True)


def _condition(text: str) -> Any:
    raw = Path(text[1:]).read_text(encoding="utf-8") if text.startswith("@") else text
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise Invalid(f"The condition is not valid JSON: {exc}") from exc


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """List the segments with their size at the last recompute."""
    try:
        with runtime_of(ctx) as rt, session_of(rt) as s:
            ws = workspaces.ensure_default_workspace(s, rt.clock)
            rows = segments.list_segments(s, ws.id)
    except KizunaError as exc:
        raise fail(exc) from exc
    table = Table(title="Segments")
    for col in ("key", "name", "size", "computed at"):
        table.add_column(col)
    for r in rows:
        table.add_row(r.key, r.name, "" if r.size is None else str(r.size),
                      "" if r.computed_at is None else r.computed_at.isoformat())
    console.print(table)


@app.command("save")
def save(ctx: typer.Context, key: str, name: str,
         condition: Annotated[str, typer.Argument(help="JSON, or @FILE")]) -> None:
    """Create the segment KEY, or replace its name and condition."""
    try:
        cond = _condition(condition)
        with runtime_of(ctx) as rt, session_of(rt) as s:
            ws = workspaces.ensure_default_workspace(s, rt.clock)
            now = rt.clock.now()
            if any(x.key == key for x in segments.list_segments(s, ws.id)):
                seg = segments.update_segment(s, ws.id, key, name=name, condition=cond, now=now)
            else:
                seg = segments.create_segment(s, ws.id, key=key, name=name, condition=cond,
                                              now=now)
            text = segments.render(segments.parse(seg.condition), "en")
    except KizunaError as exc:
        raise fail(exc) from exc
    console.print(f"saved {seg.key}: {text}")


@app.command("preview")
def preview(ctx: typer.Context,
            condition: Annotated[str, typer.Argument(help="JSON, or @FILE")]) -> None:
    """How many customers a condition matches now, with a sample of their ids."""
    try:
        cond = _condition(condition)
        with runtime_of(ctx) as rt, session_of(rt) as s:
            ws = workspaces.ensure_default_workspace(s, rt.clock)
            p = segments.preview_size(s, ws.id, cond, rt.clock.now())
    except KizunaError as exc:
        raise fail(exc) from exc
    print_json({"size": p.size, "sample": list(p.sample)})


@app.command("recompute")
def recompute(ctx: typer.Context,
              key: Annotated[str | None, typer.Argument(help="one segment; all if omitted")]
              = None) -> None:
    """Recompute membership; record Segment Entered / Segment Exited events for changes."""
    try:
        with runtime_of(ctx) as rt, session_of(rt) as s:
            ws = workspaces.ensure_default_workspace(s, rt.clock)
            now = rt.clock.now()
            outs = ([segments.recompute_segment(s, ws.id, key, now)] if key
                    else segments.recompute_all(s, ws.id, now))
    except KizunaError as exc:
        raise fail(exc) from exc
    for o in outs:
        console.print(f"{o.key}: {o.size} members (+{o.entered} / -{o.exited}), run {o.run}")


@app.command("refresh-scores")
def refresh_scores(ctx: typer.Context) -> None:
    """Recompute the metric scores (RFM segment, CLV, P(alive), NPS group, journey stage,
    engagement) that metric conditions read, and re-evaluate the segments using them."""
    try:
        with runtime_of(ctx) as rt:
            with session_of(rt) as s:
                ws = workspaces.ensure_default_workspace(s, rt.clock)
            console.print(f"computing metric scores of workspace {ws.slug} …")
            done = segments.refresh_workspace_scores(rt.sessions, ws.id, rt.clock.now(),
                                                     database_url=rt.settings.database_url)
    except KizunaError as exc:
        raise fail(exc) from exc
    console.print(f"scored {done.n} customers ({done.changed} changed) in {done.seconds:.1f}s"
                  + (f"; re-evaluated {', '.join(done.segments)}" if done.segments else ""))
    for note in done.notes:
        console.print(f"[yellow]not computed[/] {note}")


@app.command("delete")
def delete(ctx: typer.Context, key: str) -> None:
    """Delete the segment KEY and its memberships."""
    try:
        with runtime_of(ctx) as rt, session_of(rt) as s:
            ws = workspaces.ensure_default_workspace(s, rt.clock)
            segments.delete_segment(s, ws.id, key)
    except KizunaError as exc:
        raise fail(exc) from exc
    console.print(f"deleted {key}")
