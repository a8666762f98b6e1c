"""The ASGI application factory: ingest API, admin API and dashboard in one app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute

from kizuna import __version__, dispatch, housekeeping
from kizuna.http import problems
from kizuna.runtime import Runtime, build_runtime
from kizuna.settings import Settings


def _operation_id(route: APIRoute) -> str:
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}"


def create_app(
    settings: Settings, runtime: Runtime | None = None, *, background: bool = False
) -> FastAPI:
    """Build the app. Pass ``runtime`` to share an engine (tests, ``kizuna demo``).

    ``background=True`` (``kizuna serve``, the ASGI entry point) runs the housekeeping loop
    while the app is served, unless ``KIZUNA_HOUSEKEEPING=false``.
    """
    owned = runtime is None
    rt = runtime or build_runtime(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        from kizuna.jobs import worker as jobs_worker
        from kizuna.messaging import handlers as message_handlers

        if background and settings.worker_in_server:
            message_handlers.register(settings, clock=rt.clock)
        async with (
            housekeeping.running(rt, enabled=background and settings.housekeeping),
            dispatch.running(rt, settings, enabled=background and settings.dispatcher),
            jobs_worker.running(rt.sessions, clock=rt.clock,
                                enabled=background and settings.worker_in_server,
                                stall_seconds=settings.job_stall_seconds,
                                batch=settings.worker_batch,
                                poll_seconds=settings.worker_poll_seconds),
        ):
            yield
        if owned:
            rt.close()

    app = FastAPI(
        title="kizuna",
        version=__version__,
        description="Customer engagement platform: Segment-compatible ingest and admin API.",
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
    )
    app.state.runtime = rt
    app.state.settings = settings
    problems.install(app)

    from kizuna.http.routes import (
        broadcasts,
        customers,
        delivery,
        feedback,
        health,
        ideas,
        inbox,
        ingest,
        journeys,
        loyalty,
        metrics,
        recommendations,
        reviews,
        segments,
        surveys,
    )

    app.include_router(health.router)
    app.include_router(ingest.router)
    app.include_router(customers.router)
    app.include_router(metrics.router)
    app.include_router(surveys.router)
    app.include_router(reviews.router)
    app.include_router(ideas.router)
    app.include_router(feedback.router)
    app.include_router(recommendations.router)
    app.include_router(loyalty.router)
    app.include_router(segments.router)
    app.include_router(journeys.router)
    app.include_router(broadcasts.router)
    app.include_router(inbox.router)
    for router in delivery.routers:
        app.include_router(router)
    feedback.install_alert_delivery(app)  # closed-loop alerts go out after the commit

    from kizuna.web import app as web
    from kizuna.web import public

    public.install(app, settings)
    web.install(app, settings)
    return app
