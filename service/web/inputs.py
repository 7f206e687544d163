"""Reading query strings and posted forms by hand, for every dashboard page.

Nothing a browser sends is trusted: a query value that makes no sense becomes a
default, a form that cannot be read or a field the API's schema refuses becomes a
domain error (service/core/errors.py) with the API's status and a catalogue code, so
the dashboard answers a 4xx page in its language, never a 500.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from service.core import input_errors
from service.core.errors import DomainError, Invalid, NotFound
from service.core.validation import MAX_INT

MAX_ID = MAX_INT  # ids are INTEGER columns: anything larger cannot exist
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

Model = TypeVar("Model", bound=BaseModel)


def clean(value: str | None, limit: int = 200) -> str:
    """A query-string value as a bounded single line (NUL and other control characters
    removed: PostgreSQL refuses NUL in text)."""
    if not value:
        return ""
    return _CONTROL.sub("", value)[:limit].strip()


def bounded_int(value: str | None, default: int, low: int, high: int) -> int:
    """A number from the query string, clamped to [low, high]; anything else is
    `default`."""
    try:
        number = int(clean(value, 20))
    except ValueError:
        return default
    return min(max(number, low), high)


def flag(value: str | None) -> bool | None:
    """yes/no in the usual spellings (German too); anything else is "no filter"."""
    value = clean(value, 10).lower()
    if value in ("1", "true", "yes", "ja"):
        return True
    if value in ("0", "false", "no", "nein"):
        return False
    return None


def _as_id(value: str) -> int | None:
    if not value.isascii() or not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


def path_id(value: str) -> int:
    """The id in a page's path; one that cannot exist is the page's 404."""
    number = _as_id(value)
    if number is None:
        raise NotFound("not_found")
    return number


def field_id(form: dict[str, str], field: str) -> int:
    """The id a form names (participant, workshop, measure). One that cannot exist is a
    404 about the form, not about the page: `field` tells the form handler to show it
    on the engagement page like any refused input."""
    number = _as_id(form.get(field, ""))
    if number is None:
        raise NotFound("not_found", extra={"field": field})
    return number


async def read_form(request: Request) -> dict[str, str]:
    """The posted form as str → str (first value wins; files ignored); a malformed body
    is a 400."""
    try:
        form = await request.form(max_files=0, max_fields=50)
    except Exception as exc:  # multipart errors come in several types
        raise DomainError("form_malformed") from exc
    values: dict[str, str] = {}
    for key, value in form.multi_items():
        if isinstance(value, str) and key not in values:
            values[key] = value
    return values


def validate(model: type[Model], data: dict[str, Any]) -> Model:
    """The form's fields through the API's own input schema: the same rules; a refusal
    names each field by its label, in German and English (service/core/input_errors.py)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        found = input_errors.problems(list(exc.errors()))
        raise Invalid(
            "validation",
            problems_de=input_errors.summary(found, "de"),
            problems_en=input_errors.summary(found, "en"),
        ) from None


def expected_version(form: dict[str, str]) -> int | None:
    """The version the form was rendered with; absent means "do not check" as in the API,
    anything else that is not a version is refused."""
    raw = form.get("expected_version")
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit() and 0 < len(raw) <= 18 and int(raw) > 0):
        raise Invalid("expected_version_invalid")
    return int(raw)
