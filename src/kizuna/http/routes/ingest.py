"""Segment-compatible HTTP tracking API: ``/v1/batch``, ``/v1/track`` … and browser short paths.

The adapter reads the raw body itself (FastAPI never parses it): it enforces the content type
and the size limits, gunzips, decodes JSON with orjson, finds the write key (HTTP Basic
``base64(writeKey:)`` or ``writeKey`` in the body) and hands the messages to
``ingest.api.ingest_messages`` in a worker thread. Success is exactly ``200 {"success": true}``
(RudderStack's SDK treats anything else as an error). Every ingest path answers CORS
preflights, since analytics.js posts cross-origin.
"""

from __future__ import annotations

import base64
import binascii
import threading
import time
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from kizuna.db.translate import translate_db_errors
from kizuna.errors import KizunaError
from kizuna.http import problems
from kizuna.http.ratelimit import TokenBucket
from kizuna.ids import hash_secret
from kizuna.ingest import api as ingest
from kizuna.ingest import parser
from kizuna.ingest.contracts import Source
from kizuna.ingest.errors import (
    BatchTooLarge,
    ContentEncodingUnsupported,
    ContentTypeUnsupported,
    EventTooLarge,
    PayloadInvalid,
    WriteKeyMissing,
)
from kizuna.ingest.writer import IngestWriter
from kizuna.runtime import Runtime

router = APIRouter(tags=["ingest"])

SUCCESS = b'{"success":true}'
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Authorization, Content-Encoding",
    "Access-Control-Max-Age": "86400",
}
_JSON_TYPES = frozenset({"application/json", "text/plain", ""})
SOURCE_CACHE_SECONDS = 30.0
_WRITER_LOCK = threading.Lock()

# path -> forced message type (None: a batch)
PATHS: dict[str, str | None] = {
    "/v1/batch": None,
    "/v1/b": None,
    "/v1/track": "track",
    "/v1/t": "track",
    "/v1/identify": "identify",
    "/v1/i": "identify",
    "/v1/page": "page",
    "/v1/p": "page",
    "/v1/screen": "screen",
    "/v1/s": "screen",
    "/v1/group": "group",
    "/v1/g": "group",
    "/v1/alias": "alias",
    "/v1/a": "alias",
}


class _SourceCache:
    """Write key hash -> source, kept briefly so a busy client costs no lookup per request."""

    def __init__(self, ttl: float = SOURCE_CACHE_SECONDS) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[float, Source]] = {}
        self._lock = threading.Lock()

    def get(self, key_hash: str) -> Source | None:
        entry = self._entries.get(key_hash)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key_hash: str, source: Source) -> None:
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[key_hash] = (time.monotonic() + self.ttl, source)


def _source_cache(request: Request) -> _SourceCache:
    cache: _SourceCache | None = getattr(request.app.state, "ingest_source_cache", None)
    if cache is None:
        cache = _SourceCache()
        request.app.state.ingest_source_cache = cache
    return cache


def _check_content_type(request: Request) -> None:
    raw = request.headers.get("content-type", "")
    media, _, params = raw.partition(";")
    if media.strip().lower() not in _JSON_TYPES:
        raise ContentTypeUnsupported(
            f"Content-Type {raw!r} is not accepted: send application/json (or text/plain "
            "from browsers).",
            content_type=raw,
        )
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in (
            "utf-8",
            "utf8",
        ):
            raise ContentTypeUnsupported(
                f"charset {value.strip()!r} is not accepted: JSON must be UTF-8.",
                content_type=raw,
            )


