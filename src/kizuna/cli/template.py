"""`kizuna template preview|test-send FILE --customer ID`: render a template for a real customer."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from kizuna.cli.context import console, fail, print_json, runtime_of, session_of
from kizuna.errors import Invalid, KizunaError, NotFound
from kizuna.messaging import api as messaging
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import IdentityRef
from kizuna.types import WorkspaceId
from kizuna.workspaces import api as workspaces

app = typer.Typer(help="Message templates: preview one for a customer, test-send it.",
                  no_args_is_help=True)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise Invalid(f"cannot read {path}: {exc.strerror}", field="file") from exc
    except json.JSONDecodeError as exc:
        raise Invalid(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column "
                      f"{exc.colno}", field="file") from exc


def _customer_id(session: Session, workspace_id: WorkspaceId, customer: str) -> int:
    """The numeric id of ``customer`` (a numeric id or a userId)."""
    found = int(customer) if customer.isdigit() else profiles.find_customer_id(
        session, workspace_id, IdentityRef(user_id=customer))
    if found is None:
        raise NotFound(f"No customer has the userId {customer!r}; give the numeric "
                       "customer id or an existing userId.", customer=customer)
    return int(found)


def _event(raw: str | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise Invalid(f"--event-json is not valid JSON: {exc.msg}", field="event") from exc
    if not isinstance(value, dict):
        raise Invalid('--event-json must be an object like {"name": "Order Completed", '
                      '"properties": {...}}', field="event")
    return value


@app.command("preview")
def preview(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Template JSON document (see "
                                               "docs/reference/templates.md).")],
    customer: Annotated[str, typer.Option("--customer", help="Customer id, or their userId "
                                                             "(external id).")],
    locale: Annotated[str | None, typer.Option(help="ja or en (default: the customer's "
                                                    "language, then the template's).")] = None,
    event_json: Annotated[str | None, typer.Option(
        "--event-json", help='The event the message is about: {"name": …, "properties": {…}}'
    )] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Render FILE for a customer and print the subject, the text and the HTML."""
    try:
        template = messaging.template_from_document(_read_json(file), name=file.stem)
        event = _event(event_json)
        with runtime_of(ctx) as rt, session_of(rt) as session:
            ws = workspaces.ensure_default_workspace(session, rt.clock)
            customer_id = _customer_id(session, ws.id, customer)
            message = messaging.preview(session, ws.id, template, customer_id,
                                        now=rt.clock.now(), locale=locale, event=event)
    except KizunaError as exc:
        raise fail(exc) from exc
    if as_json:
        print_json(asdict(message))
        return
    console.print(f"template {message.template} · locale {message.locale} · "
                  f"{message.render_ms:.1f} ms", style="dim", markup=False)
    for warning in message.warnings:
        console.print(f"warning: {warning}", style="yellow", markup=False)
    for label, value in (("From", message.from_address), ("Reply-To", message.reply_to),
                         ("Subject", message.subject)):
        if value:
            console.print(f"{label}: {value}", markup=False, highlight=False)
    for label, body in (("text", message.text), ("html", message.html)):
        if body:
            console.rule(label)
            console.print(body, markup=False, highlight=False, soft_wrap=True)


@app.command("test-send")
def test_send(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Template JSON document.")],
    customer: Annotated[str, typer.Option("--customer", help="Render for this customer (id or "
                                                             "userId).")],
    to: Annotated[str, typer.Option("--to", help="Send to this address (never the "
                                                 "customer's).")],
    locale: Annotated[str | None, typer.Option(help="ja or en.")] = None,
    event_json: Annotated[str | None, typer.Option("--event-json")] = None,
) -> None:
    """Render FILE for a customer and e-mail it to --to now, subject prefixed [TEST] / [テスト].

    Needs KIZUNA_SMTP_URL. Not recorded as a send: caps and rates do not count it.
    """
    try:
        template = messaging.template_from_document(_read_json(file), name=file.stem)
        event = _event(event_json)
        with runtime_of(ctx) as rt, session_of(rt) as session:
            ws = workspaces.ensure_default_workspace(session, rt.clock)
            customer_id = _customer_id(session, ws.id, customer)
            channel = messaging.email_channel(rt.settings)
            try:
                result = messaging.test_send(session, ws.id, template, customer_id, to=to,
                                             channel=channel, now=rt.clock.now(),
                                             locale=locale, event=event)
            finally:
                if channel is not None:
                    channel.close()
    except KizunaError as exc:
        raise fail(exc) from exc
    outcome = result.outcome
    if outcome.kind != "delivered":
        console.print(f"not sent ({outcome.kind}): {getattr(outcome, 'reason', '')}",
                      style="red", markup=False)
        raise typer.Exit(1)
    console.print(f"sent to {result.to}: {result.subject}", markup=False, highlight=False)


test_send.__test__ = False  # type: ignore[attr-defined]
