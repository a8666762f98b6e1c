"""Admin and client API of the reviews domain (filled in by its issue-4 work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["reviews"])
