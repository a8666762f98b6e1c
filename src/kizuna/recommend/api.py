"""Facade of the recommend domain: train, serve and configure product recommendations.

* :func:`train` — the training job (see ``training``): blend of buy-again, ALS and
  popularity, held-out evaluation, top-N per customer, "bought together" pairs, popular lists.
* :func:`retrain_if_due` — the retrain job the server's housekeeping loop calls.
* :func:`recommendations_for`, :func:`recommendations_for_template`,
  :func:`frequently_bought_together` — serving, with exclusions applied at read time.
* :func:`get_settings`, :func:`update_settings` — the workspace's exclusions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from kizuna.db.translate import translate_db_errors
from kizuna.profiles.errors import CustomerNotFound
from kizuna.recommend import serving, store, training
from kizuna.recommend.errors import (
    RecommenderRunNotFound,
    RecommenderSettingsInvalid,
    TrainingInProgress,
)
from kizuna.recommend.run_contracts import (
    EXCLUDE_PURCHASED,
    BoughtTogether,
    CustomerRecommendations,
    RecommenderSettings,
    RunSummary,
)
from kizuna.recommend.training import Progress
from kizuna.types import CustomerId, WorkspaceId

__all__ = [
    "frequently_bought_together",
    "get_settings",
    "latest_run",
    "recommendations_for",
    "recommendations_for_template",
    "retrain_if_due",
    "serving_run",
    "train",
    "update_settings",
]

MAX_CATEGORIES = 100
MAX_RETRAIN_HOURS = 24 * 30


def train(
    sessions: sessionmaker[Session],
    workspace_id: WorkspaceId,
    *,
    now: datetime,
    progress: Progress | None = None,
) -> RunSummary:
    """Train now (synchronously). Returns the run (``ready`` or ``failed``); raises
    ``TrainingInProgress`` if another training of the workspace is running."""
    return training.train(sessions, workspace_id, now=now, progress=progress)


def retrain_if_due(
    sessions: sessionmaker[Session], workspace_id: WorkspaceId, *, now: datetime
) -> RunSummary | None:
    """The retrain job: train when there is no run yet, or when the serving run is older than
    ``retrain_hours`` and orders arrived since. None when nothing was due (or a training is
    already running)."""
    with translate_db_errors(), sessions() as session, session.begin():
        due = training.retrain_due(session, workspace_id, now)
    if not due:
        return None
    try:
        return training.train(sessions, workspace_id, now=now)
    except TrainingInProgress:
        return None


def latest_run(session: Session, workspace_id: WorkspaceId) -> RunSummary:
    """The newest run, whatever its status; ``RecommenderRunNotFound`` if never trained."""
    row = store.latest_run(session, workspace_id)
    if row is None:
        raise RecommenderRunNotFound()
    return store.to_summary(row)


def serving_run(session: Session, workspace_id: WorkspaceId) -> RunSummary | None:
    """The run serving now (the newest ready one), or None."""
    row = store.current_run(session, workspace_id)
    return None if row is None else store.to_summary(row)


def recommendations_for(
    session: Session,
    workspace_id: WorkspaceId,
    customer_id: CustomerId | int,
    *,
    limit: int = 10,
    exclude_categories: Sequence[str] = (),
    now: datetime,
) -> CustomerRecommendations:
    """Up to ``limit`` products for the customer; ``CustomerNotFound`` if unknown."""
    return serving.recommendations_for(session, workspace_id, customer_id, limit=limit,
                                       exclude_categories=exclude_categories, now=now)


def recommendations_for_template(
    session: Session, workspace_id: WorkspaceId, customer_id: CustomerId | int, *,
    limit: int = 4, now: datetime,
) -> list[dict[str, Any]]:
    """The template variable: plain dicts (name, url, image_url, price, currency, category,
    product_id, reason); an empty list for an unknown customer or an untrained workspace."""
    try:
        result = serving.recommendations_for(session, workspace_id, customer_id, limit=limit,
                                             now=now)
    except CustomerNotFound:
        return []
    return serving.as_template_items(result)


def frequently_bought_together(
    session: Session, workspace_id: WorkspaceId, product_external_id: str, *, limit: int = 5
) -> BoughtTogether:
    """Products bought in the same orders as this one, by lift among pairs with enough
    support; ``RecommendProductNotFound`` if the product is unknown."""
    return serving.frequently_bought_together(session, workspace_id, product_external_id,
                                              limit=limit)


def get_settings(session: Session, workspace_id: WorkspaceId) -> RecommenderSettings:
    return store.get_settings(session, workspace_id)


def _categories(name: str, values: Sequence[str]) -> tuple[str, ...]:
    cleaned: list[str] = []
    for value in values:
        if not isinstance(value, str):
            raise RecommenderSettingsInvalid(f"{name} must be a list of category names.",
                                             field=name)
        text = value.strip()
        if len(text) > 200:
            raise RecommenderSettingsInvalid(
                f"A category in {name} is longer than 200 characters; shorten it.", field=name)
        if text and text.casefold() not in {c.casefold() for c in cleaned}:
            cleaned.append(text)
    if len(cleaned) > MAX_CATEGORIES:
        raise RecommenderSettingsInvalid(
            f"{name} lists {len(cleaned)} categories; at most {MAX_CATEGORIES} are allowed.",
            field=name)
    return tuple(cleaned)


def update_settings(
    session: Session,
    workspace_id: WorkspaceId,
    *,
    now: datetime,
    exclude_purchased: str | None = None,
    excluded_categories: Sequence[str] | None = None,
    repeatable_categories: Sequence[str] | None = None,
    retrain_hours: int | None = None,
) -> RecommenderSettings:
    """Change the given settings (None: keep); ``RecommenderSettingsInvalid`` if invalid."""
    current = store.get_settings(session, workspace_id)
    mode = current.exclude_purchased if exclude_purchased is None else exclude_purchased
    if mode not in EXCLUDE_PURCHASED:
        raise RecommenderSettingsInvalid(
            f"exclude_purchased must be one of {', '.join(EXCLUDE_PURCHASED)}.",
            field="exclude_purchased", value=mode)
    hours = current.retrain_hours if retrain_hours is None else retrain_hours
    if isinstance(hours, bool) or not isinstance(hours, int) or not (
            1 <= hours <= MAX_RETRAIN_HOURS):
        raise RecommenderSettingsInvalid(
            f"retrain_hours must be a whole number of hours from 1 to {MAX_RETRAIN_HOURS}.",
            field="retrain_hours", value=str(hours))
    value = RecommenderSettings(
        exclude_purchased=mode,
        excluded_categories=current.excluded_categories if excluded_categories is None
        else _categories("excluded_categories", excluded_categories),
        repeatable_categories=current.repeatable_categories if repeatable_categories is None
        else _categories("repeatable_categories", repeatable_categories),
        retrain_hours=hours, updated_at=now,
    )
    store.save_settings(session, workspace_id, value, now)
    return value
