"""Twenty threads voting at once on PostgreSQL: the count stays exact."""

from __future__ import annotations

import threading

import pytest

from kizuna.ideas import api as ideas
from kizuna.ideas.contracts import IdeaInput, IdeaStatus
from kizuna.runtime import Runtime
from kizuna.types import CustomerId
from kizuna.workspaces.contracts import Workspace
from tests.integration.ideas.conftest import T0, make_customers


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_concurrent_votes_are_counted_exactly(runtime: Runtime, workspace: Workspace) -> None:
    voters = make_customers(runtime, workspace, 12)
    with runtime.sessions.begin() as s:
        idea = ideas.submit_idea(s, workspace.id, voters[0], IdeaInput(title="Gift wrap",
                                                                        body=""), T0)
        dup = ideas.submit_idea(s, workspace.id, voters[1], IdeaInput(title="Wrapping",
                                                                       body=""), T0)
    # 20 threads: 12 different customers, 8 of them voting a second time at once, some on
    # the duplicate, while another thread merges the duplicate into the idea.
    plan: list[tuple[int, CustomerId]] = [
        (idea.id if n % 3 else dup.id, voters[n % 12]) for n in range(19)]
    barrier = threading.Barrier(20)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            barrier.wait()
            with runtime.sessions.begin() as s:
                if n == 19:
                    ideas.merge_ideas(s, workspace.id, dup.id, idea.id, changed_by="kim",
                                      at=T0, threshold=5)
                else:
                    idea_id, customer = plan[n]
                    ideas.vote(s, workspace.id, idea_id, customer, T0, threshold=5)
        except BaseException as exc:  # collected and re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with runtime.sessions.begin() as s:
        final = ideas.get_idea(s, workspace.id, idea.id)
        votes = ideas.list_votes(s, workspace.id, idea.id)
        history = ideas.list_history(s, workspace.id, idea.id)
        assert ideas.get_idea(s, workspace.id, dup.id).vote_count == 0
    assert len({v.customer_id for v in votes}) == len(votes) == 12
    assert final.vote_count == 12
    assert final.status is IdeaStatus.UNDER_REVIEW
    assert [h.to_status for h in history].count("under_review") == 1
