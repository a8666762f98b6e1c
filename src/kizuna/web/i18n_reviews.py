"""Dashboard and public-page messages of the reviews domain (ja / en; same keys in both)."""

from __future__ import annotations

EN: dict[str, str] = {}
JA: dict[str, str] = {}
