"""Group commit: concurrent requests share transactions but keep their own outcome."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, datetime

import sqlalchemy as sa

from kizuna.errors import KizunaError
from kizuna.ingest import api as ingest
from kizuna.ingest.contracts import IngestOutcome, Source
from kizuna.ingest.tables import EventRow
from kizuna.ingest.writer import IngestWriter
from kizuna.runtime import Runtime
from kizuna.types import SourceId

T0 = datetime(2024, 5, 1, tzinfo=UTC)



def batch(prefix: str, n: int, user: str) -> list[dict[str, object]]:
    return [
        {"type": "track", "event": "E", "userId": user, "messageId": f"{prefix}-{i}"}
        for i in range(n)
    ]


def test_concurrent_requests_each_get_their_own_outcome(runtime: Runtime, source: Source) -> None:
    writer = IngestWriter(runtime.sessions)
    outcomes: dict[int, IngestOutcome] = {}
    start = threading.Barrier(8)

    def client(k: int) -> None:
        # Clients 0-3 and 4-7 send the same messages: each message is stored once.
        messages = ingest.validate(batch(f"b{k % 4}", 50, f"user-{k % 4}"), received_at=T0)
        start.wait()
        outcomes[k] = writer.write(source=source, messages=messages, received_at=T0)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with runtime.sessions() as s:
        stored = s.scalar(sa.select(sa.func.count()).select_from(EventRow))
        customers = s.scalar(sa.select(sa.func.count(sa.distinct(EventRow.customer_id))))
    assert stored == 200
    assert customers == 4
    assert sum(o.accepted for o in outcomes.values()) == 200
    assert sum(o.duplicates for o in outcomes.values()) == 200
    for k in range(4):
        assert {outcomes[k].accepted, outcomes[k + 4].accepted} <= {0, 50}


def test_a_failing_request_does_not_fail_the_others(runtime: Runtime, source: Source) -> None:
    writer = IngestWriter(runtime.sessions)
    ghost = dataclasses.replace(source, id=SourceId(999_999))  # no such source: FK violation
    results: dict[str, object] = {}
    start = threading.Barrier(4)

    def client(name: str, src: Source) -> None:
        messages = ingest.validate(batch(name, 10, name), received_at=T0)
        start.wait()
        try:
            results[name] = writer.write(source=src, messages=messages, received_at=T0)
        except Exception as exc:
            results[name] = exc

    threads = [
        threading.Thread(target=client, args=(name, ghost if name == "bad" else source))
        for name in ("ok1", "bad", "ok2", "ok3")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert isinstance(results["bad"], KizunaError | sa.exc.IntegrityError)
    for name in ("ok1", "ok2", "ok3"):
        assert results[name] == IngestOutcome(accepted=10, duplicates=0)
    with runtime.sessions() as s:
        ids = set(s.scalars(sa.select(EventRow.message_id)))
    assert {i.split("-")[0] for i in ids} == {"ok1", "ok2", "ok3"}
