"""The words of the history (engagements/history.py): one entry as a line a person reads,
in German or English, made when the history is read: the stage labels of the engagement's
process, local times, German dates and numbers, labels instead of field names and codes.
The texts are in `templates/i18n/<lang>/history.json`."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from service.core import translations
from service.core.context import Context
from service.engagements.models import Engagement, HistoryEntry


def details_of(entry: HistoryEntry) -> dict[str, Any]:
    if not entry.details:
        return {}
    try:
        loaded = json.loads(entry.details)
    except ValueError:  # never written so; an old row stays readable by its note
        return {}
    return loaded if isinstance(loaded, dict) else {}


@dataclass(frozen=True)
class Words:
    """What a summary needs in one language: the words, the labels of the engagement's
    process (stages of any of its versions: an entry may predate a migration) and the
    local time zone."""

    lang: translations.Language
    stage: Callable[[str | None], str]
    step: Callable[[str | None], str]
    process_title: Callable[[str, int | None], str]
    tz: ZoneInfo

    @classmethod
    def of(cls, ctx: Context, engagement: Engagement, code: str, tz: ZoneInfo) -> Words:
        versions = sorted(
            ctx.registry.versions(engagement.process),
            key=lambda p: p.version != engagement.process_version,  # its own version first
        )

        def stage(name: str | None) -> str:
            for process in versions:
                if name and process.has_stage(name):
                    return process.stage(name).label(code)
            return name or "–"

        def step(trigger: str | None) -> str:
            for process in versions:
                if trigger and trigger in process.triggers:
                    return process.step_label(trigger, code)
            return trigger or ""

        def process_title(name: str, version: int | None) -> str:
            title = name
            if ctx.registry.knows(name):
                title = ctx.registry.latest(name).title(code)
            return title if version is None else f"{title} ({w('hist_version', code)} {version})"

        return cls(translations.language(code), stage, step, process_title, tz)

    def word(self, key: str, **values: Any) -> str:
        text = self.lang.words.get(key, key)
        return text.format(**values) if values else text

    def label(self, field: str) -> str:
        return self.lang.words.get(f"hist_field_{field}", field.replace("_", " "))

    def value(self, field: str, value: Any) -> str:
        """A field's value as a person reads it: local times, German dates and numbers,
        labels instead of codes."""
        if value is None or value == "":
            return "–"
        de = self.lang.code == "de"
        words = self.lang.words
        if isinstance(value, bool):
            return self.word("hist_yes" if value else "hist_no")
        if field in _TIMES:
            return self.moment(value)
        if field in _DATES:
            return self.day(value)
        if field in _MONEY:
            return _money(float(value), de)
        if field in _PERCENT:
            return _number(float(value), de) + (" %" if de else "%")
        if field == "days":
            return _number(float(value), de)
        prefix = _CODED.get(field)
        if prefix is not None:
            return words.get(prefix + str(value), str(value))
        if field in ("action_area", "focus_field"):
            return self.lang.action_areas.get(str(value), str(value))
        if field == "applicant_type":
            return self.lang.applicant_types.get(str(value), str(value))
        return str(value)

    def moment(self, value: str | datetime) -> str:
        """'Di, 12. Mai 2026, 14:00 Uhr' / 'Tue, 12 May 2026, 14:00' (local time)."""
        at = _aware(value).astimezone(self.tz)
        month = self.lang.months[at.month - 1]
        if self.lang.code == "de":
            weekday = self.lang.weekdays[at.weekday()][:2]
            return f"{weekday}, {at.day}. {month} {at.year}, {at:%H:%M} Uhr"
        weekday = self.lang.weekdays[at.weekday()][:3]
        return f"{weekday}, {at.day} {month} {at.year}, {at:%H:%M}"

    def day(self, value: str | date) -> str:
        """'20.03.2026' / '20 March 2026'; a time counts by its local day."""
        if isinstance(value, str):
            value = _aware(value).astimezone(self.tz) if "T" in value else date.fromisoformat(value)
        if isinstance(value, datetime):
            value = value.astimezone(self.tz).date()
        if self.lang.code == "de":
            return f"{value:%d.%m.%Y}"
        return f"{value.day} {self.lang.months[value.month - 1]} {value.year}"

    def changes(self, fields: Mapping[str, Mapping[str, Any]], added: bool = False) -> str:
        """'Status: geplant → in Umsetzung; Fortschritt: 0 % → 40 %'; what was added
        (nothing before): 'Förderkennzeichen 67K12345; Zuwendung 27.000,00 €'."""
        if added:
            return "; ".join(
                f"{self.label(f)} {self.value(f, c.get('after'))}" for f, c in fields.items()
            )
        return "; ".join(
            f"{self.label(f)}: {self.value(f, c.get('before'))} → {self.value(f, c.get('after'))}"
            for f, c in fields.items()
        )


def w(key: str, code: str) -> str:
    return translations.language(code).words.get(key, key)


_TIMES = frozenset({"starts_at", "ends_at"})
_DATES = frozenset(
    {"stage_due_at", "date", "notice_date", "period_start", "period_end", "planned_start",
     "planned_end"}
)  # fmt: skip
_MONEY = frozenset({"eligible_costs", "grant_amount"})
_PERCENT = frozenset({"progress_percent", "funding_rate_percent", "municipal_share_percent"})
_CODED = {
    "status": "status_",
    "kind": "record_kind_",
    "mode": "consulting_mode_",
    "language": "hist_language_",
    "salutation": "lt_salutation_",
    "response": "hist_response_",
}


def _aware(value: str | datetime) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _number(value: float, de: bool) -> str:
    text = f"{value:g}"
    return text.replace(".", ",") if de else text


def _money(amount: float, de: bool) -> str:
    text = f"{amount:,.2f}"
    if de:
        return text.replace(",", "_").replace(".", ",").replace("_", ".") + " €"
    return f"€{text}"


def summary(entry: HistoryEntry, words: Words) -> str:
    """One line saying what the entry records, in `words`' language."""
    details = details_of(entry)
    fields: dict[str, dict[str, Any]] = details.get("fields") or {}
    name = details.get("name")
    say = words.word
    key = f"hist_{entry.subject}_{entry.action}"
    if entry.kind == "transition" and entry.action != "migrated":
        return say(
            "hist_engagement_transition",
            step=words.step(entry.trigger),
            before=words.stage(entry.from_state),
            after=words.stage(entry.to_state),
        )
    if entry.action == "migrated":
        source, target = details.get("from") or {}, details.get("to") or {}
        if not source or not target:
            return say("hist_engagement_migrated_old", note=entry.note or "")
        text = say(
            "hist_engagement_migrated",
            before=words.process_title(source["process"], source.get("version")),
            after=words.process_title(target["process"], target.get("version")),
        )
        if entry.from_state != entry.to_state:
            text += "; " + say(
                "hist_stage_renamed",
                before=words.stage(entry.from_state),
                after=words.stage(entry.to_state),
            )
        return text
    if entry.subject == "engagement" and entry.action == "deadline":
        change = fields.get("stage_due_at") or {}
        after, before = change.get("after"), change.get("before")
        if after is None:
            return say("hist_engagement_deadline_old")
        later = before is None or _aware(after) >= _aware(before)
        direction = "set" if before is None else "extended" if later else "earlier"
        text = say(f"hist_engagement_deadline_{direction}", date=words.day(after))
        return f"{text}: {entry.note}" if entry.note else text
    if entry.subject == "engagement" and entry.action == "follow_up":
        other = details.get("engagement_id")
        if other is None:
            return say("hist_engagement_follow_up_old")
        return say(
            f"hist_engagement_follow_up_{details.get('direction', 'successor')}",
            process=words.process_title(str(details.get("process")), None),
            id=details.get("file_number") or other,
        )
    if not details and entry.action in ("added", "changed"):  # before 0005: the note says it
        return (
            say(f"hist_{entry.subject}_old")
            if f"hist_{entry.subject}_old" in words.lang.words
            else say("hist_change")
        )
    if entry.subject == "engagement" and entry.action == "changed" and fields:
        return words.changes(fields)
    if entry.subject == "grant" and fields:
        return say(key, changes=words.changes(fields, added=entry.action == "added"))
    if entry.subject == "workshop" and entry.action == "rescheduled":
        moved = fields.get("starts_at") or {}
        text = say(key, name=name, when=words.value("starts_at", moved.get("after")))
        rest = {f: c for f, c in fields.items() if f not in ("starts_at", "ends_at")}
        return f"{text}; {words.changes(rest)}" if rest else text
    if entry.subject == "invitation" and entry.action == "answered":
        person = details.get("participant") or say("hist_someone")
        return say(f"{key}_{details.get('response')}", person=person, name=name)
    if entry.subject == "participant" and name is None and entry.action != "removed":
        key += "_erased"
    values = {
        "name": name,
        "count": details.get("count"),
        "when": words.value("starts_at", details.get("starts_at")),
        "kind": words.value("kind", details.get("kind")),
        "date": words.value("date", details.get("date")),
        "days": words.value("days", details.get("days")),
        "mode": words.value("mode", details.get("mode")),
        "consultant": details.get("consultant"),
        "changes": words.changes(fields),
    }
    if key not in words.lang.words:  # an old row of a kind the words do not know
        return entry.note or say("hist_change")
    text = say(key, **values)
    for extra in ("reference", "file"):
        if details.get(extra):
            text += say(f"hist_with_{extra}", value=details[extra])
    return text
