"""Server-rendered pages: one Jinja2 environment for the dashboard (service/web/) and the
RSVP page (service/workshops/rsvp_api.py), so both share templates/web/base.html and the
stylesheet under /static. Here, not in service/web/, because a feature may not import the
dashboard; it needs only the core's words (service/core/translations.py)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from service.core import translations
from service.core.paths import templates_dir
from service.core.privacy_notice import notice
from service.core.translations import DEFAULT, LANGUAGES

# the visitor's language choice (`?lang=en`), remembered for a year; choosing the default
# language again (`?lang=de`) clears it. The page header says which language is active and
# that a choice other than the default is remembered, with a link back.
COOKIE = "fokus_lang"


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(templates_dir() / "web")),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates change with a release: no stat() per page
    )


def language(request: Request) -> str:
    """`?lang=` first, then the cookie, then German."""
    wanted = request.query_params.get("lang")
    if wanted in LANGUAGES:
        return wanted
    remembered = request.cookies.get(COOKIE)
    return remembered if remembered in LANGUAGES else DEFAULT


def lang_url(request: Request, lang: str) -> str:
    """The current page in another language (other query parameters kept)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("lang", "msg")]
    params.append(("lang", lang))
    return f"{request.url.path}?{urlencode(params)}"


def remember(request: Request, response: HTMLResponse) -> None:
    """`?lang=` of a language other than the default is remembered for a year; the
    default clears what was remembered, so choosing German again forgets the choice."""
    wanted = request.query_params.get("lang")
    if wanted not in LANGUAGES:
        return
    if wanted == DEFAULT:
        if COOKIE in request.cookies:
            response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")
    elif request.cookies.get(COOKIE) != wanted:
        response.set_cookie(
            COOKIE, wanted, max_age=365 * 86400, path="/", httponly=True, samesite="lax"
        )


def _today(request: Request) -> str:
    """Today in the service's time zone as dd.mm.yyyy (by its clock, which tests move)."""
    ctx = getattr(request.app.state, "ctx", None)
    if ctx is None:
        return ""
    return str(ctx.clock.now().astimezone(ctx.settings.tz).strftime("%d.%m.%Y"))


def _privacy(request: Request) -> dict[str, Any] | None:
    """The Art. 13 notice for templates/web/_privacy_notice.html (None without a context)."""
    ctx = getattr(request.app.state, "ctx", None)
    return None if ctx is None else notice(ctx.settings)


def page(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """Renders a page; `lang` defaults to German, the programme's language (or the visitor's
    choice: `?lang=en`, remembered in a cookie). Every page gets `t`, the words in that
    language, and safe defaults for what base.html shows (no user, no CSRF token)."""
    own_language = not template.startswith("rsvp")  # RSVP pages: German unless told
    lang = context.get("lang") or (language(request) if own_language else DEFAULT)
    if lang not in LANGUAGES:
        lang = DEFAULT
    values: dict[str, Any] = {
        "request": request,
        "t": translations.language(lang).words,
        "user": None,
        "csrf": "",
        "may_write": False,
        "lang_urls": {code: lang_url(request, code) for code in LANGUAGES},
        # the RSVP pages (workshops feature) are written in German only so far: no switch,
        # and their `?lang=` neither sets nor clears the dashboard's choice
        "lang_switch": own_language,
        # a language other than the default comes from `?lang=` or the cookie: remembered
        "lang_remembered": own_language and lang != DEFAULT,
        # the day a printed page carries (templates/static/print.css shows it)
        "printed_on": _today(request),
        # the Art. 13 GDPR notice that public pages include (_privacy_notice.html)
        "privacy": _privacy(request),
        **context,
        "lang": lang,
    }
    html = environment().get_template(template).render(values)
    response = HTMLResponse(html, status_code=status_code)
    if own_language:
        remember(request, response)
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
