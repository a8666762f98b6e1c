"""Rules of the outbox: the retry schedule and the handler registry."""

from __future__ import annotations

import random
import time
from collections.abc import Mapping

from sqlalchemy.orm import Session, sessionmaker

from kizuna.jobs.contracts import Done, Fail, Handler, Job, JobOutcome

RETRY_BASE_SECONDS = 10.0
RETRY_CAP_SECONDS = 6 * 3600.0
JITTER = 0.25


def backoff_seconds(attempt: int, *, base: float = RETRY_BASE_SECONDS,
                    cap: float = RETRY_CAP_SECONDS, rng: random.Random | None = None) -> float:
    """Delay before retry number ``attempt`` (1-based): base·2^(attempt-1), capped, + ≤25 % jitter.

    The jitter spreads retries of jobs that failed together (a provider outage) so they do
    not all return in the same second.
    """
    if attempt < 1:
        raise ValueError("attempt is 1-based")
    delay = min(cap, base * 2.0 ** min(attempt - 1, 60))
    return delay * (1.0 + JITTER * (rng or random).random())


_HANDLERS: dict[str, Handler] = {}


def register_handler(kind: str, handler: Handler) -> None:
    """Make ``kind`` runnable by workers in this process (a later registration replaces)."""
    _HANDLERS[kind] = handler


def registered_handlers() -> Mapping[str, Handler]:
    return dict(_HANDLERS)


def echo(sessions: sessionmaker[Session], job: Job) -> JobOutcome:
    """Built-in ``echo``: returns its payload. For smoke tests and the crash test.

    Payload keys: ``sleep`` seconds to wait (after marking the send started when ``send`` is
    true, to stand in for a slow non-idempotent provider); ``fail`` a reason to fail with;
    ``raise`` a message to raise (a retry).
    """
    from kizuna.jobs import api  # the handler uses the facade like any other handler

    payload = job.payload
    if payload.get("send"):
        api.begin_send(sessions, job)
    if payload.get("sleep"):
        time.sleep(float(payload["sleep"]))
    if payload.get("raise"):
        raise RuntimeError(str(payload["raise"]))
    if payload.get("fail"):
        return Fail(str(payload["fail"]))
    return Done({"echo": payload})


register_handler("echo", echo)
register_handler("noop", lambda _sessions, _job: Done())
