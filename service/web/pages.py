"""Server-rendered pages: one Jinja2 environment for the dashboard and the RSVP page,
so both share templates/web/base.html and the stylesheet under /static."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from service.core.paths import templates_dir
from service.web import i18n


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(templates_dir() / "web")),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def lang_url(request: Request, lang: str) -> str:
    """The current page in another language (other query parameters kept)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("lang", "msg")]
    params.append(("lang", lang))
    return f"{request.url.path}?{urlencode(params)}"


def page(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """Renders a page; `lang` defaults to German, the programme's language (or the visitor's
    choice: `?lang=en`, remembered in a cookie). Every page gets `t`, the words in that
    language, and safe defaults for what base.html shows (no user, no CSRF token)."""
    own_language = not template.startswith("rsvp")  # RSVP pages: German unless told
    lang = context.get("lang") or (i18n.language(request) if own_language else i18n.DEFAULT)
    if lang not in i18n.LANGUAGES:
        lang = i18n.DEFAULT
    values: dict[str, Any] = {
        "request": request,
        "t": i18n.STRINGS[lang],
        "user": None,
        "csrf": "",
        "lang_urls": {code: lang_url(request, code) for code in i18n.LANGUAGES},
        # the RSVP pages (mail feature) are written in German only so far: no switch there
        "lang_switch": own_language,
        **context,
        "lang": lang,
    }
    html = environment().get_template(template).render(values)
    response = HTMLResponse(html, status_code=status_code)
    wanted = request.query_params.get("lang")
    if wanted in i18n.LANGUAGES and request.cookies.get(i18n.COOKIE) != wanted:
        response.set_cookie(
            i18n.COOKIE, wanted, max_age=365 * 86400, path="/", httponly=True, samesite="lax"
        )
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
