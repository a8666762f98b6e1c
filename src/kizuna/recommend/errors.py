"""Errors of the recommend domain (each documented in docs/reference/problems.md)."""

from __future__ import annotations

from kizuna.errors import Conflict, Invalid, NotFound


class RecommenderSettingsInvalid(Invalid):
    """The recommender settings are invalid; fix the named field and send them again."""

    code = "recommender-settings-invalid"


class TrainingInProgress(Conflict):
    """A training of the recommender is already running; wait for it to finish (see
    GET /v1/recommendations/runs/latest) and try again."""

    code = "recommender-training-running"


class RecommenderRunNotFound(NotFound):
    """The recommender has not been trained yet; train it with POST /v1/recommendations/train
    or `kizuna recommend train`."""

    code = "recommender-run-not-found"


class RecommendProductNotFound(NotFound):
    """No product with this id is in the catalogue; use the product's `product_id` (or sku)
    as sent in product and order events."""

    code = "recommend-product-not-found"
