"""Guards the programme's processes share (Fokusberatung version 2, Klimaschutzmanagement):
evidence recorded, the grant notice, workshops and measures inside the funding period,
the consulting-day budget. Each reads named facts the service loads
(service/engagements/facts.py)."""

from __future__ import annotations

from workflows.definition import Guard, at_least
from workflows.programme import CONSULTING_BUDGET_DAYS


def recorded(kind: str, *, name: str, reason_de: str, reason_en: str) -> Guard:
    """A piece of evidence (service: records) of this kind must exist."""
    return at_least(f"record_{kind}", 1, name=name, reason_de=reason_de, reason_en=reason_en)


GRANT_RECORDED = at_least(
    "grant_recorded",
    1,
    name="grant_recorded",
    reason_de="Erst muss der Zuwendungsbescheid erfasst sein (Förderkennzeichen, Datum, "
    "Bewilligungszeitraum, Betrag).",
    reason_en="the grant notice must be recorded first (reference, date, funding period, amount)",
)
CONSULTANT_CONTRACT = recorded(
    "consultant_contract",
    name="consultant_contract_recorded",
    reason_de="Erst muss der Vertrag mit dem Beratungsunternehmen erfasst sein.",
    reason_en="the contract with the consultancy must be recorded first",
)
STOCKTAKING = recorded(
    "stocktaking",
    name="stocktaking_recorded",
    reason_de="Erst muss die Bestandsaufnahme vor Ort erfasst sein.",
    reason_en="the on-site stock-taking must be recorded first",
)
WORKSHOP_IN_PERIOD = at_least(
    "workshops_ended_in_period",
    1,
    name="workshop_in_period",
    reason_de="Erst muss mindestens ein Workshop im Bewilligungszeitraum stattgefunden haben.",
    reason_en="at least one workshop must have ended inside the funding period first",
)
FIVE_MEASURES = at_least(
    "measures_not_failed",
    5,
    name="five_measures",
    reason_de="Erst müssen mindestens 5 Maßnahmen erfasst sein (gescheiterte zählen nicht).",
    reason_en="at least 5 measures must be recorded first (failed ones do not count)",
)
RESOLUTION = recorded(
    "resolution",
    name="resolution_recorded",
    reason_de="Erst muss der Beschluss des Gremiums erfasst sein.",
    reason_en="the council's resolution must be recorded first",
)
NOTE_GIVEN = at_least(
    "note_given",
    1,
    name="note_given",
    reason_de="Bitte begründen Sie in der Notiz, warum kein Beschluss gefasst wird.",
    reason_en="give the reason why there is no resolution in the note",
)
MEASURE_STARTED_IN_PERIOD = at_least(
    "measures_started_in_period",
    1,
    name="measure_started_in_period",
    reason_de="Erst muss mindestens 1 Maßnahme im Bewilligungszeitraum begonnen haben "
    "(Klimaanpassung zählt nicht).",
    reason_en="at least 1 measure must have started inside the funding period first "
    "(adaptation does not count)",
)
WITHIN_BUDGET = Guard(
    name="consulting_days_within_budget",
    reason_de=f"Es dürfen höchstens {CONSULTING_BUDGET_DAYS:g} Beratertage abgerechnet werden.",
    reason_en=f"at most {CONSULTING_BUDGET_DAYS:g} consulting days may be spent",
    facts=("consulting_days_total",),
    check=lambda f: float(f["consulting_days_total"] or 0) <= CONSULTING_BUDGET_DAYS,
)
HALF_DIRECT = Guard(
    name="half_in_direct_contact",
    reason_de="Mindestens die Hälfte der Beratertage muss in direktem Kontakt stattfinden "
    "(vor Ort; ab KRL 2022 auch digital).",
    reason_en="at least half of the consulting days must be in direct contact "
    "(on site; from KRL 2022 on site or digital)",
    facts=("consulting_days_total", "consulting_direct_days"),
    check=lambda f: (
        2 * float(f["consulting_direct_days"] or 0) >= float(f["consulting_days_total"] or 0)
    ),
)
PROOF_OF_USE = recorded(
    "proof_of_use",
    name="proof_of_use_recorded",
    reason_de="Erst muss der Verwendungsnachweis erfasst sein.",
    reason_en="the proof of use (Verwendungsnachweis) must be recorded first",
)
