"""The dashboard's language: German by default; English is the switch (`?lang=en`,
remembered in a cookie; service/http/pages.py reads and sets it, for the RSVP page too).
The words themselves are data (`templates/i18n/*.json`, read by
service/core/translations.py); stage and step labels come from the process definition."""

from __future__ import annotations

from service.core.translations import DEFAULT, LANGUAGES
from service.core.translations import language as words_of
from service.http.pages import COOKIE, language

__all__ = ["APPLICANTS", "AREAS", "COOKIE", "DEFAULT", "LANGUAGES", "STRINGS", "language"]

STRINGS: dict[str, dict[str, str]] = {code: words_of(code).words for code in LANGUAGES}
AREAS: dict[str, dict[str, str]] = {code: words_of(code).action_areas for code in LANGUAGES}
APPLICANTS: dict[str, dict[str, str]] = {code: words_of(code).applicant_types for code in LANGUAGES}
