"""ASGI entry point for process managers: ``uvicorn kizuna.http.asgi:app``."""

from __future__ import annotations

from kizuna.http.app import create_app
from kizuna.settings import load_settings

app = create_app(load_settings(), background=True)
