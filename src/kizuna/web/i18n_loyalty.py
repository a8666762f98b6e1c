"""Dashboard and public-page messages of the loyalty domain (ja / en; same keys in both)."""

from __future__ import annotations

EN: dict[str, str] = {}

JA: dict[str, str] = {}
