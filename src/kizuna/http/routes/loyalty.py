"""(placeholder: filled in by this issue's work)"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
