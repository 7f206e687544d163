"""Domain errors that carry their HTTP status and a code from the error catalogue.

Every text a person reads about an error lives in one data file,
`templates/i18n/errors.json`, German and English side by side, so a translator edits
data and the API, the dashboard and the CLI say the same thing. The file has three
sections:

- `errors`: the codes domain errors are raised with, `raise Conflict("workshop_over",
  workshop=3)`; the keyword arguments fill the text's `{placeholders}`;
- `input`: one problem with one input value (a pydantic error type, or the code one of
  our validators raises, service/core/validation.py), without the field's name;
- `fields`: the German and English label of each input field.

A placeholder ending in `_de` appears only in the German text, one ending in `_en` only
in the English one (a text that comes from elsewhere in both languages, such as a guard's
reason); every other placeholder appears in both. tests/api/test_error_codes.py holds the
source to the catalogue: every raise uses a known code with its parameters, and every code
is used.

`detail` (the API's field) is the English text, `detail_de` the German one; `extra` is
what an API answer carries besides the texts (`current_version`, `allowed_triggers`, …).
An entry may add an `api` text: the API's `detail` where it differs from the English a
person reads (the keys and ISO times clients have always matched on, while the English
page shows step labels and readable times). Its placeholders may be any the raise
passes, e.g. `{known}` (trigger keys) beside the English text's `{known_en}` (labels).
"""

from __future__ import annotations

import json
import logging
import string
from collections.abc import Mapping
from datetime import date
from functools import cache
from typing import Any

from service.core.paths import templates_dir

log = logging.getLogger("fokus.errors")

LANGUAGES = ("de", "en")
# the code of an error raised with a text instead of a code (tests/api/test_error_codes.py
# refuses such raises; at run time the text is shown as it is rather than failing)
UNLISTED = "unlisted"

Texts = dict[str, str]


def placeholders(text: str) -> set[str]:
    """The `{names}` a text fills in."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# the optional text of the API's `detail`, where it differs from the English a person reads
API = "api"


def _check(section: str, key: str, texts: Any) -> Texts:
    if not isinstance(texts, dict) or set(texts) - {API} != set(LANGUAGES):
        raise ValueError(f"errors.json: {section}.{key} needs exactly the texts {LANGUAGES}")
    if not all(isinstance(t, str) and t.strip() for t in texts.values()):
        raise ValueError(f"errors.json: {section}.{key} has an empty text")
    de = {p for p in placeholders(texts["de"]) if not p.endswith("_de")}
    en = {p for p in placeholders(texts["en"]) if not p.endswith("_en")}
    wrong = {p for p in placeholders(texts["de"]) if p.endswith("_en")} | {
        p for p in placeholders(texts["en"]) if p.endswith("_de")
    }
    if de != en or wrong:
        raise ValueError(f"errors.json: {section}.{key}: placeholders differ between de and en")
    return {lang: str(texts[lang]) for lang in (*LANGUAGES, API) if lang in texts}


@cache
def catalogue() -> dict[str, dict[str, Texts]]:
    """The catalogue's three sections, checked: both languages, matching placeholders."""
    raw = json.loads((templates_dir() / "i18n" / "errors.json").read_text(encoding="utf-8"))
    sections = ("errors", "input", "fields")
    if not isinstance(raw, dict) or set(raw) - {"_comment"} != set(sections):
        raise ValueError(f"errors.json: expected the sections {sections}")
    return {s: {k: _check(s, k, v) for k, v in raw[s].items()} for s in sections}


def parameters(code: str) -> set[str]:
    """The keyword arguments an error with this code is raised with."""
    return set().union(*(placeholders(t) for t in catalogue()["errors"][code].values()))


class _Params(dict[str, Any]):
    def __missing__(self, key: str) -> str:  # a forgotten parameter shows, never fails
        log.error("error text: no value for {%s}", key)
        return "{" + key + "}"


def fill(template: str, params: Mapping[str, Any]) -> str:
    """The template with its placeholders filled; lists are joined with commas."""
    values = _Params(
        {k: ", ".join(map(str, v)) if isinstance(v, list | tuple) else v for k, v in params.items()}
    )
    return string.Formatter().vformat(template, (), values)


def text(code: str, language: str, **params: Any) -> str:
    """A catalogue code's text in a language (German for an unknown language); `api`
    is the API's English `detail` (the English text where the entry has none)."""
    texts = catalogue()["errors"][code]
    if language == API:
        return fill(texts.get(API, texts["en"]), params)
    return fill(texts.get(language, texts["de"]), params)


def date_de(day: date) -> str:
    """A date as German texts write it: 10.03.2026."""
    return day.strftime("%d.%m.%Y")


def number_de(value: float) -> str:
    """A number as German texts write it: 8,5 (no trailing zeros)."""
    return f"{value:g}".replace(".", ",")


class DomainError(Exception):
    """An error a client or a person caused, with a catalogue code; the status comes
    from the subclass. `extra` is carried into the API answer as it is."""

    status_code = 400

    def __init__(self, code: str, /, *, extra: Mapping[str, Any] | None = None, **params: Any):
        if code in catalogue()["errors"]:
            self.code, self.params = code, params
            self.extra: dict[str, Any] = dict(extra or {})
        else:  # a raise that names no code: refused by the tests, answered as before
            self.code, self.params = UNLISTED, {"text": code}
            self.extra = {**params, **(extra or {})}
        self.detail = self.text(API)
        super().__init__(self.detail)

    def text(self, language: str) -> str:
        """The error in a language (German for an unknown one; `api`: the API's
        English `detail`)."""
        if self.code == UNLISTED:
            return str(self.params["text"])
        return text(self.code, language, **self.params)

    @property
    def detail_de(self) -> str:
        return self.text("de")

    def body(self) -> dict[str, Any]:
        """The API's JSON answer."""
        return {"code": self.code, "detail": self.detail, "detail_de": self.detail_de, **self.extra}


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class Invalid(DomainError):
    status_code = 422


class Unauthorized(DomainError):
    status_code = 401


class Forbidden(DomainError):
    status_code = 403
