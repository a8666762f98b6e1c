from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kizuna.bulk_import import api as bulk_import
from kizuna.bulk_import.contracts import ImportKind, ImportOptions, ImportSummary
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace

Importer = Callable[..., ImportSummary]


@pytest.fixture
def do_import(runtime: Runtime, workspace: Workspace) -> Importer:
    def run(path: Path, kind: ImportKind = ImportKind.ORDERS, batch_size: int = 5000,
            options: ImportOptions | None = None, **kw: object) -> ImportSummary:
        opts = options or ImportOptions(kind=kind, **kw)  # type: ignore[arg-type]
        return bulk_import.import_file(runtime.sessions, workspace.id, path, opts,
                                       clock=runtime.clock, batch_size=batch_size)

    return run
