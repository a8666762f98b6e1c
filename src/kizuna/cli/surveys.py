"""`kizuna survey …`: create and open surveys, personal links, results, CSV export / import."""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from kizuna.cli.context import console, fail, print_json, runtime_of, session_of
from kizuna.errors import Invalid, KizunaError
from kizuna.surveys import api as surveys
from kizuna.surveys.contracts import DateRange, Survey, SurveyStatus, localized
from kizuna.surveys.errors import SurveyImportInvalid, SurveyNotFound
from kizuna.types import WorkspaceId
from kizuna.workspaces import api as workspaces

app = typer.Typer(help="Surveys: NPS, CSAT, CES, eNPS and custom questionnaires.",
                  no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]
KeyArg = Annotated[str, typer.Argument(help="The survey's URL key.")]


def _survey(session: Session, ws: WorkspaceId, key: str) -> Survey:
    survey = surveys.find_survey_by_key(session, ws, key)
    if survey is None:
        raise SurveyNotFound(f"No survey has the key {key!r}; see `kizuna survey list`.",
                             key=key)
    return survey


def _read_definition(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise Invalid(f"Cannot read {path}: {exc}.") from exc
    except json.JSONDecodeError as exc:
        raise Invalid(f"{path} is not valid JSON: line {exc.lineno} column {exc.colno}: "
                      f"{exc.msg}.") from exc
    if not isinstance(doc, dict):
        raise Invalid(f"{path} must hold a JSON object (a survey definition).")
    return doc


def _fail(exc: KizunaError) -> typer.Exit:
    errors = exc.fields.get("errors")
    if isinstance(errors, list):
        for error in errors[:20]:
            where = error.get("path") or error.get("question") or error.get("field") or ""
            console.print(f"  {where}: {error.get('message', '')}", highlight=False,
                          markup=False)
    return fail(exc)


def _summary(survey: Survey) -> dict[str, Any]:
    return {"id": survey.id, "key": survey.key, "kind": survey.kind.value,
            "status": survey.status.value, "version": survey.version,
            "anonymous": survey.anonymous, "path": f"/p/s/{survey.key}"}


@app.command("create")
def create(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The definition (JSON).", exists=True,
                                         dir_okay=False)],
    activate: Annotated[bool, typer.Option("--activate", help="Open it right away.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Create a survey from a JSON definition (see docs/reference/surveys.md)."""
    try:
        doc = _read_definition(file)
        with runtime_of(ctx) as rt, session_of(rt) as session:
            ws = workspaces.ensure_default_workspace(session, rt.clock).id
            survey = surveys.create_survey(
                session, ws, surveys.parse_definition(doc), at=rt.clock.now(),
                status=SurveyStatus.ACTIVE if activate else SurveyStatus.DRAFT)
            out = _summary(survey)
    except KizunaError as exc:
        raise _fail(exc) from exc
    if as_json:
        print_json(out)
    else:
        console.print(f"Survey [bold]{out['key']}[/] created ({out['status']}): {out['path']}",
                      highlight=False)


@app.command("update")
def update(
    ctx: typer.Context,
    key: KeyArg,
    file: Annotated[Path, typer.Argument(help="The new definition (JSON).", exists=True,
                                         dir_okay=False)],
) -> None:
    """Store a new version of a survey's definition (answers keep their version)."""
    try:
        doc = _read_definition(file)
        with runtime_of(ctx) as rt, session_of(rt) as session:
            ws = workspaces.ensure_default_workspace(session, rt.clock).id
            survey = surveys.update_survey(session, ws, _survey(session, ws, key).id,
                                           surveys.parse_definition(doc), at=rt.clock.now())
            version = survey.version
    except KizunaError as exc:
        raise _fail(exc) from exc
    console.print(f"Survey [bold]{key}[/] is now at version {version}.", highlight=False)


@app.command("status")
def status(
    ctx: typer.Context,
    key: KeyArg,
    new_status: Annotated[SurveyStatus, typer.Argument(metavar="STATUS",
                                                       help="draft, active or closed.")],
) -> None:
    """Open (active), close (closed) or withdraw (draft) a survey."""
    try:
        with runtime_of(ctx) as rt, session_of(rt) as session:
            ws = workspaces.ensure_default_workspace(session, rt.clock).id
            surveys.set_survey_status(session, ws, _survey(session, ws, key).id, new_status,
                                      at=rt.clock.now())
    except KizunaError as exc:
        raise _fail(exc) from exc
    console.print(f"Survey [bold]{key}[/] is {new_status.value}.", highlight=False)


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Every survey with its response counts."""
    try:
        with runtime_of(ctx) as rt, session_of(rt) as session:
            ws = workspaces.ensure_default_workspace(session, rt.clock).id
            items = surveys.list_surveys(session, ws)
            default = rt.settings.default_locale
    except KizunaError as exc:
        raise _fail(exc) from exc
    if as_json:
        print_json([{"id": s.id, "key": s.key, "kind": s.kind.value, "status": s.status.value,
                     "version": s.version, "anonymous": s.anonymous, "title": dict(s.title),
                     "responses": s.responses, "partial": s.partial} for s in items])
        return
    table = Table("key", "kind", "status", "title", "responses", "partial")
    for s in items:
        table.add_row(s.key, s.kind.value, s.status.value, localized(s.title, default),
                      str(s.responses), str(s.partial))
    console.print(table)


@app.command("invite")
def invite(
    ctx: typer.Context,
    key: KeyArg,
    customer_id: Annotated[int, typer.Argument(help="The customer's kizuna id.", min=1)],
    days: Annotated[int, typer.Option(help="Days the link stays valid.", min=1, max=365)] = 30,
    base_url: Annotated[str, typer.Option(help="Public address of this kizuna.")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Issue a single-use personal link for one customer (shown only this once)."""
    try:
        with runtime_of(ctx) as rt, session_of(rt) as session:
            ws = workspaces.ensure_default_workspace(session, rt.clock).id
            issued = surveys.issue_invitation(session, ws, _survey(session, ws, key).id,
                                              customer_id, at=rt.clock.now(),
                                              valid_for=timedelta(days=days))
    except KizunaError as exc:
        raise _fail(exc) from exc
    link = base_url.rstrip("/") + issued.path
    if as_json:
        print_json({"path": issued.path, "url": link, "token": issued.token,
                    "expires_at": issued.expires_at.isoformat()})
    else:
        console.print(link, soft_wrap=True, highlight=False, markup=False)


@app.command("results")
def results(
    ctx: typer.Context,
    key: KeyArg,
    start: Annotated[str | None, typer.Option(help="First day, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option(help="Last day, YYYY-MM-DD (default today).")] = None,
    by: Annotated[str | None, typer.Option(
        help="Break down by a hidden field (e.g. category), segment or stage.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Score with n and 95 % interval, change vs the previous period, per-question counts."""
    try:
        period = _period(start, end)
        with runtime_of(ctx) as rt:
            with session_of(rt) as session:
                ws = workspaces.ensure_default_workspace(session, rt.clock).id
                survey = _survey(session, ws, key)
            groups = None
            if by in ("segment", "stage") and not survey.anonymous:  # RFM / journey stage
                groups = surveys.customer_groups(rt.sessions, rt.settings.database_url, ws,
                                                 by=by, at=rt.clock.now())
            with session_of(rt) as session:
                res = surveys.survey_results(session, ws, survey.id, period=period, by=by,
                                             groups=groups, at=rt.clock.now())
    except KizunaError as exc:
        raise _fail(exc) from exc
    if as_json:
        from kizuna.http.schemas.surveys import SurveyResultsOut

        print(SurveyResultsOut.model_validate(res).model_dump_json())
        return
    console.print(f"{res.key}: {res.period.start} – {res.period.end}, {res.responses} "
                  f"responses ({res.partial} partial)", highlight=False)
    if res.score is not None:
        s = res.score
        console.print(f"{s.kind.upper()} {s.value:.1f} (95 % CI {s.ci_low:.1f} – "
                      f"{s.ci_high:.1f}, n = {s.n})", highlight=False)
    if res.change is not None:
        c = res.change
        console.print(f"change vs previous period: {c.difference:+.1f} (p = {c.p_value:.3f})",
                      highlight=False)
    if res.note:
        console.print(res.note, highlight=False, markup=False)


def _period(start: str | None, end: str | None) -> DateRange | None:
    if start is None and end is None:
        return None
    try:
        last = date.fromisoformat(end) if end else date.today()
        first = date.fromisoformat(start) if start else last - timedelta(days=29)
    except ValueError as exc:
        raise Invalid(f"Dates are YYYY-MM-DD: {exc}.") from exc
    if first > last:
        raise Invalid("--start is after --end; swap them.")
    return DateRange(start=first, end=last)


@app.command("export")
def export(
    ctx: typer.Context,
    key: KeyArg,
    output: Annotated[Path | None, typer.Option("--output", "-o",
                                                help="File to write (default stdout).")] = None,
    lang: Annotated[str, typer.Option(help="Header language: ja or en.")] = "en",
    headers: Annotated[str, typer.Option(help="labels, or ids (the import format).")] = "labels",
) -> None:
    """Export complete responses as CSV (one row per response, one column per question)."""
    if lang not in ("ja", "en") or headers not in ("labels", "ids"):
        raise _fail(Invalid("--lang is ja or en; --headers is labels or ids."))
    try:
        with runtime_of(ctx) as rt, session_of(rt) as session:
            ws = workspaces.ensure_default_workspace(session, rt.clock).id
            lines = list(surveys.export_responses_csv(session, ws, _survey(session, ws, key).id,
                                                      locale=lang, headers=headers))
    except KizunaError as exc:
        raise _fail(exc) from exc
    if output is None:
        sys.stdout.write("".join(lines))
    else:
        output.write_text("".join(lines), encoding="utf-8", newline="")
        console.print(f"Wrote {max(0, len(lines) - 1)} responses to {output}.", highlight=False)


@app.command("import")
def import_(
    ctx: typer.Context,
    key: KeyArg,
    file: Annotated[Path, typer.Argument(help="CSV (UTF-8) of past responses.", exists=True,
                                         dir_okay=False)],
    as_json: JsonFlag = False,
) -> None:
    """Import past responses from another tool's CSV; bad rows are listed with line numbers."""
    try:
        try:
            text = file.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SurveyImportInvalid(f"{file} is not UTF-8; save it as UTF-8.") from exc
        with runtime_of(ctx) as rt, session_of(rt) as session:
            ws = workspaces.ensure_default_workspace(session, rt.clock).id
            report = surveys.import_responses_csv(session, ws, _survey(session, ws, key).id,
                                                  text, at=rt.clock.now())
    except KizunaError as exc:
        raise _fail(exc) from exc
    if as_json:
        print_json({"imported": report.imported,
                    "skipped_duplicates": report.skipped_duplicates,
                    "rejected": [{"line": r.line, "field": r.field, "message": r.message}
                                 for r in report.rejected]})
    else:
        console.print(f"Imported {report.imported}, skipped {report.skipped_duplicates} "
                      f"already imported, rejected {len(report.rejected)}.", highlight=False)
        for r in report.rejected:
            console.print(f"  line {r.line}: {r.field + ': ' if r.field else ''}{r.message}",
                          highlight=False, markup=False)
    if report.rejected:
        raise typer.Exit(code=2)
