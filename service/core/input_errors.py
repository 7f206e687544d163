"""Schema validation errors in words: each problem with its field's label, a code, and
the text in German and English from the error catalogue (templates/i18n/errors.json,
sections `input` and `fields`).

The API keeps wording its `detail` and each item's `message` as it always has (pydantic's
English, field names as sent), so existing clients keep working; `detail_de` and
`message_de` are the German text, and the dashboard shows `text(language)`: the field's
label and the catalogue's text in the page's language, never a developer message.

Our own validators (service/core/validation.py and the schemas' model validators) raise
`problem(code, …)`: a pydantic error whose type is the catalogue code and whose message
is the catalogue's English text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic_core import PydanticCustomError

from service.core.errors import API, LANGUAGES, catalogue, fill, placeholders

# the code of the whole answer when a body or query failed the schema
VALIDATION = "validation"
# an error type the catalogue does not know: a neutral sentence rather than English
_FALLBACK = "value_error"
_SKIP = ("body", "query", "path")
_INPUT_SHOWN = 80  # characters of a refused value quoted back


def problem(code: str, **context: Any) -> PydanticCustomError:
    """A validator's refusal with a catalogue code (`input` section): raise it inside a
    pydantic validator; its English text (the `api` one where the entry has it) becomes
    pydantic's message, the API's wording."""
    texts = catalogue()["input"][code]
    return PydanticCustomError(code, fill(texts.get(API, texts["en"]), context), context)


@dataclass(frozen=True)
class Problem:
    field: str  # dotted, as sent; "body" for the whole body
    code: str
    message: str  # the API's English wording
    texts: dict[str, str]  # "Label: problem" per language

    def text(self, language: str) -> str:
        return self.texts.get(language, self.texts["de"])

    def item(self) -> dict[str, str]:
        """One entry of the API's `errors` list."""
        return {
            "field": self.field,
            "code": self.code,
            "message": self.message,
            "message_de": self.texts["de"],
        }


def _field(loc: Sequence[Any]) -> str:
    return ".".join(str(p) for p in loc if p not in _SKIP) or "body"


def label(field: str, language: str) -> str:
    """A field's label: the dotted name's, else its last named part's, else the name."""
    fields = catalogue()["fields"]
    names = [field, *[p for p in reversed(field.split(".")) if not p.isdigit()]]
    for name in names:
        if name in fields:
            return fields[name][language]
    return field


def _shown(value: Any) -> str | None:
    if isinstance(value, str):
        return value if len(value) <= _INPUT_SHOWN else value[: _INPUT_SHOWN - 1] + "…"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _legacy(error: Any, field: str) -> tuple[str, str]:
    """The field and message as the API has always worded them."""
    message = str(error.get("msg", "invalid"))
    message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    kind = error.get("type")
    if kind == "json_invalid":
        return "body", "malformed JSON: " + str(error.get("ctx", {}).get("error", message))
    if kind == "missing":
        return field, "field required"
    return field, message


def translate(error: Any) -> Problem:
    """One pydantic error (a dict of `errors()`) as a Problem."""
    kind = str(error.get("type", _FALLBACK))
    field, message = _legacy(error, _field(tuple(error.get("loc", ()))))
    inputs = catalogue()["input"]
    code = kind if kind in inputs else _FALLBACK
    context = {k: v for k, v in dict(error.get("ctx") or {}).items() if k != "error"}
    shown = _shown(error.get("input"))
    if shown is not None:
        context.setdefault("input", shown)
    texts: dict[str, str] = {}
    for language in LANGUAGES:
        template = inputs[code][language]
        if not placeholders(template) <= context.keys():  # errors() without their context
            template = inputs[_FALLBACK][language]
        said = fill(template, context)
        texts[language] = said if field == "body" else f"{label(field, language)}: {said}"
    return Problem(field=field, code=kind, message=message, texts=texts)


def problems(errors: Sequence[Any]) -> list[Problem]:
    return [translate(error) for error in errors]


def legacy_summary(found: Sequence[Problem]) -> str:
    """The API's `detail`: "field: message; …"."""
    return "; ".join(f"{p.field}: {p.message}" for p in found)


def summary(found: Sequence[Problem], language: str) -> str:
    """All problems in a language, one sentence after the other."""
    return "; ".join(p.text(language) for p in found)
