"""Properties of the pure FIFO model of a member's points (``loyalty.ledger``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from kizuna.loyalty.ledger import Movement, replay

T0 = datetime(2026, 1, 1, tzinfo=UTC)

credits = st.tuples(st.just("credit"), st.integers(1, 500),
                    st.one_of(st.none(), st.integers(0, 400)))
debits = st.tuples(st.just("debit"), st.integers(1, 800), st.none())
programs = st.lists(st.one_of(credits, debits), max_size=40)


def _movements(program: list[tuple[str, int, int | None]]) -> list[Movement]:
    """Debits never exceed the running balance (as the store guarantees)."""
    moves: list[Movement] = []
    balance = 0
    for i, (kind, points, days) in enumerate(program, start=1):
        if kind == "credit":
            expires = T0 + timedelta(days=days) if days is not None else None
            moves.append(Movement(i, points, expires))
            balance += points
        elif balance:
            take = min(points, balance)
            moves.append(Movement(i, -take))
            balance -= take
    return moves


@given(programs)
def test_balance_is_the_sum_and_lots_add_up(program: list[tuple[str, int, int | None]]) -> None:
    moves = _movements(program)
    state = replay(moves)
    assert state.balance == sum(m.points for m in moves)
    assert state.deficit == 0
    assert all(0 <= lot.remaining <= lot.points for lot in state.lots)
    assert sum(lot.remaining for lot in state.lots) == state.balance


@given(programs)
def test_debits_consume_the_soonest_expiring_lots_first(
    program: list[tuple[str, int, int | None]],
) -> None:
    moves = _movements(program)
    for end in range(1, len(moves) + 1):
        if moves[end - 1].points > 0:
            continue
        state = replay(moves[:end])
        ordered = sorted(state.lots, key=lambda lot: (lot.expires_at is None, lot.expires_at,
                                                      lot.entry_id))
        partial = [i for i, lot in enumerate(ordered) if lot.remaining > 0]
        if partial:  # every lot before the first with points left is used up
            assert all(lot.remaining == 0 for lot in ordered[:partial[0]])


@given(programs, st.integers(0, 500))
def test_expiry_closes_due_lots_and_changes_nothing_twice(
    program: list[tuple[str, int, int | None]], day: int,
) -> None:
    moves = _movements(program)
    now = T0 + timedelta(days=day)
    state = replay(moves)
    due = state.due(now)
    assert state.available(now) == state.balance - sum(lot.remaining for lot in due)
    next_id = len(moves) + 1
    expired = moves + [Movement(next_id + i, -lot.remaining, lot=lot.entry_id)
                       for i, lot in enumerate(due)]
    after = replay(expired)
    assert after.deficit == 0
    assert after.due(now) == []
    assert after.balance == state.available(now) >= 0
    untouched = {lot.entry_id: lot.remaining for lot in state.lots if lot not in due}
    assert {lot.entry_id: lot.remaining for lot in after.lots
            if lot.entry_id in untouched} == untouched


def test_expire_entry_closes_only_its_lot() -> None:
    state = replay([Movement(1, 100, T0), Movement(2, 50, T0 + timedelta(days=1)),
                    Movement(3, -100, lot=1)])
    assert [lot.remaining for lot in state.lots] == [0, 50]


def test_expiring_window() -> None:
    state = replay([Movement(1, 100, T0 + timedelta(days=10)),
                    Movement(2, 40, T0 + timedelta(days=40)), Movement(3, 5, None)])
    assert state.expiring(T0, T0 + timedelta(days=30)) == (100, T0 + timedelta(days=10))
    assert state.expiring(T0 + timedelta(days=50), T0 + timedelta(days=80)) == (0, None)
