"""The FIFO model of a member's points: a pure function of their ledger entries.

Credits (``points > 0``) form *lots* that may expire (``expires_at``). Debits consume lots
soonest-expiring first (lots that never expire last; ties by entry id), which is first in,
first out when every lot lives the same number of months. An ``expire`` entry names the lot
it closes (``lot``) and consumes only that lot. Nothing about lots is stored: the remaining
points per lot are recomputed here from the append-only entries whenever they are needed.

The store keeps the model honest: every debit is computed under the member's lock, after the
lots past their date have been expired, so a debit never finds an expired lot and never
exceeds the balance (``deficit`` stays 0; the property tests check it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Movement:
    """The part of a ledger entry the model needs (entries must come in id order)."""

    entry_id: int
    points: int
    expires_at: datetime | None = None
    lot: int | None = None  # for an expire entry: the credit entry it closes


@dataclass(slots=True)
class Lot:
    entry_id: int
    points: int
    remaining: int
    expires_at: datetime | None


@dataclass(slots=True)
class LedgerState:
    lots: list[Lot] = field(default_factory=list)
    balance: int = 0
    deficit: int = 0  # debits that found nothing to consume (must stay 0)

    def due(self, now: datetime) -> list[Lot]:
        """Lots past their expiry date with points left: what the expiry step closes."""
        return [lot for lot in self.lots
                if lot.remaining > 0 and lot.expires_at is not None and lot.expires_at <= now]

    def expiring(self, now: datetime, until: datetime) -> tuple[int, datetime | None]:
        """Points that expire after ``now`` and by ``until``, and the earliest such date."""
        soon = [lot for lot in self.lots if lot.remaining > 0 and lot.expires_at is not None
                and now < lot.expires_at <= until]
        if not soon:
            return 0, None
        return sum(lot.remaining for lot in soon), min(lot.expires_at for lot in soon
                                                       if lot.expires_at is not None)

    def available(self, now: datetime) -> int:
        """The balance once every lot due by ``now`` has expired."""
        return self.balance - sum(lot.remaining for lot in self.due(now))


def _order(lot: Lot) -> tuple[bool, datetime | None, int]:
    return (lot.expires_at is None, lot.expires_at, lot.entry_id)


def replay(movements: Iterable[Movement]) -> LedgerState:
    """Replay entries in order: remaining points per lot, balance and any deficit."""
    state = LedgerState()
    by_id: dict[int, Lot] = {}
    for move in movements:
        state.balance += move.points
        if move.points > 0:
            lot = Lot(move.entry_id, move.points, move.points, move.expires_at)
            state.lots.append(lot)
            by_id[move.entry_id] = lot
            continue
        owed = -move.points
        if move.lot is not None and move.lot in by_id:
            target = by_id[move.lot]
            take = min(owed, target.remaining)
            target.remaining -= take
            owed -= take
        if owed:
            for lot in sorted((lot for lot in state.lots if lot.remaining > 0), key=_order):
                take = min(owed, lot.remaining)
                lot.remaining -= take
                owed -= take
                if not owed:
                    break
        state.deficit += owed
    return state
