"""Streaming readers for CSV, NDJSON and whitespace-separated files, gzipped or not.

Files are never loaded whole: rows are yielded one by one with their line number, and the
raw bytes read so far are counted (for a progress bar) and hashed (for the import record).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

import orjson

from kizuna.bulk_import.contracts import FileFormat
from kizuna.bulk_import.errors import ImportFileUnreadable

GZIP_MAGIC = b"\x1f\x8b"
WHITESPACE = "whitespace"
CDNOW_COLUMNS = ("customer_id", "date", "number_of_cds", "dollar_value")


class _CountingRaw(io.RawIOBase):
    """A raw file that counts and hashes every byte read from disk."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("rb", buffering=0)
        self.bytes_read = 0
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._file.readinto(buffer)
        if n:
            self.bytes_read += n
            self.sha256.update(memoryview(buffer)[:n])
        return n or 0

    def close(self) -> None:
        self._file.close()
        super().close()


@dataclass(slots=True)
class Row:
    """One record of the file: its first line number and its values by column name."""

    line: int
    values: dict[str, Any]
    raw: str


def is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == GZIP_MAGIC


def detect_format(path: Path, first_text: str) -> FileFormat:
    """From the extension (ignoring .gz), else from the first non-blank character."""
    suffixes = [s.lower() for s in path.suffixes if s.lower() not in {".gz", ".gzip"}]
    ext = suffixes[-1] if suffixes else ""
    if ext in {".ndjson", ".jsonl", ".json"}:
        return FileFormat.NDJSON
    if ext in {".csv", ".tsv"}:
        return FileFormat.CSV
    return FileFormat.NDJSON if first_text.lstrip().startswith("{") else FileFormat.CSV


class RowReader:
    """Open ``path`` and iterate its rows. Use as a context manager."""

    def __init__(
        self,
        path: Path,
        *,
        file_format: FileFormat | None = None,
        delimiter: str | None = None,
        header: bool = True,
        names: tuple[str, ...] = (),
    ) -> None:
        if not path.is_file():
            raise ImportFileUnreadable(f"{path} does not exist or is not a file.", file=str(path))
        self.path = path
        self.total_bytes = path.stat().st_size
        self._raw = _CountingRaw(path)
        buffered = io.BufferedReader(self._raw, buffer_size=1 << 20)
        stream: IO[bytes] = (
            cast(IO[bytes], gzip.GzipFile(fileobj=buffered, mode="rb"))
            if is_gzip(path)
            else buffered
        )
        self._text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        self._pending = ""
        if file_format is None:
            try:
                self._pending = self._text.readline()
            except (OSError, EOFError, UnicodeDecodeError) as exc:
                raise ImportFileUnreadable(f"{path}: {exc}", file=str(path)) from exc
        self.format = file_format or detect_format(path, self._pending)
        if self.format is FileFormat.CDNOW:
            delimiter, names = WHITESPACE, names or CDNOW_COLUMNS
            header = False
        is_tsv = ".tsv" in [x.lower() for x in path.suffixes]
        self.delimiter = delimiter or ("\t" if is_tsv else ",")
        if self.delimiter in {"\\t", "tab"}:
            self.delimiter = "\t"
        self.header = header
        self.names = names
        self.columns: tuple[str, ...] = ()

    @property
    def bytes_read(self) -> int:
        return self._raw.bytes_read

    @property
    def sha256(self) -> str:
        return self._raw.sha256.hexdigest()

    def __enter__(self) -> RowReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._text.close()

    def finish_hash(self) -> str:
        """Read what is left of the file (for the hash) and return the SHA-256."""
        while self._raw.readinto(bytearray(1 << 20)):
            pass
        return self.sha256

    def _lines(self) -> Iterator[str]:
        if self._pending:
            yield self._pending
        yield from self._text

    def __iter__(self) -> Iterator[Row]:
        try:
            if self.format is FileFormat.NDJSON:
                yield from self._ndjson()
            elif self.delimiter == WHITESPACE:
                yield from self._whitespace()
            else:
                yield from self._csv()
        except (OSError, EOFError, UnicodeDecodeError, csv.Error) as exc:
            raise ImportFileUnreadable(f"{self.path}: {exc}", file=str(self.path)) from exc

    def _ndjson(self) -> Iterator[Row]:
        for number, line in enumerate(self._lines(), start=1):
            text = line.strip()
            if not text:
                continue
            try:
                value = orjson.loads(text)
            except orjson.JSONDecodeError as exc:
                yield Row(line=number, values={"__error__": f"invalid JSON: {exc}"}, raw=text)
                continue
            if not isinstance(value, dict):
                yield Row(line=number, values={"__error__": "not a JSON object"}, raw=text)
                continue
            yield Row(line=number, values=value, raw=text)

    def _whitespace(self) -> Iterator[Row]:
        columns: tuple[str, ...] = ()
        for number, line in enumerate(self._lines(), start=1):
            parts = line.split()
            if not parts:
                continue
            if not columns:
                if self.header:
                    self.columns = columns = tuple(parts)
                    continue
                self.columns = columns = self.names or tuple(
                    f"column_{i + 1}" for i in range(len(parts))
                )
                if tuple(parts) == columns:  # a header line that repeats the names
                    continue
            if len(parts) != len(columns):
                yield Row(line=number, values=_width_error(len(columns), len(parts)),
                          raw=line.rstrip("\r\n"))
                continue
            yield Row(line=number, values=dict(zip(columns, parts, strict=True)), raw="")

    def _csv(self) -> Iterator[Row]:
        reader = csv.reader(self._lines(), delimiter=self.delimiter)
        columns: tuple[str, ...] = ()
        last_line = 0
        for parts in reader:
            number, last_line = last_line + 1, reader.line_num
            if not parts or (len(parts) == 1 and not parts[0].strip()):
                continue
            if not columns:
                if self.header:
                    self.columns = columns = tuple(p.strip() for p in parts)
                    continue
                self.columns = columns = self.names or tuple(
                    f"column_{i + 1}" for i in range(len(parts))
                )
            if len(parts) != len(columns):
                yield Row(line=number, values=_width_error(len(columns), len(parts)),
                          raw=self.delimiter.join(parts))
                continue
            yield Row(line=number, values=dict(zip(columns, parts, strict=True)),
                      raw="")  # raw is rebuilt from values only when the row is rejected


def _width_error(expected: int, got: int) -> dict[str, Any]:
    return {"__error__": f"expected {expected} columns, found {got}"}


def raw_of(row: Row, delimiter: str) -> str:
    """The row as text for the error report."""
    if row.raw:
        return row.raw
    if delimiter == WHITESPACE:
        delimiter = " "
    return delimiter.join(str(v) for v in row.values.values())


def dumps(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()
