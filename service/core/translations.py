"""Every word a person sees, from data files per language (`templates/i18n/de.json`,
`en.json`, plus the words of one part of the product each in `templates/i18n/de/*.json` and
`templates/i18n/en/*.json`), so translators edit data, not Python. German is the default everywhere;
stage, step and guard texts come from the process definitions instead."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from service.core.paths import templates_dir

LANGUAGES = ("de", "en")
DEFAULT = "de"


@dataclass(frozen=True)
class Language:
    code: str
    words: dict[str, str]
    action_areas: dict[str, str]
    applicant_types: dict[str, str]
    weekdays: tuple[str, ...]
    months: tuple[str, ...]
    staff_name: str

    def long_date(self, day: date | datetime) -> str:
        """'Dienstag, 10. März 2026' / 'Tuesday, 10 March 2026'."""
        weekday, month = self.weekdays[day.weekday()], self.months[day.month - 1]
        if self.code == "de":
            return f"{weekday}, {day.day}. {month} {day.year}"
        return f"{weekday}, {day.day} {month} {day.year}"


@cache
def language(code: str) -> Language:
    """The words of `code` (an unknown code gets German)."""
    code = code if code in LANGUAGES else DEFAULT
    raw: dict[str, Any] = json.loads(
        (templates_dir() / "i18n" / f"{code}.json").read_text(encoding="utf-8")
    )
    words = dict(raw["words"])
    for part in sorted((templates_dir() / "i18n" / code).glob("*.json")):
        extra: dict[str, str] = json.loads(part.read_text(encoding="utf-8"))
        twice = sorted(words.keys() & extra.keys())
        if twice:
            raise ValueError(f"{part}: words defined twice: {', '.join(twice)}")
        words.update(extra)
    return Language(
        code=code,
        words=words,
        action_areas=dict(raw["action_areas"]),
        applicant_types=dict(raw["applicant_types"]),
        weekdays=tuple(raw["weekdays"]),
        months=tuple(raw["months"]),
        staff_name=str(raw["staff_name"]),
    )
