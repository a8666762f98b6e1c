"""Errors of the analytics engine."""

from __future__ import annotations

from kizuna.errors import KizunaError


class AnalyticsUnavailable(KizunaError):
    """The analytics engine (DuckDB) cannot read the store; check that kizuna was installed
    with its dependencies (`pip install kizuna`) and that the database URL is reachable."""

    code, status = "analytics-unavailable", 503


class QueryNotFound(KizunaError):
    """A named analytics query is missing from the package; reinstall kizuna."""

    code = "analytics-query-not-found"
