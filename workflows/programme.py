"""The Kommunalrichtlinie's rules that change with its version, as data.

Each value names the kind of its source: [R] the Richtlinie's own text,
[P] the programme's pages, [S] secondary sources. Values the research could not verify
are not here: they are settings with the researched default (proof-of-use months, the
follow-on lead time outside KRL 2022, funding rates)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

KRL_VERSIONS = ("2020", "2022", "2024")

# applicant types of KRL 5.1: the first five since 2020, the rest added by the KRL 2022 [R]
APPLICANT_TYPES_2020 = (
    "municipality",
    "municipal_company",
    "education",
    "religious_community",
    "youth_welfare",
)
APPLICANT_TYPES_2022 = (
    *APPLICANT_TYPES_2020,
    "special_purpose_association",
    "health",
    "culture",
    "care",
    "nonprofit_association",
)
# institutions that must say who runs them (public, non-profit or religious operator)
NEEDS_OPERATOR_KIND = ("education", "health", "culture", "care", "youth_welfare")
OPERATOR_KINDS = ("public", "nonprofit", "religious")
# a municipal company needs this municipal share; a Zweckverband is municipal by nature
MIN_MUNICIPAL_SHARE_PERCENT = 25.0

CONSULTING_BUDGET_DAYS = 20.0  # KRL 4.1.1: "im Umfang von bis zu 20 Tagen" [R]
CONSULTING_MODES = ("on_site", "digital", "desk")
RECORD_KINDS = (
    "consultant_contract",
    "stocktaking",
    "resolution",
    "final_report",
    "proof_of_use",
    "manager_hired",
    "concept_draft",
    "concept_final",
    "follow_on_application",
)


@dataclass(frozen=True)
class KrlRules:
    version: str
    in_force_from: date  # applications from this day follow this version [R 10]
    applicant_types: tuple[str, ...]
    min_grant_eur: float  # 5 000 € until the KRL 2024, 10 000 € since [R; S3]
    # consulting days "in direkter Kommunikation": on site (2020), or digital too (2022) [R]
    direct_modes: tuple[str, ...]
    # the follow-on application of a Klimaschutzmanagement, months before the end:
    # 6 in the KRL 2022 text [R 4.1.8 b]; None: FOKUS_FOLLOW_ON_LEAD_MONTHS (5 [P S10])
    follow_on_lead_months: int | None


RULES: dict[str, KrlRules] = {
    "2020": KrlRules("2020", date(2020, 8, 1), APPLICANT_TYPES_2020, 5_000.0, ("on_site",), None),
    "2022": KrlRules(
        "2022", date(2022, 1, 1), APPLICANT_TYPES_2022, 5_000.0, ("on_site", "digital"), 6
    ),
    "2024": KrlRules(
        "2024", date(2025, 2, 1), APPLICANT_TYPES_2022, 10_000.0, ("on_site", "digital"), None
    ),
}


def krl_version_on(day: date) -> str:
    """The version an application made on `day` follows."""
    current = "2020"
    for version in KRL_VERSIONS:
        if day >= RULES[version].in_force_from:
            current = version
    return current
