"""Concurrent batches naming the same new person create one customer (real databases)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import IdentityRef
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace

T0 = datetime(2026, 4, 1, tzinfo=UTC)


def test_parallel_resolution_of_new_ids_creates_each_customer_once(
    runtime: Runtime, workspace: Workspace
) -> None:
    barrier = threading.Barrier(6)
    results: list[list[int]] = []
    errors: list[BaseException] = []

    def work(n: int) -> None:
        batch = [IdentityRef(user_id=f"u{i}", anonymous_id=f"a{(i + n) % 12}") for i in range(8)]
        try:
            barrier.wait()
            with runtime.sessions.begin() as s:
                results.append(profiles.resolve_customers(s, workspace.id, batch, T0))
        except BaseException as exc:  # collected and re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len({tuple(r) for r in results}) == 1  # every batch saw the same eight customers
    with runtime.sessions.begin() as s:
        assert profiles.count_customers(s, workspace.id) == 8