async def _read_body(request: Request, limit: int) -> bytes:
    """The raw body, refusing to read more than ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BatchTooLarge(
            f"The request body is {declared} bytes; the limit is {limit} bytes.",
            size=int(declared),
            limit=limit,
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BatchTooLarge(
                f"The request body is larger than the limit of {limit} bytes.", limit=limit
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _decode(body: bytes, encoding: str, limit: int) -> bytes:
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "x-gzip"):
        raise ContentEncodingUnsupported(
            f"Content-Encoding {encoding!r} is not understood; send gzip or nothing.",
            content_encoding=encoding,
        )
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise PayloadInvalid(
            [{"index": None, "field": "body", "message": f"is not valid gzip ({exc})"}],
            "The body says Content-Encoding: gzip but is not valid gzip data.",
        ) from exc
    if len(out) > limit or inflater.unconsumed_tail:
        raise BatchTooLarge(
            f"The request body is larger than {limit} bytes after gunzip; send smaller batches.",
            limit=limit,
        )
    return out


def _write_key(request: Request, document: dict[str, Any]) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic" and value.strip():
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        from_header = decoded.partition(":")[0]
        if from_header:
            return from_header
    from_body = document.get("writeKey")
    if isinstance(from_body, str) and from_body:
        return from_body
    raise WriteKeyMissing()


def _merge_defaults(messages: list[Any], document: dict[str, Any]) -> list[Any]:
    """Batch-level ``context`` / ``integrations`` merge into each message (message wins)."""
    defaults = {
        name: document[name]
        for name in ("context", "integrations")
        if isinstance(document.get(name), dict)
    }
    if not defaults:
        return messages
    merged: list[Any] = []
    for message in messages:
        if isinstance(message, dict):
            message = dict(message)
            for name, value in defaults.items():
                own = message.get(name)
                if own is None:
                    message[name] = value
                elif isinstance(own, dict):
                    message[name] = {**value, **own}
        merged.append(message)
    return merged


def _ingest(runtime: Runtime, request: Request, raw: bytes, forced_type: str | None) -> None:
    """The synchronous part (runs in a worker thread): decode, validate, store."""
    settings = runtime.settings
    body = _decode(raw, request.headers.get("content-encoding", ""), settings.max_batch_bytes)
    if forced_type is not None and len(body) > settings.max_event_bytes:
        raise EventTooLarge(
            f"The message is {len(body)} bytes; the limit is {settings.max_event_bytes} bytes.",
            index=0,
            size=len(body),
            limit=settings.max_event_bytes,
        )
    document = parser.loads(body)
    if not isinstance(document, dict):
        raise PayloadInvalid([{"index": None, "field": "body", "message": "must be a JSON object"}])
    write_key = _write_key(request, document)
    if forced_type is None:
        batch = document.get("batch")
        if not isinstance(batch, list):
            raise PayloadInvalid(
                [{"index": None, "field": "batch", "message": "must be an array of messages"}]
            )
        messages = _merge_defaults(batch, document)
        sent_at = document.get("sentAt")
    else:
        messages, sent_at = [document], None
    source = _authenticate(runtime, request, write_key)
    _rate_limit(request, runtime).take(source.id, len(messages))
    received_at = runtime.clock.now()
    parsed = ingest.validate(
        messages,
        received_at=received_at,
        sent_at=sent_at,
        forced_type=forced_type,
        max_event_bytes=settings.max_event_bytes if len(body) > settings.max_event_bytes else None,
        check_nul=b"\\u0000" in body,
    )
    _writer(request, runtime).write(source=source, messages=parsed, received_at=received_at)


def _rate_limit(request: Request, runtime: Runtime) -> TokenBucket:
    bucket: TokenBucket | None = getattr(request.app.state, "ingest_rate_limit", None)
    if bucket is None:
        with _WRITER_LOCK:
            bucket = getattr(request.app.state, "ingest_rate_limit", None)
            if bucket is None:
                rate = runtime.settings.ingest_events_per_second
                bucket = TokenBucket(rate=rate, burst=rate * 5)
                request.app.state.ingest_rate_limit = bucket
    return bucket


def _writer(request: Request, runtime: Runtime) -> IngestWriter:
    writer: IngestWriter | None = getattr(request.app.state, "ingest_writer", None)
    if writer is None:
        with _WRITER_LOCK:
            writer = getattr(request.app.state, "ingest_writer", None)
            if writer is None:
                writer = IngestWriter(runtime.sessions)
                request.app.state.ingest_writer = writer
    return writer


def _authenticate(runtime: Runtime, request: Request, write_key: str) -> Source:
    cache = _source_cache(request)
    key_hash = hash_secret(write_key)
    source = cache.get(key_hash)
    if source is None:
        with translate_db_errors(), runtime.sessions() as session, session.begin():
            source = ingest.authenticate_write_key(session, write_key)
        cache.put(key_hash, source)
    return source


def _endpoint(forced_type: str | None) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        runtime: Runtime = request.app.state.runtime
        try:
            _check_content_type(request)
            raw = await _read_body(request, runtime.settings.max_batch_bytes)
            await run_in_threadpool(_ingest, runtime, request, raw, forced_type)
        except KizunaError as exc:
            response = problems.kizuna_error_response(request, exc)
            response.headers.update(CORS_HEADERS)
            return response
        return Response(
            SUCCESS, status_code=200, media_type="application/json", headers=CORS_HEADERS
        )

    return endpoint


async def _preflight(_request: Request) -> Response:
    return Response(status_code=204, headers=CORS_HEADERS)


_REQUEST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "text/plain": {"schema": {"type": "string"}},
        },
    },
    "responses": {
        "200": {"description": 'Stored (or already stored): `{"success": true}`.'},
        "400": {"description": "Malformed JSON or invalid messages (problem+json, `errors`)."},
        "401": {"description": "Unknown or missing write key."},
        "413": {"description": "A message over 32 KB or a body over 500 KB."},
        "415": {"description": "Content-Type other than application/json or text/plain."},
        "429": {"description": "The source sends too fast; retry after `Retry-After` s."},
    },
}

for _path, _type in PATHS.items():
    _name = _path.rsplit("/", 1)[1]
    router.add_api_route(
        _path,
        _endpoint(_type),
        methods=["POST"],
        name=f"ingest_{_name}",
        summary=f"Segment {_type or 'batch'} call",
        openapi_extra=_REQUEST_BODY,
        response_class=Response,
    )
    router.add_api_route(
        _path,
        _preflight,
        methods=["OPTIONS"],
        name=f"preflight_{_name}",
        include_in_schema=False,
    )
