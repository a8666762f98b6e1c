"""Property test: whatever votes, unvotes and merges happen, every idea's count equals its
distinct voters, and every customer who voted is counted on the surviving idea exactly once."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kizuna.db.engine import make_engine, make_sessionmaker
from kizuna.db.migrate import upgrade_to_head
from kizuna.ideas import api as ideas
from kizuna.ideas.contracts import IdeaInput
from kizuna.ideas.errors import IdeaMergeInvalid
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import IdentityRef
from kizuna.types import WorkspaceId
from kizuna.workspaces.tables import WorkspaceRow
from tests.integration.ideas.conftest import T0

IDEAS, CUSTOMERS = 4, 5
ops = st.one_of(
    st.tuples(st.just("vote"), st.integers(0, IDEAS - 1), st.integers(0, CUSTOMERS - 1)),
    st.tuples(st.just("unvote"), st.integers(0, IDEAS - 1), st.integers(0, CUSTOMERS - 1)),
    st.tuples(st.just("merge"), st.integers(0, IDEAS - 1), st.integers(0, IDEAS - 1)),
)


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> object:
    path: Path = tmp_path_factory.mktemp("ideas_props") / "props.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_to_head(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(ops, min_size=1, max_size=25))
def test_counts_equal_distinct_voters(sessions: object, steps: list[tuple[str, int, int]]) -> None:
    factory = sessions
    with factory.begin() as s:  # type: ignore[attr-defined]
        row = WorkspaceRow(slug=uuid.uuid4().hex, name="p", timezone="UTC", currency="JPY",
                           created_at=T0)
        s.add(row)
        s.flush()
        ws = WorkspaceId(row.id)
        people = profiles.resolve_customers(
            s, ws, [IdentityRef(user_id=f"c{i}") for i in range(CUSTOMERS)], T0)
        ids = [ideas.submit_idea(s, ws, people[0], IdeaInput(title=f"i{i}", body=""), T0).id
               for i in range(IDEAS)]
    model: dict[int, set[int]] = {i: set() for i in ids}  # surviving idea -> voters
    home = {i: i for i in ids}  # idea -> the idea that absorbed it

    def final(i: int) -> int:
        while home[i] != i:
            i = home[i]
        return i

    for op, a, b in steps:
        with factory.begin() as s:  # type: ignore[attr-defined]
            if op == "vote":
                ideas.vote(s, ws, ids[a], people[b], T0)
                model[final(ids[a])].add(people[b])
            elif op == "unvote":
                ideas.unvote(s, ws, ids[a], people[b], T0)
                model[final(ids[a])].discard(people[b])
            else:
                dup, target = ids[a], ids[b]
                try:
                    ideas.merge_ideas(s, ws, dup, target, changed_by="t", at=T0)
                except IdeaMergeInvalid:
                    assert dup == target or home[dup] != dup or home[target] != target
                    continue
                if home[dup] == dup:
                    model[target] |= model.pop(dup)
                    home[dup] = target
    with factory.begin() as s:  # type: ignore[attr-defined]
        for i in ids:
            idea = ideas.get_idea(s, ws, i)
            voters = [v.customer_id for v in ideas.list_votes(s, ws, i)]
            assert idea.vote_count == len(voters) == len(set(voters))
            if home[i] == i:
                assert set(voters) == model[i]
            else:
                assert voters == [] and idea.merged_into_id == home[i]
