"""Dashboard of the recommend domain: the profile panel, and the page with the latest run,
its held-out evaluation, the settings form and the "Retrain now" button."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from kizuna.auth.contracts import Role, User
from kizuna.http.deps import SessionDep
from kizuna.recommend import api as recommend
from kizuna.recommend.errors import (
    RecommenderRunNotFound,
    RecommenderSettingsInvalid,
    TrainingInProgress,
)
from kizuna.recommend.run_contracts import EXCLUDE_PURCHASED
from kizuna.runtime import Runtime
from kizuna.types import CustomerId
from kizuna.web.deps import MarketerUser, ViewerUser, path_for, render
from kizuna.web.security import CSRF_FIELD, check_csrf

router = APIRouter()

PANEL_ITEMS = 8
CsrfField = Annotated[str, Form(alias=CSRF_FIELD)]
METHOD_ORDER = ("popularity", "trending", "buy_again", "als", "blend")


def _now(request: Request) -> datetime:
    runtime: Runtime = request.app.state.runtime
    return runtime.clock.now()


def profile_panel(
    request: Request, session: Session, user: User, customer_id: CustomerId
) -> dict[str, Any] | None:
    """What the customer profile page shows of this domain (None: no panel)."""
    result = recommend.recommendations_for(session, user.workspace_id, customer_id,
                                           limit=PANEL_ITEMS, now=_now(request))
    if result.run_id is None:
        return None
    return {"result": result,
            "hrefs": {i.product.product_id: safe_href(i.product.url) for i in result.items}}


def safe_href(url: str | None) -> str | None:
    """Product links come from events: only http(s) URLs become links."""
    if not url or urlsplit(url.strip()).scheme.lower() not in ("http", "https"):
        return None
    return url.strip()


def _lines(text: str) -> list[str]:
    return [part.strip() for part in text.replace(",", "\n").splitlines() if part.strip()]


def _evaluation_rows(metrics: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [r for r in metrics.get("rows", []) if isinstance(r, dict)]
    return sorted(rows, key=lambda r: METHOD_ORDER.index(r["method"])
                  if r.get("method") in METHOD_ORDER else len(METHOD_ORDER))


def _page(request: Request, session: Session, user: User, *, status_code: int = 200,
          errors: set[str] | None = None, form: dict[str, Any] | None = None,
          notice: str = "") -> Response:
    try:
        latest = recommend.latest_run(session, user.workspace_id)
    except RecommenderRunNotFound:
        latest = None
    serving = recommend.serving_run(session, user.workspace_id)
    settings = recommend.get_settings(session, user.workspace_id)
    values = form or {
        "exclude_purchased": settings.exclude_purchased,
        "excluded_categories": "\n".join(settings.excluded_categories),
        "repeatable_categories": "\n".join(settings.repeatable_categories),
        "retrain_hours": str(settings.retrain_hours),
    }
    best = None
    if latest is not None:
        rows = _evaluation_rows(latest.metrics)
        if rows:
            best = max(rows, key=lambda r: float(r.get("ndcg", 0)))["method"]
    else:
        rows = []
    return render(request, "recommendations/page.html", {
        "latest": latest,
        "serving": serving,
        "evaluation": rows,
        "best_method": best,
        "settings": settings,
        "values": values,
        "modes": EXCLUDE_PURCHASED,
        "errors": errors or set(),
        "notice": notice,
        "can_edit": user.has_role(Role.MARKETER),
    }, status_code=status_code)


@router.get("/recommendations", name="recommendations")
def recommendations_page(
    request: Request, user: ViewerUser, session: SessionDep,
    done: Annotated[str, Query(pattern="^(trained|failed|busy|saved)?$")] = "",
) -> Response:
    """The latest run (when, size, weights, evaluation vs baselines), settings, retrain."""
    return _page(request, session, user, notice=done)


@router.post("/recommendations/settings", name="recommendations_settings")
def save_settings(
    request: Request, user: MarketerUser, session: SessionDep, csrf: CsrfField = "",
    exclude_purchased: Annotated[str, Form(max_length=16)] = "auto",
    excluded_categories: Annotated[str, Form(max_length=20_000)] = "",
    repeatable_categories: Annotated[str, Form(max_length=20_000)] = "",
    retrain_hours: Annotated[str, Form(max_length=10)] = "24",
) -> Response:
    check_csrf(request.session, csrf)
    form = {"exclude_purchased": exclude_purchased, "excluded_categories": excluded_categories,
            "repeatable_categories": repeatable_categories, "retrain_hours": retrain_hours}
    try:
        hours = int(retrain_hours.strip())
    except ValueError:
        return _page(request, session, user, status_code=400, form=form,
                     errors={"retrain_hours"})
    try:
        recommend.update_settings(
            session, user.workspace_id, now=_now(request), exclude_purchased=exclude_purchased,
            excluded_categories=_lines(excluded_categories),
            repeatable_categories=_lines(repeatable_categories), retrain_hours=hours)
    except RecommenderSettingsInvalid as exc:
        # validation happens before any write: nothing to roll back
        return _page(request, session, user, status_code=400, form=form,
                     errors={str(exc.fields.get("field", "exclude_purchased"))})
    return RedirectResponse(path_for(request, "recommendations") + "?done=saved",
                            status_code=303)


@router.post("/recommendations/train", name="recommendations_train")
def retrain(
    request: Request, user: MarketerUser, session: SessionDep, csrf: CsrfField = "",
) -> Response:
    """Train now (synchronously), then back to the page with the run's summary."""
    check_csrf(request.session, csrf)
    runtime: Runtime = request.app.state.runtime
    session.commit()  # on SQLite the request's transaction would hold the write lock
    try:
        run = recommend.train(runtime.sessions, user.workspace_id, now=runtime.clock.now())
        done = "trained" if run.status == "ready" else "failed"
    except TrainingInProgress:
        done = "busy"
    return RedirectResponse(path_for(request, "recommendations") + f"?done={done}",
                            status_code=303)


@router.get("/recommendations/products/{external_id:path}", name="recommendations_product")
def product_page(
    request: Request, user: ViewerUser, session: SessionDep, external_id: str
) -> Response:
    """Products bought together with this one (from the serving run)."""
    result = recommend.frequently_bought_together(session, user.workspace_id, external_id,
                                                  limit=20)
    return render(request, "recommendations/product.html", {"result": result})
