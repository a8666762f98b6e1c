"""`kizuna worker`: run delivery outbox jobs in this process until stopped."""

from __future__ import annotations

import logging
import signal
from types import FrameType
from typing import Annotated

import typer

from kizuna.cli.context import console, settings_of


def worker(
    ctx: typer.Context,
    concurrency: Annotated[int, typer.Option(min=1, help="Jobs run at the same time.")] = 1,
    once: Annotated[bool, typer.Option(help="Run the due jobs, then exit.")] = False,
    poll: Annotated[float | None, typer.Option(
        min=0.02, help="Seconds between polls when idle (default KIZUNA_WORKER_POLL_SECONDS)."
    )] = None,
    batch: Annotated[int | None, typer.Option(
        min=1, max=100, help="Jobs claimed at once per thread (default KIZUNA_WORKER_BATCH)."
    )] = None,
    dispatch: Annotated[bool, typer.Option(
        help="Also run the event-feed dispatcher (incremental segments, journeys, time "
             "sweeps); on PostgreSQL one process at a time is active, the others stand by. "
             "Off when KIZUNA_DISPATCHER=false.")] = True,
) -> None:
    """Claim and run outbox jobs (sends, webhooks); stop with Ctrl-C or SIGTERM.

    Run several on PostgreSQL for throughput; on SQLite several are safe but take turns.
    """
    from kizuna.jobs.worker import Worker
    from kizuna.messaging import handlers as message_handlers
    from kizuna.runtime import build_runtime

    settings = settings_of(ctx)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    rt = build_runtime(settings)
    message_handlers.register(settings, clock=rt.clock)  # before the Worker copies handlers
    w = Worker(rt.sessions, clock=rt.clock, concurrency=concurrency,
               stall_seconds=settings.job_stall_seconds,
               poll_seconds=poll if poll is not None else settings.worker_poll_seconds,
               batch=batch if batch is not None else settings.worker_batch)
    from kizuna import dispatch as feed_dispatch

    dispatcher = (feed_dispatch.build(rt, settings)
                  if dispatch and settings.dispatcher else None)

    def _stop(signum: int, _frame: FrameType | None) -> None:
        logging.getLogger("kizuna.jobs.worker").info(
            "%s received: finishing the running job(s)", signal.Signals(signum).name)
        w.request_stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        if once:
            if dispatcher is not None:
                dispatcher.drain()
            w.drain()
        else:
            if dispatcher is not None:
                dispatcher.start()
            w.start()
            while not w.wait(0.5):
                pass
            w.stop()
    finally:
        if dispatcher is not None:
            dispatcher.stop()
        rt.close()
    console.print(f"worker {w.name}: {w.processed} job(s) run")
