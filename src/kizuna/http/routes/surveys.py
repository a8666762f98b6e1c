"""Admin and client API of the surveys domain (filled in by its issue-4 work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["surveys"])
