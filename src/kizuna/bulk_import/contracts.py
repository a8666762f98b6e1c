"""What crosses the bulk-import boundary: options in, a summary out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class ImportKind(StrEnum):
    CUSTOMERS = "customers"
    ORDERS = "orders"
    EVENTS = "events"


class FileFormat(StrEnum):
    CSV = "csv"
    NDJSON = "ndjson"
    CDNOW = "cdnow"  # whitespace separated: customer_id date(YYYYMMDD) number_of_cds dollar_value


ProgressCallback = Callable[[int, int | None], None]
"""Called with (bytes read so far, total bytes of the file or None)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportOptions:
    """How to read one file. ``mapping`` is target field -> source column (overrides defaults)."""

    kind: ImportKind
    file_format: FileFormat | None = None  # None: detect from extension / content
    delimiter: str | None = None  # None: "," (or tab for .tsv); "whitespace" splits on runs
    header: bool = True
    names: tuple[str, ...] = ()  # column names when there is no header
    mapping: Mapping[str, str] = field(default_factory=dict)
    date_format: str | None = None  # strptime format; None: ISO 8601 and common forms
    timezone: str | None = None  # for naive dates; None: the workspace's time zone
    currency: str | None = None  # default currency for orders without a currency column


@dataclass(frozen=True, slots=True, kw_only=True)
class RejectedRow:
    file: str
    line: int
    reason: str
    raw: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportSummary:
    """The outcome of one run. ``written``/``skipped`` count records (orders, customers,
    events); ``skipped`` are records already present from an earlier import."""

    run_id: int
    kind: ImportKind
    file_name: str
    file_sha256: str
    rows_read: int
    written: int
    skipped: int
    rejected: int
    record_noun: str
    rejects: tuple[RejectedRow, ...] = ()
    seconds: float = 0.0

    @property
    def all_rejected(self) -> bool:
        return self.rows_read > 0 and self.rejected == self.rows_read

    def as_dict(self) -> dict[str, object]:
        return {
            "run_id": self.run_id,
            "kind": self.kind.value,
            "file": self.file_name,
            "file_sha256": self.file_sha256,
            "rows_read": self.rows_read,
            "written": self.written,
            "skipped": self.skipped,
            "rejected": self.rejected,
            "records": self.record_noun,
            "seconds": round(self.seconds, 3),
        }
