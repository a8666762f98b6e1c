"""The objects every adapter needs, built once from :class:`Settings`."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kizuna.analytics.cache import ResultCache
from kizuna.clock import Clock, SystemClock
from kizuna.db.engine import make_engine, make_sessionmaker
from kizuna.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock = field(default_factory=SystemClock)
    analytics_cache: ResultCache = field(default_factory=lambda: ResultCache(60))

    def close(self) -> None:
        self.engine.dispose()


def build_runtime(settings: Settings, clock: Clock | None = None) -> Runtime:
    engine = make_engine(settings.database_url)
    return Runtime(
        settings=settings,
        engine=engine,
        sessions=make_sessionmaker(engine),
        clock=clock or SystemClock(),
        analytics_cache=ResultCache(settings.analytics_cache_seconds),
    )
