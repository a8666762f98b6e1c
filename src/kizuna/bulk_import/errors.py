"""Errors of the bulk import. Row-level problems are not errors: they go to the report."""

from __future__ import annotations

from kizuna.errors import Invalid, NotFound


class ImportFileUnreadable(Invalid):
    """The import file cannot be read; check the path, its encoding (UTF-8) and its format."""

    code = "import-file-unreadable"


class MappingInvalid(Invalid):
    """The column mapping does not fit the file; fix `--map target=column` or the mapping file."""

    code = "import-mapping-invalid"


class CdnowDataMissing(NotFound):
    """The CDNOW data set was not found: run `pip install --no-deps lifetimes`, which ships it."""

    code = "cdnow-data-missing"
