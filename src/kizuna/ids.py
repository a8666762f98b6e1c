"""Identifiers and secrets."""

from __future__ import annotations

import hashlib
import secrets


def new_secret(prefix: str, nbytes: int = 24) -> str:
    """A random, URL-safe secret with a readable prefix (``wk_…`` write key, ``kz_…`` API key)."""
    return f"{prefix}_{secrets.token_urlsafe(nbytes)}"


def hash_secret(secret: str) -> str:
    """SHA-256 of a high-entropy secret. Keys are stored only in this form."""
    return hashlib.sha256(secret.encode()).hexdigest()


def stable_digest(*parts: object) -> str:
    """A deterministic id from content (used to make re-imports idempotent)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(repr(part).encode())
        h.update(b"\x1f")
    return h.hexdigest()[:32]
