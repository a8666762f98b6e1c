"""Admin API of segments: define, preview, list members (API keys; writes need an admin key)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from kizuna.http.deps import AdminKey, ReadKey, RuntimeDep, SessionDep
from kizuna.http.routes.customers import _ERRORS, _PROBLEM
from kizuna.http.schemas.customers import Problem
from kizuna.http.schemas.segments import (
    MembersOut,
    PreviewIn,
    PreviewOut,
    SegmentIn,
    SegmentOut,
    SegmentUpdateIn,
    segment_out,
)
from kizuna.segments import api as segments
from kizuna.segments.contracts import Segment

_MORE: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    404: {"model": Problem, "description": "No such segment", "content": _PROBLEM},
    409: {"model": Problem, "description": "Key taken, or segments referring in a loop",
          "content": _PROBLEM},
}
router = APIRouter(prefix="/v1/segments", tags=["segments"], responses=_MORE)
KeyPath = Annotated[str, Path(min_length=1, max_length=100, description="The segment's key")]


def _out(seg: Segment) -> SegmentOut:
    cond = segments.parse(seg.condition)
    return segment_out(seg, segments.render(cond, "en"), segments.render(cond, "ja"))


@router.get("", response_model=list[SegmentOut])
def list_segments(key: ReadKey, session: SessionDep) -> list[SegmentOut]:
    """Every segment with its size at the last recompute."""
    return [_out(s) for s in segments.list_segments(session, key.workspace_id)]


@router.post("", response_model=SegmentOut, status_code=201)
def create_segment(key: AdminKey, session: SessionDep, runtime: RuntimeDep,
                   body: SegmentIn) -> SegmentOut:
    """Define a segment (400 names the wrong part of the condition; 409 for a loop)."""
    return _out(segments.create_segment(session, key.workspace_id, key=body.key, name=body.name,
                                        condition=body.condition, now=runtime.clock.now()))


@router.post("/preview", response_model=PreviewOut)
def preview_segment(key: ReadKey, session: SessionDep, runtime: RuntimeDep,
                    body: PreviewIn) -> PreviewOut:
    """How many customers a condition matches now, and up to 10 of their ids."""
    p = segments.preview_size(session, key.workspace_id, body.condition, runtime.clock.now())
    return PreviewOut(size=p.size, sample=list(p.sample))


@router.get("/{segment_key}", response_model=SegmentOut)
def get_segment(key: ReadKey, session: SessionDep, segment_key: KeyPath) -> SegmentOut:
    return _out(segments.get_segment(session, key.workspace_id, segment_key))


@router.put("/{segment_key}", response_model=SegmentOut)
def update_segment(key: AdminKey, session: SessionDep, runtime: RuntimeDep,
                   segment_key: KeyPath, body: SegmentUpdateIn) -> SegmentOut:
    """Replace the segment's name and condition (members change at the next recompute)."""
    return _out(segments.update_segment(session, key.workspace_id, segment_key, name=body.name,
                                        condition=body.condition, now=runtime.clock.now()))


@router.delete("/{segment_key}", status_code=204)
def delete_segment(key: AdminKey, session: SessionDep, segment_key: KeyPath) -> Response:
    segments.delete_segment(session, key.workspace_id, segment_key)
    return Response(status_code=204)


@router.get("/{segment_key}/members", response_model=MembersOut)
def segment_members(key: ReadKey, session: SessionDep, segment_key: KeyPath,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                    after: Annotated[int, Query(ge=0)] = 0) -> MembersOut:
    """Customer ids in the segment at the last recompute, in id order (page with ``after``)."""
    ids = segments.list_members(session, key.workspace_id, segment_key, limit=limit,
                                after=after)
    return MembersOut(key=segment_key, customer_ids=ids,
                      next_after=ids[-1] if len(ids) == limit else None)
