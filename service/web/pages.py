"""Server-rendered pages: one Jinja2 environment for the dashboard and the RSVP page,
so both share templates/web/base.html and the stylesheet under /static."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from service.paths import templates_dir


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(templates_dir() / "web")),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def page(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """Renders a page; `lang` defaults to German, the programme's language."""
    values = {"request": request, "lang": "de", **context}
    html = environment().get_template(template).render(values)
    return HTMLResponse(html, status_code=status_code)
