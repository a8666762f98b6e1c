"""kizuna's error tree. The docstring of each class is its default message: advice to the user.

    KizunaError (500)
    ├── ConfigurationInvalid (500)
    ├── Invalid (400)
    │   └── (domain validation errors, e.g. ingest.PayloadInvalid)
    ├── Unauthorized (401)
    ├── Forbidden (403)
    ├── NotFound (404)
    ├── Conflict (409)
    │   └── UniqueViolation
    ├── PayloadTooLarge (413)
    ├── UnsupportedMediaType (415)
    ├── RateLimited (429)
    └── StorageUnavailable (503)

Every error has a ``code`` (documented in docs/reference/problems.md) and an HTTP ``status``;
extra keyword fields become RFC 9457 extension members.
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar


class KizunaError(Exception):
    """Unexpected kizuna error. Please report it with the log lines around it."""

    code: ClassVar[str] = "internal-error"
    status: ClassVar[int] = 500

    def __init__(self, message: str | None = None, **fields: Any) -> None:
        self.fields = fields
        super().__init__(message or inspect.cleandoc(type(self).__doc__ or self.code))

    @property
    def extra_headers(self) -> dict[str, str]:
        return {}

    @classmethod
    def title(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or cls.code).splitlines()[0]


class ConfigurationInvalid(KizunaError):
    """kizuna's configuration is invalid; fix the named KIZUNA_* variable."""

    code = "configuration-invalid"


class Invalid(KizunaError):
    """The request is invalid; see the listed fields."""

    code, status = "invalid", 400


class Unauthorized(KizunaError):
    """Authentication is required: send `Authorization: Bearer <api key>`."""

    code, status = "unauthorized", 401

    @property
    def extra_headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="kizuna"'}


class Forbidden(KizunaError):
    """Your credentials do not allow this; ask an admin for a key or role with more scope."""

    code, status = "forbidden", 403


class NotFound(KizunaError):
    """The requested resource does not exist."""

    code, status = "not-found", 404


class Conflict(KizunaError):
    """The request conflicts with the current state."""

    code, status = "conflict", 409


class UniqueViolation(Conflict):
    """A record with the same unique key already exists."""

    code = "unique-violation"


class PayloadTooLarge(KizunaError):
    """The request body is too large; send smaller batches."""

    code, status = "payload-too-large", 413


class UnsupportedMediaType(KizunaError):
    """Send `Content-Type: application/json` (or `text/plain` from browsers)."""

    code, status = "unsupported-media-type", 415


class RateLimited(KizunaError):
    """Too many requests; wait and retry."""

    code, status = "rate-limited", 429

    def __init__(self, message: str | None = None, *, retry_after: int = 60, **fields: Any):
        super().__init__(message, retry_after=retry_after, **fields)
        self.retry_after = retry_after

    @property
    def extra_headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class StorageUnavailable(KizunaError):
    """The database is unavailable; check KIZUNA_DATABASE_URL and that the server is running."""

    code, status = "storage-unavailable", 503


def all_error_classes() -> list[type[KizunaError]]:
    """Every KizunaError subclass that is currently imported (for docs tests)."""
    seen: list[type[KizunaError]] = []
    stack: list[type[KizunaError]] = [KizunaError]
    while stack:
        cls = stack.pop()
        seen.append(cls)
        stack.extend(cls.__subclasses__())
    return seen
