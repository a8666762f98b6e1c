from __future__ import annotations

from kizuna.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized


class InvalidCredentials(Unauthorized):
    """The email or password is wrong."""

    code = "invalid-credentials"


class ApiKeyInvalid(Unauthorized):
    """The API key is unknown or revoked; create one with `kizuna apikey create`."""

    code = "api-key-invalid"


class ScopeInsufficient(Forbidden):
    """This API key's scope does not allow this request."""

    code = "scope-insufficient"


class RoleInsufficient(Forbidden):
    """Your role does not allow this; ask an admin."""

    code = "role-insufficient"


class UserAlreadyExists(Conflict):
    """A user with this email already exists."""

    code = "user-already-exists"


class PasswordTooWeak(Invalid):
    """Passwords need at least 10 characters."""

    code = "password-too-weak"


class ApiKeyNotFound(NotFound):
    """No API key with this id; `kizuna apikey list` shows them."""

    code = "api-key-not-found"
