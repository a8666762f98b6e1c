"""Dashboard pages of the ideas domain."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kizuna.web.deps import ViewerUser, path_for

router = APIRouter()


@router.get("/ideas", name="ideas_admin")
def placeholder(request: Request, user: ViewerUser) -> Response:
    # Replaced by the ideas pages (issue 4); until then the nav entry leads to the overview.
    return RedirectResponse(path_for(request, "overview"), status_code=303)
