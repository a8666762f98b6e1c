"""Reviews API: the client endpoint (a source write key) and the admin API (API keys).

- ``POST /v1/reviews`` — a shop's site or app submits a customer's review, authenticated like
  ingest with HTTP Basic ``base64(writeKey:)`` (tag ``client``: not part of the admin API).
- ``GET /v1/reviews`` (read), ``GET /v1/reviews/{id}`` (read),
  ``POST /v1/reviews/{id}/moderation`` (admin), ``POST /v1/reviews/approvals`` (admin),
  ``POST /v1/reviews/links`` (admin: a signed link to the public review form).
- ``GET /v1/products/{product_id}/reviews`` and ``…/rating`` (read): approved reviews only.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from kizuna.db.translate import translate_db_errors
from kizuna.errors import KizunaError, PayloadTooLarge, UnsupportedMediaType
from kizuna.http import problems
from kizuna.http.deps import AdminKey, ReadKey, SessionDep
from kizuna.http.routes.customers import _ERRORS, _PROBLEM
from kizuna.http.schemas.customers import Problem
from kizuna.http.schemas.reviews import (
    BulkApproveIn,
    ModerationIn,
    ModerationOutcomeOut,
    PublicReviewListOut,
    RatingOut,
    ReviewLinkIn,
    ReviewLinkOut,
    ReviewListOut,
    ReviewOut,
    ReviewSubmitIn,
    public_list_out,
    rating_out,
    review_list_out,
    review_out,
)
from kizuna.ingest import api as ingest
from kizuna.ingest.errors import WriteKeyMissing
from kizuna.reviews import api as reviews
from kizuna.reviews.contracts import Channel, ReviewFilter, ReviewStatus
from kizuna.reviews.errors import ReviewInvalid
from kizuna.runtime import Runtime
from kizuna.types import CustomerId

MAX_BODY_BYTES = 64 * 1024
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Authorization",
    "Access-Control-Max-Age": "86400",
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    404: {"model": Problem, "description": "No such review", "content": _PROBLEM},
}

router = APIRouter(tags=["reviews"], responses=_ERRORS)
client = APIRouter(tags=["client"])

ProductPath = Annotated[str, Path(min_length=1, max_length=200,
                                  description="The product's external id")]
ReviewPath = Annotated[int, Path(ge=1, description="The review's id")]
PageQuery = Annotated[int, Query(ge=1, le=1_000_000)]


# --- client API (write key) -----------------------------------------------------------------


def _write_key(request: Request) -> str:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic" and value.strip():
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        key = decoded.partition(":")[0]
        if key:
            return key
    raise WriteKeyMissing("Send the source's write key as HTTP Basic user name.")


async def _read_json(request: Request) -> Any:
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media not in ("application/json", "text/plain", ""):
        raise UnsupportedMediaType(content_type=media)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"A review may be at most {MAX_BODY_BYTES} bytes.",
                              limit=MAX_BODY_BYTES)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"A review may be at most {MAX_BODY_BYTES} bytes.",
                                  limit=MAX_BODY_BYTES)
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise ReviewInvalid([{"field": "body", "message": "is not valid JSON"}],
                            "The request body is not valid JSON.") from None


def _parse(document: Any) -> ReviewSubmitIn:
    if not isinstance(document, dict):
        raise ReviewInvalid([{"field": "body", "message": "must be a JSON object"}])
    try:
        return ReviewSubmitIn.model_validate(document)
    except ValidationError as exc:
        raise ReviewInvalid([
            {"field": ".".join(str(p) for p in err["loc"]), "message": err["msg"]}
            for err in exc.errors()
        ]) from None


def _submit(runtime: Runtime, write_key: str, payload: ReviewSubmitIn) -> ReviewOut:
    with translate_db_errors(), runtime.sessions() as session, session.begin():
        source = ingest.authenticate_write_key(session, write_key)
        raw = payload.to_input()
        reviews.check_review(raw)  # field errors before "who is this"
        customer = reviews.resolve_reviewer(session, source.workspace_id,
                                            user_id=payload.userId,
                                            anonymous_id=payload.anonymousId)
        review = reviews.submit_review(session, source.workspace_id, customer, raw,
                                       channel=Channel.API, at=runtime.clock.now())
        return review_out(review)


@client.post(
    "/v1/reviews",
    status_code=201,
    response_model=ReviewOut,
    summary="Submit a customer's review (write key)",
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": ReviewSubmitIn.model_json_schema()}}}},
    responses={400: {"model": Problem, "description": "Invalid review (fields named)"},
               401: {"model": Problem, "description": "No or unknown write key"},
               404: {"model": Problem, "description": "Unknown userId / anonymousId"},
               413: {"model": Problem, "description": "Body over 64 KB"}},
)
async def submit_review(request: Request) -> Response:
    """Store a review (pending moderation). A second review by the same customer of the same
    product replaces the first and waits for moderation again."""
    runtime: Runtime = request.app.state.runtime
    try:
        document = await _read_json(request)
        key = _write_key(request)
        payload = _parse(document)
        out = await run_in_threadpool(_submit, runtime, key, payload)
    except KizunaError as exc:
        response = problems.kizuna_error_response(request, exc)
        response.headers.update(CORS_HEADERS)
        return response
    return JSONResponse(out.model_dump(mode="json"), status_code=201, headers=CORS_HEADERS)


@client.options("/v1/reviews", include_in_schema=False)
async def submit_review_preflight() -> Response:
    return Response(status_code=204, headers=CORS_HEADERS)


# --- admin API ------------------------------------------------------------------------------


@router.get("/v1/reviews", response_model=ReviewListOut)
def list_reviews(
    key: ReadKey,
    session: SessionDep,
    status: ReviewStatus | None = None,
    rating: Annotated[int | None, Query(ge=1, le=5)] = None,
    verified: bool | None = None,
    product_id: Annotated[str | None, Query(max_length=200)] = None,
    customer_id: Annotated[int | None, Query(ge=1)] = None,
    order: Annotated[str, Query(pattern="^(newest|oldest)$")] = "newest",
    page: PageQuery = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ReviewListOut:
    """Reviews, filtered; ``order=oldest`` with ``status=pending`` is the moderation queue."""
    where = ReviewFilter(status=status, rating=rating, verified=verified,
                         product_id=product_id or None,
                         customer_id=CustomerId(customer_id) if customer_id else None)
    result = reviews.list_reviews(session, key.workspace_id, where, page=page,
                                  page_size=page_size, oldest_first=order == "oldest")
    return review_list_out(result)


@router.get("/v1/reviews/{review_id}", response_model=ReviewOut, responses=_NOT_FOUND)
def get_review(key: ReadKey, session: SessionDep, review_id: ReviewPath) -> ReviewOut:
    return review_out(reviews.get_review(session, key.workspace_id, review_id))


@router.post("/v1/reviews/{review_id}/moderation", response_model=ReviewOut,
             responses=_NOT_FOUND)
def moderate_review(
    request: Request, key: AdminKey, session: SessionDep, review_id: ReviewPath,
    payload: ModerationIn,
) -> ReviewOut:
    """Approve, or reject with a reason (spam, offensive, off_topic, personal_data, other)."""
    runtime: Runtime = request.app.state.runtime
    review = reviews.moderate_review(
        session, key.workspace_id, review_id, decision=payload.decision, reason=payload.reason,
        note=payload.note, moderator=None, at=runtime.clock.now())
    return review_out(review)


@router.post("/v1/reviews/approvals", response_model=ModerationOutcomeOut,
             responses=_NOT_FOUND)
def approve_reviews(
    request: Request, key: AdminKey, session: SessionDep, payload: BulkApproveIn
) -> ModerationOutcomeOut:
    """Approve several reviews at once; already approved ones are listed as unchanged."""
    runtime: Runtime = request.app.state.runtime
    outcome = reviews.approve_reviews(session, key.workspace_id, payload.review_ids,
                                      at=runtime.clock.now())
    return ModerationOutcomeOut(approved=outcome.changed, unchanged=outcome.unchanged)


@router.post("/v1/reviews/links", response_model=ReviewLinkOut, status_code=201)
def issue_review_link(
    request: Request, key: AdminKey, session: SessionDep, payload: ReviewLinkIn
) -> ReviewLinkOut:
    """A single-use, expiring link to the public review form for one customer and product
    (e.g. for a post-purchase email). The token is shown only in this response."""
    runtime: Runtime = request.app.state.runtime
    link = reviews.issue_review_link(
        session, key.workspace_id, CustomerId(payload.customer_id), payload.product_id,
        at=runtime.clock.now(), valid_days=payload.valid_days)
    from urllib.parse import quote, urlencode

    url = f"/p/reviews/{quote(link.product_id, safe='')}?{urlencode({'t': link.token})}"
    return ReviewLinkOut(token=link.token, url=url, customer_id=link.customer_id,
                         product_id=link.product_id, expires_at=link.expires_at)


@router.get("/v1/products/{product_id}/reviews", response_model=PublicReviewListOut)
def list_product_reviews(
    key: ReadKey, session: SessionDep, product_id: ProductPath, page: PageQuery = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> PublicReviewListOut:
    """Approved reviews of a product, newest first."""
    return public_list_out(reviews.list_product_reviews(
        session, key.workspace_id, product_id, page=page, page_size=page_size))


@router.get("/v1/products/{product_id}/rating", response_model=RatingOut)
def product_rating(key: ReadKey, session: SessionDep, product_id: ProductPath) -> RatingOut:
    """Average rating (with n and a 95 % interval), distribution 1..5 and verified share of
    the product's approved reviews."""
    return rating_out(reviews.rating_summary(session, key.workspace_id, product_id))


# The app includes ``router`` only; the client endpoint rides along with its own "client" tag
# (which the admin API's auth walk skips: it is authenticated by a write key).
router.include_router(client)
