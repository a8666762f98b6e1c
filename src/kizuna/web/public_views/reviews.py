"""Public (no login) pages of the reviews domain, served under /p."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
