"""Errors of ``kizuna demo``."""

from __future__ import annotations

from kizuna.errors import Conflict


class DemoResetRefused(Conflict):
    """`kizuna demo --reset` only deletes a SQLite file; reset a PostgreSQL database yourself."""

    code = "demo-reset-refused"
