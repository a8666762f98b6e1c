"""Facade of the segments domain: define segments, preview their size, recompute membership."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kizuna.db.dialect import is_postgres
from kizuna.segments import store
from kizuna.segments.compile import Compiler
from kizuna.segments.conditions import parse, referenced_segments, render
from kizuna.segments.contracts import Condition, Preview, RecomputeOutcome, Segment
from kizuna.segments.errors import SegmentConditionInvalid, SegmentCycle
from kizuna.segments.incremental import apply_events, reevaluate_customers
from kizuna.segments.membership import ENTERED, EXITED, recompute
from kizuna.segments.scores import (
    ScoresRefreshed,
    refresh_scores,
    refresh_workspace_scores,
    require_scores,
)
from kizuna.segments.timing import sweep_consents, sweep_time_windows
from kizuna.types import WorkspaceId

__all__ = [
    "ENTERED", "EXITED", "ScoresRefreshed", "apply_events", "compiled_select", "create_segment",
    "delete_segment", "get_segment",
    "list_members", "list_segments", "matches", "parse", "preview_size", "recompute_all",
    "recompute_segment", "reevaluate_customers", "refresh_scores", "refresh_workspace_scores",
    "render", "sweep_consents",
    "sweep_time_windows", "update_segment",
]

_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")


def _resolver(session: Session, workspace_id: WorkspaceId,
              override: Mapping[str, Condition] | None = None) -> Any:
    def resolve(key: str) -> Condition:
        if override and key in override:
            return override[key]
        return parse(store.get(session, workspace_id, key).condition, f"segment {key}")
    return resolve


def _compiler(session: Session, workspace_id: WorkspaceId, now: datetime,
              override: Mapping[str, Condition] | None = None) -> Compiler:
    return Compiler(workspace_id, now, postgres=is_postgres(session),
                    resolve=_resolver(session, workspace_id, override))


def _check_cycles(session: Session, workspace_id: WorkspaceId, key: str, cond: Condition) -> None:
    resolve = _resolver(session, workspace_id, {key: cond})

    def walk(k: str, c: Condition, path: tuple[str, ...]) -> None:
        for ref in referenced_segments(c):
            if ref in path:
                loop = " → ".join((*path, ref))
                raise SegmentCycle(f"The segments refer to each other in a loop ({loop}); "
                                   "remove one of the segment conditions.", keys=[*path, ref])
            walk(ref, resolve(ref), (*path, ref))

    walk(key, cond, (key,))


def _check(session: Session, workspace_id: WorkspaceId, key: str, name: str,
           condition: Any) -> Condition:
    if not _KEY.match(key):
        raise SegmentConditionInvalid("key", "must be 1..100 lowercase letters, digits, _ or -, "
                                             "starting with a letter or digit")
    if not name.strip() or len(name) > 200:
        raise SegmentConditionInvalid("name", "must be a non-empty text of at most 200 "
                                              "characters")
    cond = parse(condition)
    _check_cycles(session, workspace_id, key, cond)
    return cond


def create_segment(session: Session, workspace_id: WorkspaceId, *, key: str, name: str,
                   condition: Any, now: datetime) -> Segment:
    _check(session, workspace_id, key, name, condition)
    return store.to_segment(store.add(session, workspace_id, key, name.strip(), condition, now))


def update_segment(session: Session, workspace_id: WorkspaceId, key: str, *, name: str,
                   condition: Any, now: datetime) -> Segment:
    row = store.get(session, workspace_id, key)
    _check(session, workspace_id, key, name, condition)
    row.name, row.condition, row.updated_at = name.strip(), condition, now
    session.flush()
    return store.to_segment(row)


def delete_segment(session: Session, workspace_id: WorkspaceId, key: str) -> None:
    row = store.get(session, workspace_id, key)
    users = [r.key for r in store.all_rows(session, workspace_id)
             if r.key != key and key in set(referenced_segments(parse(r.condition)))]
    if users:
        raise SegmentCycle(f"Segments {', '.join(users)} use this segment; change them first.",
                           keys=users)
    store.remove(session, row)


def get_segment(session: Session, workspace_id: WorkspaceId, key: str) -> Segment:
    return store.to_segment(store.get(session, workspace_id, key))


def list_segments(session: Session, workspace_id: WorkspaceId) -> list[Segment]:
    return [store.to_segment(r) for r in store.all_rows(session, workspace_id)]


def compiled_select(session: Session, workspace_id: WorkspaceId, condition: Any,
                    now: datetime) -> Any:
    """The ``select(customers.id)`` for a condition (decoded JSON)."""
    return _compiler(session, workspace_id, now).select(parse(condition))


def matches(session: Session, workspace_id: WorkspaceId, condition: Any, customer_id: int,
            now: datetime) -> bool:
    """Whether one customer matches ``condition`` now (journeys' branch steps)."""
    sel = compiled_select(session, workspace_id, condition, now).subquery("m")
    found = session.scalar(select(sel.c.id).where(sel.c.id == int(customer_id)).limit(1))
    return found is not None


def preview_size(session: Session, workspace_id: WorkspaceId, condition: Any, now: datetime,
                 *, sample: int = 10) -> Preview:
    """How many customers match ``condition`` now, and the ids of up to ``sample`` of them
    (MetricScoresNotComputed when it needs metric scores and none were computed yet)."""
    require_scores(session, workspace_id, parse(condition), _resolver(session, workspace_id))
    sel = compiled_select(session, workspace_id, condition, now)
    size = int(session.scalar(select(func.count()).select_from(sel.subquery())) or 0)
    ids = tuple(int(i) for i in session.scalars(sel.order_by(None).limit(sample)))
    return Preview(size=size, sample=ids)


def recompute_segment(session: Session, workspace_id: WorkspaceId, key: str, now: datetime,
                      *, emit_events: bool = True) -> RecomputeOutcome:
    row = store.get(session, workspace_id, key)
    cond = parse(row.condition)
    return recompute(session, row, cond, _compiler(session, workspace_id, now), now,
                     emit_events=emit_events)


def recompute_all(session: Session, workspace_id: WorkspaceId, now: datetime) -> list[
        RecomputeOutcome]:
    return [recompute_segment(session, workspace_id, r.key, now)
            for r in store.all_rows(session, workspace_id)]


def list_members(session: Session, workspace_id: WorkspaceId, key: str, *, limit: int = 100,
                 after: int = 0) -> list[int]:
    row = store.get(session, workspace_id, key)
    return store.member_ids(session, row.id, limit=limit, after=after)
