"""Dashboard pages of broadcasts: the list, the create form (marketers; the send time is
entered in the workspace's time zone), and a broadcast's page with send now / cancel, the
delivery counts and the results by arm (the experiments partial)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from kizuna.auth.contracts import Role
from kizuna.broadcasts import api as broadcasts
from kizuna.errors import Invalid
from kizuna.http.deps import SessionDep
from kizuna.runtime import Runtime
from kizuna.segments import api as segments
from kizuna.web import formatting
from kizuna.web.deps import MarketerUser, ViewerUser, path_for, render, settings_of
from kizuna.web.security import CSRF_FIELD, check_csrf

router = APIRouter()

PAGE_SIZE = 50
STATUS_FILTER = "^(|draft|scheduled|sending|sent|cancelled)$"
DONE = "^(|created|sending|cancelled)$"
CsrfField = Annotated[str, Form(alias=CSRF_FIELD)]
FormStr = Annotated[str, Form(max_length=100_000)]
CHANNELS = ("email", "webhook", "in_app")


def _now(request: Request) -> datetime:
    runtime: Runtime = request.app.state.runtime
    return runtime.clock.now()


def _zone(request: Request) -> ZoneInfo:
    return formatting.zone(getattr(request.state, "timezone", None),
                           settings_of(request).default_timezone)


@router.get("/broadcasts", name="broadcasts_list")
def broadcasts_list(
    request: Request, user: ViewerUser, session: SessionDep,
    status: Annotated[str, Query(pattern=STATUS_FILTER)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    result = broadcasts.list_broadcasts(session, user.workspace_id, status=status or None,
                                        page=page, page_size=PAGE_SIZE)
    return render(request, "broadcasts/list.html", {
        "result": result, "status": status,
        "statuses": [s.value for s in broadcasts.BroadcastStatus],
        "can_act": user.has_role(Role.MARKETER)})


_BLANK = {"key": "", "name": "", "segment_key": "", "channel": "email",
          "purpose": "marketing", "transactional": "", "subject_ja": "", "text_ja": "",
          "html_ja": "", "subject_en": "", "text_en": "", "html_en": "", "arms": "",
          "holdout_pct": "10", "global_control_pct": "0", "goal_event": "", "window_days": "7",
          "throttle_per_minute": "", "webhook_url": "", "scheduled_at": ""}


def _form(request: Request, session: Any, user: Any, values: dict[str, str], *,
          error: str = "", status_code: int = 200) -> Response:
    return render(request, "broadcasts/form.html", {
        "values": values, "error": error, "channels": CHANNELS,
        "segments": segments.list_segments(session, user.workspace_id),
    }, status_code=status_code)


@router.get("/broadcasts/new", name="broadcasts_new")
def broadcasts_new(request: Request, user: MarketerUser, session: SessionDep) -> Response:
    return _form(request, session, user, dict(_BLANK))


def _number(values: dict[str, str], name: str) -> float:
    try:
        return float(values[name])
    except ValueError:
        raise broadcasts.BroadcastInvalid(f"The {name} must be a number.", field=name) from None


def _arms(text: str) -> tuple[broadcasts.ArmSpec, ...]:
    arms = []
    for line in text.splitlines():
        name, _, weight = line.strip().partition(":")
        if not name:
            continue
        try:
            arms.append(broadcasts.ArmSpec(name=name.strip(),
                                           weight=float(weight) if weight.strip() else 1.0))
        except ValueError:
            raise broadcasts.BroadcastInvalid(f"Arm {line.strip()!r}: write NAME or "
                                              "NAME:WEIGHT.", field="arms") from None
    return tuple(arms)


def _input(values: dict[str, str], tz: ZoneInfo) -> broadcasts.BroadcastInput:
    template: dict[str, Any] = {}
    for locale in ("ja", "en"):
        part = {k: values[f"{k}_{locale}"] for k in ("subject", "text", "html")
                if values[f"{k}_{locale}"].strip()}
        if part:
            template[locale] = part
    scheduled = None
    if values["scheduled_at"].strip():
        try:
            scheduled = datetime.fromisoformat(values["scheduled_at"].strip()).replace(tzinfo=tz)
        except ValueError:
            raise broadcasts.BroadcastInvalid("The send time is not a date and time.",
                                              field="scheduled_at") from None
    throttle = values["throttle_per_minute"].strip()
    return broadcasts.BroadcastInput(
        key=values["key"].strip(), name=values["name"], segment_key=values["segment_key"],
        template=template, channel=values["channel"], purpose=values["purpose"].strip(),
        transactional=bool(values["transactional"]), arms=_arms(values["arms"]),
        holdout_pct=_number(values, "holdout_pct"),
        global_control_pct=_number(values, "global_control_pct"),
        goal_event=values["goal_event"].strip() or None,
        window_days=_number(values, "window_days"),
        throttle_per_minute=int(_number(values, "throttle_per_minute")) if throttle else None,
        webhook_url=values["webhook_url"].strip(), scheduled_at=scheduled)


@router.post("/broadcasts", name="broadcasts_create")
async def broadcasts_create(request: Request, user: MarketerUser,
                            session: SessionDep) -> Response:
    form = await request.form()
    check_csrf(request.session, str(form.get(CSRF_FIELD, "")))
    values = {k: str(form.get(k, "") or "")[:100_000] for k in _BLANK}
    try:
        with session.begin_nested():
            b = broadcasts.create_broadcast(session, user.workspace_id,
                                            _input(values, _zone(request)),
                                            created_by=user.email, now=_now(request))
    except Invalid as exc:
        return _form(request, session, user, values, error=str(exc), status_code=400)
    except broadcasts.BroadcastExists as exc:
        return _form(request, session, user, values, error=str(exc), status_code=409)
    url = path_for(request, "broadcasts_detail", key=b.key) + "?done=created"
    return RedirectResponse(url, status_code=303)


@router.get("/broadcasts/{key}", name="broadcasts_detail")
def broadcasts_detail(
    request: Request, user: ViewerUser, session: SessionDep, key: str,
    done: Annotated[str, Query(pattern=DONE)] = "",
) -> Response:
    res = broadcasts.results(session, user.workspace_id, key, _now(request))
    return render(request, "broadcasts/detail.html", {
        "b": res.broadcast, "res": res, "done": done,
        "can_act": user.has_role(Role.MARKETER)})


@router.post("/broadcasts/{key}/send", name="broadcasts_send")
def broadcasts_send(request: Request, user: MarketerUser, session: SessionDep, key: str,
                    csrf: CsrfField = "") -> Response:
    """Due now: the dispatcher starts the send within seconds."""
    check_csrf(request.session, csrf)
    now = _now(request)
    broadcasts.schedule_broadcast(session, user.workspace_id, key, at=now, now=now)
    return RedirectResponse(path_for(request, "broadcasts_detail", key=key) + "?done=sending",
                            status_code=303)


@router.post("/broadcasts/{key}/cancel", name="broadcasts_cancel")
def broadcasts_cancel(request: Request, user: MarketerUser, session: SessionDep, key: str,
                      csrf: CsrfField = "") -> Response:
    check_csrf(request.session, csrf)
    broadcasts.cancel_broadcast(session, user.workspace_id, key, now=_now(request))
    return RedirectResponse(path_for(request, "broadcasts_detail", key=key)
                            + "?done=cancelled", status_code=303)
