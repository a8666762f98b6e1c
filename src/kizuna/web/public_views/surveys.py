"""Public (no login) pages of the surveys domain, served under /p."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
