"""FastAPI dependencies: the runtime, a transactional session, and API-key auth."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from kizuna.auth import api as auth
from kizuna.auth.contracts import ApiKey, Scope
from kizuna.auth.errors import ScopeInsufficient
from kizuna.db.translate import translate_db_errors
from kizuna.errors import Unauthorized
from kizuna.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_session(runtime: RuntimeDep) -> Iterator[Session]:
    """One transaction per request: committed if the handler returns, rolled back if it raises."""
    with translate_db_errors(), runtime.sessions() as session, session.begin():
        yield session


# scope="function": the transaction commits before the response is sent. With FastAPI's
# default ("request") the exit code of a yield dependency runs after the response has gone
# out, so a client could be told "created" for a write that then failed to commit, or read
# stale data right after a redirect.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorized()
    return value.strip()


def require_scope(needed: Scope) -> Callable[..., ApiKey]:
    """Dependency factory: the caller must present an API key that allows ``needed``."""

    def dependency(request: Request, session: SessionDep, runtime: RuntimeDep) -> ApiKey:
        key = auth.authenticate_api_key(session, _bearer(request), runtime.clock)
        if not key.allows(needed):
            raise ScopeInsufficient(
                f"This API key has scope {key.scope.value!r}; this route needs "
                f"{needed.value!r}.",
                scope=key.scope.value,
                needed=needed.value,
            )
        return key

    return dependency


ReadKey = Annotated[ApiKey, Depends(require_scope(Scope.READ))]
AdminKey = Annotated[ApiKey, Depends(require_scope(Scope.ADMIN))]
