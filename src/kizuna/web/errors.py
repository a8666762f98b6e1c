"""Errors only the dashboard raises (documented in docs/reference/problems.md)."""

from __future__ import annotations

from kizuna.errors import Forbidden, Unauthorized


class LoginRequired(Unauthorized):
    """Log in to the dashboard to see this page."""

    code = "login-required"


class CsrfInvalid(Forbidden):
    """The form expired or was not sent from this dashboard; reload the page and try again."""

    code = "csrf-invalid"
