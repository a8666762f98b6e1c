"""Facade of the bulk import: `kizuna import customers|orders|events FILE` calls these."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from kizuna.bulk_import.contracts import (
    FileFormat,
    ImportKind,
    ImportOptions,
    ImportSummary,
    ProgressCallback,
)
from kizuna.bulk_import.errors import CdnowDataMissing
from kizuna.bulk_import.mapping import load_mapping_file, parse_map_flags
from kizuna.bulk_import.runner import run_import
from kizuna.clock import Clock
from kizuna.types import WorkspaceId

CDNOW_CURRENCY = "USD"


def import_file(
    sessions: sessionmaker[Session],
    workspace_id: WorkspaceId,
    path: Path,
    options: ImportOptions,
    *,
    clock: Clock,
    batch_size: int = 5000,
    on_progress: ProgressCallback | None = None,
) -> ImportSummary:
    """Import ``path`` in batches of ``batch_size`` rows (one transaction each).

    Row problems do not raise: they are counted and listed in ``summary.rejects``. Raises
    ``ImportFileUnreadable`` or ``MappingInvalid`` when the file as a whole cannot be used.
    Re-importing the same file writes nothing new.
    """
    return run_import(sessions, workspace_id, path, options, clock=clock,
                      batch_size=batch_size, on_progress=on_progress)


def cdnow_master_path() -> Path:
    """The CDNOW master file shipped in the installed `lifetimes` package."""
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        raise CdnowDataMissing()
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "datasets" / "CDNOW_master.txt"
        if candidate.is_file():
            return candidate
    raise CdnowDataMissing(
        "lifetimes is installed but has no datasets/CDNOW_master.txt; reinstall it with "
        "`pip install --no-deps --force-reinstall lifetimes`."
    )


def cdnow_options(**overrides: object) -> ImportOptions:
    """Options for the CDNOW master file: whitespace separated, dates YYYYMMDD, US dollars."""
    values: dict[str, object] = {
        "kind": ImportKind.ORDERS, "file_format": FileFormat.CDNOW, "currency": CDNOW_CURRENCY,
        "timezone": "America/New_York",
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return ImportOptions(**values)  # type: ignore[arg-type]


def build_mapping(flags: list[str] | None, mapping_file: Path | None) -> dict[str, str]:
    """The explicit mapping: the file's entries, then ``--map`` flags on top."""
    result: dict[str, str] = load_mapping_file(mapping_file) if mapping_file else {}
    result.update(parse_map_flags(flags or []))
    return result


def write_reject_report(summary: ImportSummary, directory: Path) -> Path | None:
    """Write the rejected rows as CSV (file, line, reason, raw); None when nothing was rejected."""
    if not summary.rejects:
        return None
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"kizuna-import-{summary.run_id}-rejected.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "line", "reason", "raw"])
        for r in summary.rejects:
            writer.writerow([r.file, r.line, r.reason, r.raw])
    return path


__all__ = [
    "build_mapping",
    "cdnow_master_path",
    "cdnow_options",
    "import_file",
    "write_reject_report",
]
