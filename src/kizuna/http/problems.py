"""Errors reach HTTP clients as RFC 9457 ``application/problem+json``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kizuna.errors import KizunaError

PROBLEM_BASE = "https://kizuna.dev/problems/"
log = logging.getLogger("kizuna.http")


def problem(
    request: Request,
    *,
    code: str,
    title: str,
    status: int,
    detail: str,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body = {
        "type": PROBLEM_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extensions,
    }
    return JSONResponse(
        body, status_code=status, media_type="application/problem+json", headers=headers
    )


_PROBLEM_MEMBERS = frozenset({"type", "title", "status", "detail", "instance", "code",
                              "headers", "request"})


def kizuna_error_response(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, KizunaError)
    if exc.status >= 500:
        log.exception("kizuna error", exc_info=exc)
    return problem(
        request,
        code=exc.code,
        title=exc.title(),
        status=exc.status,
        detail=str(exc),
        headers=exc.extra_headers or None,
        # a field named like a member of the problem document (``status`` …) must not
        # replace it, nor crash the response: it goes out prefixed instead
        **{(f"error_{k}" if k in _PROBLEM_MEMBERS else k): v for k, v in exc.fields.items()},
    )


def validation_error_response(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "field": ".".join(str(p) for p in err["loc"] if p != "body"),
            "message": err["msg"],
        }
        for err in exc.errors()
    ]
    return problem(
        request,
        code="invalid",
        title="The request is invalid; see the listed fields.",
        status=400,
        detail="; ".join(f"{e['field']}: {e['message']}" for e in errors),
        errors=errors,
    )


def http_error_response(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    titles = {404: "Not found", 405: "Method not allowed"}
    return problem(
        request,
        code={404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error"),
        title=titles.get(exc.status_code, "HTTP error"),
        status=exc.status_code,
        detail=str(exc.detail),
        headers=getattr(exc, "headers", None),
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(KizunaError, kizuna_error_response)
    app.add_exception_handler(RequestValidationError, validation_error_response)
    app.add_exception_handler(StarletteHTTPException, http_error_response)
