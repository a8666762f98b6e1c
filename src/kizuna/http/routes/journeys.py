"""Admin API of journeys: define (or start from a template), version, go live / pause /
archive, list runs, results against the holdout (API keys; writes need an admin key)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from kizuna.http.deps import AdminKey, ReadKey, RuntimeDep, SessionDep
from kizuna.http.routes.customers import _ERRORS, _PROBLEM
from kizuna.http.schemas.customers import Problem
from kizuna.http.schemas.journeys import (
    JourneyIn,
    JourneyOut,
    JourneyUpdateIn,
    ResultsOut,
    RunsOut,
    StatusIn,
    TemplateOut,
    ValidateIn,
    ValidateOut,
    VersionOut,
    journey_out,
    run_out,
    steps_out,
)
from kizuna.journeys import api as journeys
from kizuna.journeys.errors import JourneyDefinitionInvalid

_MORE: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    404: {"model": Problem, "description": "No such journey", "content": _PROBLEM},
    409: {"model": Problem, "description": "Key taken, or the status does not allow it",
          "content": _PROBLEM},
}
router = APIRouter(prefix="/v1/journeys", tags=["journeys"], responses=_MORE)
KeyPath = Annotated[str, Path(min_length=1, max_length=100, description="The journey's key")]


@router.get("", response_model=list[JourneyOut])
def list_journeys(key: ReadKey, session: SessionDep) -> list[JourneyOut]:
    return [journey_out(j) for j in journeys.list_journeys(session, key.workspace_id)]


@router.get("/templates", response_model=list[TemplateOut])
def list_templates(key: ReadKey, runtime: RuntimeDep) -> list[TemplateOut]:
    """The ready-made journeys (create one with ``POST /v1/journeys {"template": …}``)."""
    params = {"public_base_url": runtime.settings.public_base_url or ""}
    return [TemplateOut(name=t.name, title=dict(t.title), description=dict(t.description),
                        definition=dict(t.definition)) for t in journeys.templates(params)]


@router.post("/validate", response_model=ValidateOut)
def validate(key: ReadKey, body: ValidateIn) -> ValidateOut:
    """The canonical definition and its steps in words; 400 names the wrong part."""
    doc = journeys.validate(body.definition)
    trigger, steps = steps_out(doc)
    return ValidateOut(definition=doc, trigger=trigger, steps=steps)


@router.post("", response_model=JourneyOut, status_code=201)
def create_journey(key: AdminKey, session: SessionDep, runtime: RuntimeDep,
                   body: JourneyIn) -> JourneyOut:
    """A draft journey from a definition or a ready-made template."""
    now = runtime.clock.now()
    if body.template:
        params = {"public_base_url": runtime.settings.public_base_url or "", **body.params}
        return journey_out(journeys.create_from_template(
            session, key.workspace_id, body.template, key=body.key, title=body.name,
            locale=body.locale, params=params, now=now))
    if body.definition is None or not body.key or not body.name:
        raise JourneyDefinitionInvalid("definition", "send key, name and definition, or a "
                                                     "template name")
    return journey_out(journeys.create_journey(session, key.workspace_id, key=body.key,
                                               name=body.name, definition=body.definition,
                                               now=now))


@router.get("/{journey_key}", response_model=JourneyOut)
def get_journey(key: ReadKey, session: SessionDep, journey_key: KeyPath) -> JourneyOut:
    return journey_out(journeys.get_journey(session, key.workspace_id, journey_key))


@router.put("/{journey_key}", response_model=JourneyOut)
def update_journey(key: AdminKey, session: SessionDep, runtime: RuntimeDep,
                   journey_key: KeyPath, body: JourneyUpdateIn) -> JourneyOut:
    """Rename and/or save a new version; runs in flight finish on their version."""
    return journey_out(journeys.update_journey(session, key.workspace_id, journey_key,
                                               definition=body.definition, name=body.name,
                                               now=runtime.clock.now()))


@router.post("/{journey_key}/status", response_model=JourneyOut)
def set_status(key: AdminKey, session: SessionDep, runtime: RuntimeDep, journey_key: KeyPath,
               body: StatusIn) -> JourneyOut:
    """draft → live ⇄ paused → archived (archiving ends open runs)."""
    return journey_out(journeys.set_status(session, key.workspace_id, journey_key, body.status,
                                           now=runtime.clock.now()))


@router.get("/{journey_key}/versions", response_model=list[VersionOut])
def list_versions(key: ReadKey, session: SessionDep, journey_key: KeyPath) -> list[VersionOut]:
    return [VersionOut(version=v.version, definition=dict(v.definition), created_at=v.created_at)
            for v in journeys.list_versions(session, key.workspace_id, journey_key)]


@router.get("/{journey_key}/runs", response_model=RunsOut)
def list_runs(key: ReadKey, session: SessionDep, journey_key: KeyPath,
              state: Annotated[list[str] | None, Query()] = None,
              limit: Annotated[int, Query(ge=1, le=1000)] = 100,
              before: Annotated[int | None, Query(ge=1)] = None) -> RunsOut:
    """Runs, newest first (page with ``before``), and counts per state and arm."""
    runs = journeys.list_runs(session, key.workspace_id, journey_key, states=state or (),
                              limit=limit, before_id=before)
    counts = journeys.run_counts(session, key.workspace_id, journey_key)
    return RunsOut(runs=[run_out(r) for r in runs], counts_by_state=dict(counts.by_state),
                   counts_by_arm=dict(counts.by_arm),
                   next_before=runs[-1].id if len(runs) == limit else None)


@router.get("/{journey_key}/results", response_model=ResultsOut)
def results(key: ReadKey, session: SessionDep, runtime: RuntimeDep,
            journey_key: KeyPath) -> ResultsOut:
    """Per arm n, conversion rate, revenue per recipient; uplift over the holdout."""
    res = journeys.journey_results(session, key.workspace_id, journey_key,
                                   now=runtime.clock.now())
    return ResultsOut(key=journey_key, goal_event=res.goal_event, window_days=res.window_days,
                      entries=res.entries, still_open=res.still_open,
                      enough_data=bool(res.report is not None and res.report.enough_data),
                      report=res.report.as_dict() if res.report is not None else None,
                      problem=res.problem, pdca_records=[int(r.id) for r in res.pdca])
