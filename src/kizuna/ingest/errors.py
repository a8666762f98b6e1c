"""Errors of the ingest domain (each one reaches HTTP clients as RFC 9457 problem+json)."""

from __future__ import annotations

from typing import Any

from kizuna.errors import Invalid, PayloadTooLarge, Unauthorized, UnsupportedMediaType


class WriteKeyInvalid(Unauthorized):
    """The write key is unknown or disabled; create a source with `kizuna source create NAME`."""

    code = "write-key-invalid"

    @property
    def extra_headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Basic realm="kizuna ingest"'}


class WriteKeyMissing(Unauthorized):
    """No write key: send HTTP Basic auth with the write key as user name, or `writeKey`."""

    code = "write-key-missing"

    @property
    def extra_headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Basic realm="kizuna ingest"'}


class PayloadInvalid(Invalid):
    """Some messages are invalid, so nothing in this request was stored; fix them and resend.

    The ``errors`` extension lists each problem with the message ``index`` in the batch
    (0 for single-message endpoints) and the JSON ``field``.
    """

    code = "payload-invalid"

    def __init__(self, errors: list[dict[str, Any]], message: str | None = None) -> None:
        if message is None:
            shown = "; ".join(f"[{e['index']}].{e['field']}: {e['message']}" for e in errors[:5])
            more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
            message = f"{len(errors)} problem(s) in the request, nothing was stored: {shown}{more}"
        super().__init__(message, errors=errors)
        self.errors = errors


class JsonMalformed(Invalid):
    """The request body is not valid JSON; check the position given and resend."""

    code = "json-malformed"


class EventTooLarge(PayloadTooLarge):
    """A message is larger than 32 KB; trim its properties or traits."""

    code = "event-too-large"


class BatchTooLarge(PayloadTooLarge):
    """The request body is larger than 500 KB (after gunzip); send smaller batches."""

    code = "batch-too-large"


class ContentTypeUnsupported(UnsupportedMediaType):
    """Send `Content-Type: application/json` (or `text/plain` from browsers)."""

    code = "content-type-unsupported"


class ContentEncodingUnsupported(UnsupportedMediaType):
    """Send the body plain or with `Content-Encoding: gzip`; nothing else is understood."""

    code = "content-encoding-unsupported"
