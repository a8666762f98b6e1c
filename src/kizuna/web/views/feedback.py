"""Dashboard pages of the feedback domain."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kizuna.web.deps import ViewerUser, path_for

router = APIRouter()


@router.get("/feedback", name="feedback_inbox")
def placeholder(request: Request, user: ViewerUser) -> Response:
    # Replaced by the feedback pages (issue 4); until then the nav entry leads to the overview.
    return RedirectResponse(path_for(request, "overview"), status_code=303)
