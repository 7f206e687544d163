"""The engagement API's bodies. Each request schema declares in JSON Schema what its
validators check (service/core/validation.py), including the rules between fields where JSON
Schema can say them (`if`/`then`, `anyOf`), so the OpenAPI document is the contract."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from service.core.validation import (
    Email,
    LocalDateTime,
    Name,
    OptionalName,
    Reason,
    Share,
    Text,
    Version,
    not_null,
    number,
)
from workflows.calendar import FEDERAL_STATES
from workflows.registry import default_registry

FederalState = StrEnum("FederalState", {code: code for code in FEDERAL_STATES})  # type: ignore[misc]


class ApplicantType(StrEnum):
    municipality = "municipality"
    municipal_company = "municipal_company"
    education = "education"
    religious_community = "religious_community"
    youth_welfare = "youth_welfare"


MIN_MUNICIPAL_SHARE = 25.0
Language = Literal["de", "en"]


DEFAULT_PROCESS = "fokusberatung"  # FOKUS_DEFAULT_PROCESS as shipped

# the document lists the built-in processes; the service checks against those it runs
ProcessName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=40,
        pattern="^[a-z][a-z0-9_]*$",
        json_schema_extra={"enum": default_registry().names()},
    ),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _versions_of(versions: list[int]) -> dict[str, Any]:
    return {"properties": {"process_version": {"enum": [None, *versions]}}}


def _eligibility_schema(schema: dict[str, Any]) -> None:
    """JSON Schema for `_eligibility` below: a municipal company states its share, >= 25 %;
    and `process_version`, if given, is a version of the chosen (else the default)
    process: the built-in ones, as this document describes the service as shipped."""
    registry = default_registry()
    rules: list[dict[str, Any]] = [
        {
            "if": {
                "properties": {"applicant_type": {"const": ApplicantType.municipal_company.value}},
                "required": ["applicant_type"],
            },
            "then": {
                "properties": {
                    "municipal_share_percent": {"type": "number", "minimum": MIN_MUNICIPAL_SHARE}
                },
                "required": ["municipal_share_percent"],
            },
        }
    ]
    for name in registry.names():
        versions = [p.version for p in registry.versions(name)]
        chosen = {"properties": {"process": {"const": name}}, "required": ["process"]}
        rules.append({"if": chosen, "then": _versions_of(versions)})
    default = DEFAULT_PROCESS
    unnamed = {
        "anyOf": [{"not": {"required": ["process"]}}, {"properties": {"process": {"const": None}}}]
    }
    default_versions = [p.version for p in registry.versions(default)]
    rules.append({"if": unnamed, "then": _versions_of(default_versions)})
    schema["allOf"] = rules


class EngagementCreate(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_eligibility_schema)

    municipality: Name
    applicant_type: ApplicantType
    federal_state: FederalState
    municipal_share_percent: Share | None = Field(
        default=None, description="required for a municipal_company: at least 25"
    )
    contact_name: Name
    contact_email: Email
    owner: OptionalName | None = None
    language: Language = "de"
    # None: FOKUS_DEFAULT_PROCESS, at its latest version
    process: ProcessName | None = None
    process_version: Annotated[int, Field(ge=1, le=10_000), BeforeValidator(number)] | None = None

    @model_validator(mode="after")
    def _eligibility(self) -> Self:
        """PRODUCT.md: companies need at least 25 % municipal ownership."""
        if self.applicant_type == ApplicantType.municipal_company:
            if self.municipal_share_percent is None:
                raise ValueError(
                    "municipal_share_percent is required for applicant_type municipal_company"
                )
            if self.municipal_share_percent < MIN_MUNICIPAL_SHARE:
                raise ValueError(
                    "not eligible: a municipal company needs at least 25 % municipal "
                    f"ownership (got {self.municipal_share_percent:g} %)"
                )
        return self


def _something_to_change(schema: dict[str, Any]) -> None:
    not_null("contact_name", "contact_email")(schema)
    schema["anyOf"] = [{"required": [f]} for f in ("owner", "contact_name", "contact_email")]


class EngagementUpdate(Strict):
    """At least one of owner, contact_name, contact_email; owner null clears it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_something_to_change)

    owner: OptionalName | None = None
    contact_name: Name | None = None
    contact_email: Email | None = None
    expected_version: Version | None = None

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not self.model_fields_set - {"expected_version"}:
            raise ValueError("send at least one of owner, contact_name, contact_email")
        if "contact_name" in self.model_fields_set and self.contact_name is None:
            raise ValueError("contact_name cannot be null")
        if "contact_email" in self.model_fields_set and self.contact_email is None:
            raise ValueError("contact_email cannot be null")
        return self


class TransitionRequest(Strict):
    # the service checks the trigger against the engagement's process and names the known
    # ones; the document lists them, so a client can see which exist
    trigger: Annotated[
        str,
        Field(
            min_length=1,
            max_length=100,
            json_schema_extra={
                "enum": sorted({t for p in default_registry().all() for t in p.triggers})
            },
        ),
    ]
    expected_version: Version | None = None
    note: Text | None = None


class DeadlineRequest(Strict):
    due_at: LocalDateTime
    reason: Reason
    expected_version: Version | None = None


class EngagementPublic(BaseModel):
    id: int
    municipality: str
    applicant_type: str
    federal_state: str
    municipal_share_percent: float | None
    contact_name: str
    contact_email: str
    language: str
    process: str
    process_version: int
    state: str
    version: int
    owner: str | None
    stage_entered_at: datetime
    stage_due_at: datetime | None
    overdue: bool
    # calendar and working days until the stage deadline's day; negative once overdue
    days_left: int | None
    working_days_left: int | None
    funding_ends_at: datetime | None
    funding_days_left: int | None
    allowed_triggers: list[str]
    created_at: datetime
    updated_at: datetime


class EngagementPage(BaseModel):
    items: list[EngagementPublic]
    total: int


class HistoryPublic(BaseModel):
    kind: str
    from_state: str | None
    to_state: str | None
    trigger: str | None
    actor: str
    note: str | None
    at: datetime


class OverdueItem(BaseModel):
    id: int
    municipality: str
    federal_state: str
    process: str
    state: str
    stage_due_at: datetime
    days_overdue: int
    working_days_overdue: int
    owner: str | None


class MilestonePublic(BaseModel):
    name: str
    label_de: str
    label_en: str
    due_at: datetime | None  # None while the date it is anchored to is not known yet
    done_at: datetime | None
    overdue: bool
