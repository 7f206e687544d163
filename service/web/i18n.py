"""The dashboard's language: German by default; English is the switch (`?lang=en`,
remembered in a cookie). The words themselves are data (`templates/i18n/*.json`, read by
service/core/translations.py); stage and step labels come from the process definition."""

from __future__ import annotations

from fastapi import Request

from service.core.translations import DEFAULT, LANGUAGES
from service.core.translations import language as words_of

__all__ = ["APPLICANTS", "AREAS", "DEFAULT", "LANGUAGES", "STRINGS", "language"]

COOKIE = "fokus_lang"

STRINGS: dict[str, dict[str, str]] = {code: words_of(code).words for code in LANGUAGES}
AREAS: dict[str, dict[str, str]] = {code: words_of(code).action_areas for code in LANGUAGES}
APPLICANTS: dict[str, dict[str, str]] = {code: words_of(code).applicant_types for code in LANGUAGES}


def language(request: Request) -> str:
    """`?lang=` first, then the cookie, then German."""
    wanted = request.query_params.get("lang")
    if wanted in LANGUAGES:
        return wanted
    remembered = request.cookies.get(COOKIE)
    return remembered if remembered in LANGUAGES else DEFAULT
