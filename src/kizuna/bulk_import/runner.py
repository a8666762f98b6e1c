"""One import run: read rows, turn them into records, write them batch by batch.

Each batch is its own transaction, so a crash loses at most the batch in flight, and a
re-run skips what earlier runs stored (orders by external id, events by messageId,
customers matched by external id or email).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from kizuna.bulk_import import mapping, store, writers
from kizuna.bulk_import.contracts import (
    FileFormat,
    ImportKind,
    ImportOptions,
    ImportSummary,
    ProgressCallback,
    RejectedRow,
)
from kizuna.bulk_import.customers import CustomerRowParser
from kizuna.bulk_import.errors import MappingInvalid
from kizuna.bulk_import.events import EventRowParser
from kizuna.bulk_import.orders import OrderDraft, OrderRowParser, RowRejected
from kizuna.bulk_import.readers import Row, RowReader, raw_of
from kizuna.bulk_import.values import make_date_parser, zone
from kizuna.clock import Clock
from kizuna.db.engine import transaction
from kizuna.types import WorkspaceId
from kizuna.workspaces import api as workspaces

PROGRESS_EVERY = 2048
_Writer = Callable[[list[tuple[Row, Any]]], tuple[int, int, list[tuple[Row, str]]]]
NOUNS = {ImportKind.ORDERS: "orders", ImportKind.CUSTOMERS: "customers",
         ImportKind.EVENTS: "events"}


@dataclass
class _Tally:
    file: str
    delimiter: str
    rows_read: int = 0
    written: int = 0
    skipped: int = 0
    rejects: list[RejectedRow] = field(default_factory=list)

    def reject(self, row: Row, reason: str) -> None:
        self.rejects.append(
            RejectedRow(file=self.file, line=row.line, reason=reason,
                        raw=raw_of(row, self.delimiter))
        )


def run_import(
    sessions: sessionmaker[Session],
    workspace_id: WorkspaceId,
    path: Path,
    options: ImportOptions,
    *,
    clock: Clock,
    batch_size: int,
    on_progress: ProgressCallback | None = None,
) -> ImportSummary:
    started = time.perf_counter()
    with RowReader(path, file_format=options.file_format, delimiter=options.delimiter,
                   header=options.header, names=options.names) as reader:
        with transaction(sessions) as session:
            tz_name = options.timezone or workspaces.get_workspace(session, workspace_id).timezone
            tz = zone(tz_name)
            run_id = store.create_run(session, workspace_id, kind=options.kind.value,
                                      file_name=str(path), at=clock.now())
        tally = _Tally(file=str(path), delimiter=reader.delimiter)
        parse_date = make_date_parser(options.date_format, tz)
        rows = _ProgressRows(reader, on_progress)
        first = next(iter(rows), None)
        if first is not None:
            ctx = writers.BatchContext(sessions=sessions, workspace_id=workspace_id,
                                       clock=clock)
            all_rows: Iterable[Row] = _chain(first, rows)
            if reader.format is FileFormat.NDJSON:
                mapping.check_targets(options.kind, options.mapping)
                columns: tuple[str, ...] = ()
                resolved = {t: t for t in mapping.DEFAULTS[options.kind]}
                all_rows = mapping.canonical_rows(options.kind, all_rows, options.mapping)
            else:
                columns = reader.columns
                resolved = mapping.resolve(options.kind, columns, options.mapping)
            if options.kind is ImportKind.ORDERS:
                _import_orders(all_rows, tally, ctx, batch_size,
                               OrderRowParser(resolved, parse_date, options.currency))
            elif options.kind is ImportKind.CUSTOMERS:
                parser = CustomerRowParser(resolved, columns, parse_date)
                _import_simple(all_rows, tally, batch_size, parser.parse,
                               lambda b: writers.write_customers(ctx, b))
            else:
                source = writers.import_source(ctx)
                _import_simple(all_rows, tally, batch_size, EventRowParser(
                    resolved, parse_date).parse, lambda b: writers.write_events(ctx, source, b))
        digest = reader.finish_hash()
        if on_progress is not None:
            on_progress(reader.bytes_read, reader.total_bytes)
    with transaction(sessions) as session:
        store.finish_run(
            session, workspace_id, run_id, file_sha256=digest, rows_read=tally.rows_read,
            rows_written=tally.written, rows_skipped=tally.skipped,
            rows_rejected=len(tally.rejects), at=clock.now(),
        )
    return ImportSummary(
        run_id=run_id, kind=options.kind, file_name=str(path), file_sha256=digest,
        rows_read=tally.rows_read, written=tally.written, skipped=tally.skipped,
        rejected=len(tally.rejects), record_noun=NOUNS[options.kind],
        rejects=tuple(tally.rejects), seconds=time.perf_counter() - started,
    )


class _ProgressRows:
    def __init__(self, reader: RowReader, on_progress: ProgressCallback | None) -> None:
        self._iter = iter(reader)
        self.reader = reader
        self.on_progress = on_progress

    def __iter__(self) -> _ProgressRows:
        return self

    def __next__(self) -> Row:
        row = next(self._iter)
        if self.on_progress is not None and row.line % PROGRESS_EVERY == 0:
            self.on_progress(self.reader.bytes_read, self.reader.total_bytes)
        return row


def _chain(first: Row, rest: Iterable[Row]) -> Iterable[Row]:
    yield first
    yield from rest


def _import_simple(
    rows: Iterable[Row], tally: _Tally, batch_size: int,
    parse: Callable[[dict[str, Any]], Any], write: _Writer,
) -> None:
    batch: list[tuple[Row, Any]] = []

    def flush() -> None:
        written, skipped, rejected = write(batch)
        tally.written += written
        tally.skipped += skipped
        for row, reason in rejected:
            tally.reject(row, reason)
        batch.clear()

    for row in rows:
        tally.rows_read += 1
        error = row.values.get("__error__")
        if error is not None:
            tally.reject(row, str(error))
            continue
        try:
            batch.append((row, parse(row.values)))
        except RowRejected as exc:
            tally.reject(row, str(exc))
            continue
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()


def _import_orders(
    rows: Iterable[Row], tally: _Tally, ctx: writers.BatchContext, batch_size: int,
    parser: OrderRowParser,
) -> None:
    """Group rows into orders; a batch is flushed only between orders, so an order whose
    rows are consecutive is never split. Rows of an order already written earlier in the
    same run are rejected (the file must keep each order's rows together)."""
    open_orders: dict[str, OrderDraft] = {}
    closed: set[str] = set()
    pending_rows = 0
    parse = parser.parse
    for row in rows:
        tally.rows_read += 1
        values = row.values
        if "__error__" in values:
            tally.reject(row, str(values["__error__"]))
            continue
        try:
            draft, line = parse(values)
        except RowRejected as exc:
            tally.reject(row, str(exc))
            continue
        ext = draft.external_id
        current = open_orders.get(ext)
        if current is None:
            if ext in closed:
                tally.reject(row, f"order {ext} continues after other orders were written; keep "
                             "each order's rows together (sort the file by order id)")
                continue
            if pending_rows >= batch_size:
                # a new order starts: every open order is complete (rows kept together)
                _flush_orders(ctx, tally, open_orders, closed)
                pending_rows = 0
            draft.first_line = row.line
            draft.lines.append(line)
            draft.row_count = 1
            open_orders[ext] = draft
        else:
            if draft.customer_key != current.customer_key:
                tally.reject(row, f"order {ext} has customer {current.customer_key!r} on line "
                             f"{current.first_line} but {draft.customer_key!r} here")
                continue
            if draft.status == "cancelled":
                current.status = "cancelled"
            current.lines.append(line)
            current.row_count += 1
        pending_rows += 1
    _flush_orders(ctx, tally, open_orders, closed)


def _flush_orders(
    ctx: writers.BatchContext, tally: _Tally, open_orders: dict[str, OrderDraft],
    closed: set[str],
) -> None:
    if not open_orders:
        return
    drafts = list(open_orders.values())
    written, skipped = writers.write_orders(ctx, drafts)
    tally.written += written
    tally.skipped += skipped
    closed.update(open_orders)
    open_orders.clear()


__all__ = ["MappingInvalid", "run_import"]
