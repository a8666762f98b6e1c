"""Recommendations API: a customer's products, "bought together", training and settings.

``GET /v1/customers/{id}/recommendations`` and
``GET /v1/products/{external_id}/frequently-bought-together`` need a read key;
``GET /v1/recommendations/runs/latest`` and ``GET /v1/recommendations/settings`` a read key;
``POST /v1/recommendations/train`` and ``PUT /v1/recommendations/settings`` an admin key.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from kizuna.http.deps import AdminKey, ReadKey, RuntimeDep, SessionDep
from kizuna.http.routes.customers import _ERRORS, _PROBLEM
from kizuna.http.schemas.customers import Problem
from kizuna.http.schemas.recommendations import (
    BoughtTogetherOut,
    CustomerRecommendationsOut,
    LatestRunOut,
    RunOut,
    SettingsIn,
    SettingsOut,
    bought_together_out,
    recommendations_out,
    run_out,
    settings_out,
)
from kizuna.recommend import api as recommend
from kizuna.recommend.errors import RecommenderRunNotFound


def _problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description, "content": _PROBLEM}


router = APIRouter(tags=["recommendations"], responses=_ERRORS)


@router.get("/v1/customers/{customer_id}/recommendations",
            response_model=CustomerRecommendationsOut,
            responses={404: _problem("No such customer")})
def customer_recommendations(
    key: ReadKey,
    session: SessionDep,
    runtime: RuntimeDep,
    customer_id: Annotated[int, Path(ge=1, description="The customer's kizuna id")],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    exclude_category: Annotated[list[str] | None, Query(
        max_length=50, description="Leave products of this category out (repeatable)")] = None,
) -> CustomerRecommendationsOut:
    """Products for the customer, best first. A customer without a list of their own (cold
    start) gets popular products (``source: popular``). Out-of-stock products, excluded
    categories and already-bought products (per the settings) are left out."""
    result = recommend.recommendations_for(
        session, key.workspace_id, customer_id, limit=limit,
        exclude_categories=[c for c in exclude_category or () if c.strip()][:50],
        now=runtime.clock.now())
    return recommendations_out(result)


@router.get("/v1/products/{external_id}/frequently-bought-together",
            response_model=BoughtTogetherOut, responses={404: _problem("No such product")})
def frequently_bought_together(
    key: ReadKey,
    session: SessionDep,
    external_id: Annotated[str, Path(min_length=1, max_length=200,
                                     description="The product's id as sent in events")],
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
) -> BoughtTogetherOut:
    """Products often in the same orders as this one: pairs seen together in at least two
    orders, ranked by lift (then by how many orders)."""
    return bought_together_out(
        recommend.frequently_bought_together(session, key.workspace_id, external_id,
                                             limit=limit))


@router.post("/v1/recommendations/train", response_model=RunOut,
             responses={409: _problem("A training is already running")})
def train(key: AdminKey, session: SessionDep, runtime: RuntimeDep) -> RunOut:
    """Train now and wait for it (seconds to minutes, depending on the orders). Answers the
    run: ``ready``, or ``failed`` with the error (the previous run keeps serving)."""
    # End the request's transaction first: on SQLite it holds the write lock, and training
    # writes in transactions of its own.
    session.commit()
    return run_out(recommend.train(runtime.sessions, key.workspace_id, now=runtime.clock.now()))


@router.get("/v1/recommendations/runs/latest", response_model=LatestRunOut)
def latest_run(key: ReadKey, session: SessionDep) -> LatestRunOut:
    """The newest training run with its held-out evaluation (precision, recall, NDCG and
    coverage at 10 of each method and of the blend), and the run serving now (they differ
    after a failed training). Both null before the first training."""
    serving = recommend.serving_run(session, key.workspace_id)
    try:
        latest = run_out(recommend.latest_run(session, key.workspace_id))
    except RecommenderRunNotFound:
        latest = None
    return LatestRunOut(run=latest, serving=None if serving is None else run_out(serving))


@router.get("/v1/recommendations/settings", response_model=SettingsOut)
def get_settings(key: ReadKey, session: SessionDep) -> SettingsOut:
    """Exclusions and the retrain interval."""
    return settings_out(recommend.get_settings(session, key.workspace_id))


@router.put("/v1/recommendations/settings", response_model=SettingsOut,
            responses={400: _problem("Invalid settings")})
def put_settings(
    key: AdminKey, session: SessionDep, runtime: RuntimeDep, body: SettingsIn
) -> SettingsOut:
    """Change the given settings; fields left out keep their value."""
    return settings_out(recommend.update_settings(
        session, key.workspace_id, now=runtime.clock.now(),
        exclude_purchased=body.exclude_purchased,
        excluded_categories=body.excluded_categories,
        repeatable_categories=body.repeatable_categories, retrain_hours=body.retrain_hours))
