from __future__ import annotations

from kizuna.errors import Unauthorized


class WriteKeyInvalid(Unauthorized):
    """The write key is unknown or disabled; create a source with `kizuna source create NAME`."""

    code = "write-key-invalid"

    @property
    def extra_headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Basic realm="kizuna ingest"'}
