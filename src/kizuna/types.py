"""Shared vocabulary types."""

from __future__ import annotations

from typing import Any, NewType

WorkspaceId = NewType("WorkspaceId", int)
SourceId = NewType("SourceId", int)
CustomerId = NewType("CustomerId", int)
UserId = NewType("UserId", int)

JSON = dict[str, Any]
