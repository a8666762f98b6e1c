"""`kizuna import customers|orders|events FILE`: bulk import with a progress bar and a report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from kizuna.bulk_import import api as bulk_import
from kizuna.bulk_import.contracts import FileFormat, ImportKind, ImportOptions, ImportSummary
from kizuna.cli.context import console, err_console, fail, print_json, runtime_of, session_of
from kizuna.errors import KizunaError
from kizuna.workspaces import api as workspaces

app = typer.Typer(
    help="Import customers, orders and events from CSV / NDJSON (gzip too).",
    no_args_is_help=True,
)

FileArg = Annotated[
    Path | None,
    typer.Argument(help="CSV, TSV or NDJSON file, optionally gzipped.", show_default=False),
]
MapOpt = Annotated[
    list[str] | None,
    typer.Option("--map", help="Column for a field: target=column (repeatable).",
                 show_default=False),
]
MappingFileOpt = Annotated[
    Path | None,
    typer.Option("--mapping", help="JSON or TOML file of target = \"column\" pairs.",
                 show_default=False),
]
FormatOpt = Annotated[
    FileFormat | None,
    typer.Option("--format", help="csv, ndjson or cdnow (default: from extension/content).",
                 show_default=False),
]
DelimiterOpt = Annotated[
    str | None,
    typer.Option("--delimiter", help="CSV delimiter: ',', ';', 'tab' or 'whitespace'.",
                 show_default=False),
]
NoHeaderOpt = Annotated[
    bool, typer.Option("--no-header", help="The file has no header row; see --names.")
]
NamesOpt = Annotated[
    str | None,
    typer.Option("--names", help="Comma-separated column names for --no-header files.",
                 show_default=False),
]
DateFormatOpt = Annotated[
    str | None,
    typer.Option("--date-format", help="strptime format of the dates, e.g. %d/%m/%Y.",
                 show_default=False),
]
TimezoneOpt = Annotated[
    str | None,
    typer.Option("--timezone", help="Time zone of dates without one (default: the "
                 "workspace's, Asia/Tokyo).", show_default=False),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")]
ReportDirOpt = Annotated[
    Path | None,
    typer.Option("--report-dir", help="Where to write the rejected-rows CSV (default: the "
                 "working directory).", show_default=False),
]


def _run(
    ctx: typer.Context, kind: ImportKind, file: Path | None, options: ImportOptions,
    *, as_json: bool, report_dir: Path | None,
) -> None:
    if file is None:
        raise fail_usage("Give the FILE to import.")
    if not file.is_file():
        raise fail_usage(f"{file} does not exist or is not a file.")
    try:
        with runtime_of(ctx) as rt:
            with session_of(rt) as session:
                ws = workspaces.ensure_default_workspace(session, rt.clock)
            with Progress(
                TextColumn(f"[bold]{kind.value}[/] {file.name}"), BarColumn(),
                DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn(),
                console=err_console, transient=True, disable=as_json,
            ) as progress:
                task = progress.add_task("import", total=file.stat().st_size or None)

                def on_progress(done: int, total: int | None) -> None:
                    progress.update(task, completed=done, total=total)

                summary = bulk_import.import_file(
                    rt.sessions, ws.id, file, options, clock=rt.clock,
                    batch_size=rt.settings.import_batch_size, on_progress=on_progress,
                )
    except KizunaError as exc:
        raise fail(exc) from exc
    except OSError as exc:
        err_console.print(f"[bold red]error[/]: cannot read {file}: {exc}")
        raise typer.Exit(1) from exc
    report = bulk_import.write_reject_report(summary, report_dir or Path.cwd())
    if as_json:
        print_json({**summary.as_dict(), "report": str(report) if report else None})
    else:
        _print_summary(summary, report)
    if summary.all_rejected:
        raise typer.Exit(2)


def fail_usage(message: str) -> typer.Exit:
    err_console.print(f"[bold red]error[/]: {message}")
    return typer.Exit(1)


def _print_summary(summary: ImportSummary, report: Path | None) -> None:
    table = Table(title=f"Import of {summary.record_noun} from {summary.file_name}")
    table.add_column("rows read", justify="right")
    table.add_column(f"{summary.record_noun} written", justify="right")
    table.add_column("skipped (already imported)", justify="right")
    table.add_column("rows rejected", justify="right")
    table.add_row(f"{summary.rows_read:,}", f"{summary.written:,}", f"{summary.skipped:,}",
                  f"{summary.rejected:,}")
    console.print(table)
    if summary.seconds > 0 and summary.rows_read:
        rate = summary.rows_read / summary.seconds
        console.print(f"{summary.seconds:.1f} s, {rate:,.0f} rows/s (run #{summary.run_id})")
    if report is not None:
        console.print(f"[yellow]Rejected rows (file, line, reason, raw):[/] {report}",
                      soft_wrap=True)


def _options(
    kind: ImportKind, *, file_format: FileFormat | None, delimiter: str | None,
    no_header: bool, names: str | None, map_flags: list[str] | None,
    mapping_file: Path | None, date_format: str | None, timezone: str | None,
    currency: str | None = None,
) -> ImportOptions:
    mapping = bulk_import.build_mapping(map_flags, mapping_file)
    columns = tuple(n.strip() for n in names.split(",")) if names else ()
    if file_format is FileFormat.CDNOW:
        return bulk_import.cdnow_options(mapping=mapping, date_format=date_format,
                                         timezone=timezone, currency=currency)
    return ImportOptions(
        kind=kind, file_format=file_format, delimiter=delimiter, header=not no_header,
        names=columns, mapping=mapping, date_format=date_format, timezone=timezone,
        currency=currency,
    )


@app.command("orders")
def import_orders(
    ctx: typer.Context,
    file: FileArg = None,
    cdnow: Annotated[bool, typer.Option("--cdnow", help="Import the CDNOW master file shipped "
                                        "in the installed `lifetimes` package.")] = False,
    map_flags: MapOpt = None,
    mapping_file: MappingFileOpt = None,
    file_format: FormatOpt = None,
    delimiter: DelimiterOpt = None,
    no_header: NoHeaderOpt = False,
    names: NamesOpt = None,
    date_format: DateFormatOpt = None,
    timezone: TimezoneOpt = None,
    currency: Annotated[str | None, typer.Option(help="Currency of orders without a currency "
                                                 "column (e.g. JPY).")] = None,
    as_json: JsonOpt = False,
    report_dir: ReportDirOpt = None,
) -> None:
    """Import orders: one row per order or per line item (rows sharing an order id)."""
    try:
        if cdnow:
            file = file or bulk_import.cdnow_master_path()
            file_format = FileFormat.CDNOW
        options = _options(ImportKind.ORDERS, file_format=file_format, delimiter=delimiter,
                           no_header=no_header, names=names, map_flags=map_flags,
                           mapping_file=mapping_file, date_format=date_format,
                           timezone=timezone, currency=currency)
    except KizunaError as exc:
        raise fail(exc) from exc
    _run(ctx, ImportKind.ORDERS, file, options, as_json=as_json, report_dir=report_dir)


@app.command("customers")
def import_customers(
    ctx: typer.Context,
    file: FileArg = None,
    map_flags: MapOpt = None,
    mapping_file: MappingFileOpt = None,
    file_format: FormatOpt = None,
    delimiter: DelimiterOpt = None,
    no_header: NoHeaderOpt = False,
    names: NamesOpt = None,
    date_format: DateFormatOpt = None,
    timezone: TimezoneOpt = None,
    as_json: JsonOpt = False,
    report_dir: ReportDirOpt = None,
) -> None:
    """Import customers; unknown columns become traits, `email_opt_in` columns consent."""
    try:
        options = _options(ImportKind.CUSTOMERS, file_format=file_format, delimiter=delimiter,
                           no_header=no_header, names=names, map_flags=map_flags,
                           mapping_file=mapping_file, date_format=date_format,
                           timezone=timezone)
    except KizunaError as exc:
        raise fail(exc) from exc
    _run(ctx, ImportKind.CUSTOMERS, file, options, as_json=as_json, report_dir=report_dir)


@app.command("events")
def import_events(
    ctx: typer.Context,
    file: FileArg = None,
    map_flags: MapOpt = None,
    mapping_file: MappingFileOpt = None,
    file_format: FormatOpt = None,
    delimiter: DelimiterOpt = None,
    no_header: NoHeaderOpt = False,
    names: NamesOpt = None,
    date_format: DateFormatOpt = None,
    timezone: TimezoneOpt = None,
    as_json: JsonOpt = False,
    report_dir: ReportDirOpt = None,
) -> None:
    """Import Segment-spec events (NDJSON messages, or CSV rows) through the "import" source."""
    try:
        options = _options(ImportKind.EVENTS, file_format=file_format, delimiter=delimiter,
                           no_header=no_header, names=names, map_flags=map_flags,
                           mapping_file=mapping_file, date_format=date_format,
                           timezone=timezone)
    except KizunaError as exc:
        raise fail(exc) from exc
    _run(ctx, ImportKind.EVENTS, file, options, as_json=as_json, report_dir=report_dir)
