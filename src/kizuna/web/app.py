"""Dashboard adapter (being built)."""

from __future__ import annotations

from fastapi import FastAPI

from kizuna.settings import Settings


def install(app: FastAPI, settings: Settings) -> None:
    """Mount the dashboard on ``app``."""
