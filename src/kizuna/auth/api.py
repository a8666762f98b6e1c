"""Users (dashboard logins) and API keys (programmatic access)."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from kizuna.auth.contracts import ApiKey, IssuedApiKey, Role, Scope, User
from kizuna.auth.errors import (
    ApiKeyInvalid,
    ApiKeyNotFound,
    InvalidCredentials,
    PasswordTooWeak,
    UserAlreadyExists,
)
from kizuna.auth.tables import ApiKeyRow, UserRow
from kizuna.clock import Clock
from kizuna.ids import hash_secret, new_secret
from kizuna.types import UserId, WorkspaceId

_hasher = PasswordHasher()
# Verifying against this keeps unknown-email logins as slow as wrong-password ones.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
MIN_PASSWORD_LENGTH = 10


def _to_user(row: UserRow) -> User:
    return User(
        id=UserId(row.id),
        workspace_id=WorkspaceId(row.workspace_id),
        email=row.email,
        role=Role(row.role),
        locale=row.locale,
        created_at=row.created_at,
    )


def _to_api_key(row: ApiKeyRow) -> ApiKey:
    return ApiKey(
        id=row.id,
        workspace_id=WorkspaceId(row.workspace_id),
        name=row.name,
        prefix=row.prefix,
        scope=Scope(row.scope),
        created_at=row.created_at,
    )


def create_user(
    session: Session,
    *,
    workspace_id: WorkspaceId,
    email: str,
    password: str,
    role: Role,
    clock: Clock,
    locale: str | None = None,
) -> User:
    email = email.strip().lower()
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordTooWeak(field="password")
    if session.scalar(select(UserRow.id).where(UserRow.email == email)) is not None:
        raise UserAlreadyExists(f"A user with email {email!r} already exists.", email=email)
    row = UserRow(
        workspace_id=workspace_id,
        email=email,
        password_hash=_hasher.hash(password),
        role=role.value,
        locale=locale,
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    return _to_user(row)


def authenticate_user(session: Session, *, email: str, password: str, clock: Clock) -> User:
    """Check a dashboard login. Raises :class:`InvalidCredentials` on any mismatch."""
    row = session.scalar(select(UserRow).where(UserRow.email == email.strip().lower()))
    try:
        _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        raise InvalidCredentials() from None
    if row is None:
        raise InvalidCredentials()
    if _hasher.check_needs_rehash(row.password_hash):
        row.password_hash = _hasher.hash(password)
    row.last_login_at = clock.now()
    return _to_user(row)


def get_user(session: Session, user_id: UserId) -> User | None:
    row = session.get(UserRow, user_id)
    return _to_user(row) if row else None


def set_user_locale(session: Session, user_id: UserId, locale: str) -> None:
    row = session.get(UserRow, user_id)
    if row is not None:
        row.locale = locale


def create_api_key(
    session: Session,
    *,
    workspace_id: WorkspaceId,
    scope: Scope,
    clock: Clock,
    name: str = "",
) -> IssuedApiKey:
    """Create an API key; the returned ``key`` is the only time it is visible."""
    key = new_secret("kz")
    row = ApiKeyRow(
        workspace_id=workspace_id,
        name=name or f"{scope.value} key",
        prefix=key[:10],
        key_hash=hash_secret(key),
        scope=scope.value,
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    return IssuedApiKey(api_key=_to_api_key(row), key=key)


def authenticate_api_key(session: Session, key: str, clock: Clock) -> ApiKey:
    row = session.scalar(select(ApiKeyRow).where(ApiKeyRow.key_hash == hash_secret(key)))
    if row is None or row.revoked_at is not None:
        raise ApiKeyInvalid()
    row.last_used_at = clock.now()
    return _to_api_key(row)


def list_api_keys(session: Session, workspace_id: WorkspaceId) -> list[ApiKey]:
    """Keys that still work (revoked ones are kept for the record but not listed)."""
    rows = session.scalars(
        select(ApiKeyRow)
        .where(ApiKeyRow.workspace_id == workspace_id, ApiKeyRow.revoked_at.is_(None))
        .order_by(ApiKeyRow.id)
    )
    return [_to_api_key(r) for r in rows]


def revoke_api_key(
    session: Session, workspace_id: WorkspaceId, key_id: int, clock: Clock
) -> ApiKey:
    """Stop a key from working, at once. Raises :class:`ApiKeyNotFound` for an unknown id."""
    row = session.scalar(
        select(ApiKeyRow).where(ApiKeyRow.workspace_id == workspace_id, ApiKeyRow.id == key_id)
    )
    if row is None:
        raise ApiKeyNotFound(f"No API key with id {key_id}; see `kizuna apikey list`.",
                             key_id=key_id)
    if row.revoked_at is None:
        row.revoked_at = clock.now()
    return _to_api_key(row)
