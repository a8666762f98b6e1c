from __future__ import annotations

from kizuna.db.metadata import Base  # noqa: F401  (tables of this domain map onto Base)
