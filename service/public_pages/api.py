"""The public progress page: no key, no login; 404 unless the engagement is public.
JSON for the municipality's own website, HTML to link to."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from service.auth.deps import Ctx
from service.core.translations import DEFAULT, LANGUAGES
from service.http.deps import ReadSession
from service.http.openapi import errors
from service.http.pages import language, page
from service.public_pages import service
from service.public_pages.schemas import PublicProgress

router = APIRouter(tags=["public pages"])

Slug = Annotated[str, Path(pattern=r"^[a-z0-9-]{1,80}$")]
Lang = Annotated[str | None, Query(pattern="^(de|en)$")]


@router.get(
    "/public/{slug}.json",
    response_model=PublicProgress,
    responses=errors(404, 422, e404="No engagement is public at this address."),
)
def public_progress_json(
    slug: Slug, ctx: Ctx, session: ReadSession, lang: Lang = None
) -> PublicProgress:
    return service.view(session, ctx, slug, lang if lang in LANGUAGES else DEFAULT)


@router.get(
    "/public/{slug}",
    response_class=Response,
    responses={
        200: {"content": {"text/html": {}}, "description": "The page."},
        **errors(404, 422, e404="No engagement is public at this address."),
    },
)
def public_progress_page(
    slug: Slug, request: Request, ctx: Ctx, session: ReadSession, lang: Lang = None
) -> Response:
    chosen = language(request)
    progress = service.view(session, ctx, slug, chosen)
    return page(request, "public.html", {"p": progress, "lang": chosen})
