"""The engagement API's bodies. Each request schema declares in JSON Schema what its
validators check (service/core/validation.py), including the rules between fields where JSON
Schema can say them (`if`/`then`, `anyOf`), so the OpenAPI document is the contract."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from service.core.input_errors import problem
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
from service.engagements import eligibility
from service.grants.schemas import GrantPublic
from service.measures.schemas import ActionArea
from workflows import programme
from workflows.calendar import FEDERAL_STATES
from workflows.registry import default_registry

FederalState = StrEnum("FederalState", {code: code for code in FEDERAL_STATES})  # type: ignore[misc]


class ApplicantType(StrEnum):
    municipality = "municipality"
    municipal_company = "municipal_company"
    education = "education"
    religious_community = "religious_community"
    youth_welfare = "youth_welfare"
    # from the KRL 2022 on (workflows/programme.py APPLICANT_TYPES_2022)
    special_purpose_association = "special_purpose_association"
    health = "health"
    culture = "culture"
    care = "care"
    nonprofit_association = "nonprofit_association"


MIN_MUNICIPAL_SHARE = programme.MIN_MUNICIPAL_SHARE_PERCENT
Language = Literal["de", "en"]
KrlVersion = Literal["2020", "2022", "2024"]
Variant = Literal["einstieg", "fokus"]
OperatorKind = Literal["public", "nonprofit", "religious"]
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


class EngagementCreate(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra=eligibility.json_schema)

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
    # the programme's rules (issue 11): None takes the version in force on the application
    # date (today); variant and focus_field only for a process with variants
    krl_version: KrlVersion | None = Field(
        default=None, description="the Kommunalrichtlinie that applies; default: today's"
    )
    variant: Variant | None = Field(
        default=None, description="fokusberatung from version 2: einstieg (default) | fokus"
    )
    focus_field: ActionArea | None = Field(
        default=None, description="the field of action of variant fokus (required there)"
    )
    has_integrated_concept: Annotated[bool, Field(strict=True)] = False
    operator_kind: OperatorKind | None = Field(
        default=None,
        description="who runs the institution; required for "
        + ", ".join(programme.NEEDS_OPERATOR_KIND),
    )
    public_corporation_status: Annotated[bool, Field(strict=True)] | None = Field(
        default=None, description="Körperschaftsstatus; must be true for religious_community"
    )
    firm: OptionalName | None = Field(
        default=None,
        description="the consultancy (tenant) that runs it; an admin or staff without a "
        "firm may name one, staff of a firm always get their own (another: 422)",
    )

    @model_validator(mode="after")
    def _eligibility(self) -> Self:
        """KRL 5.1: companies need at least 25 % municipal ownership (a Zweckverband is
        municipal by nature); institutions name their operator; a religious community is a
        public corporation. KRL 4.1.1: the variant fokus names its field of action; an
        integrated climate concept rules out the entry consultation: that rule, and those
        that need the process or today's date, are checked in service.create."""
        kind = self.applicant_type.value
        if kind == ApplicantType.municipal_company:
            if self.municipal_share_percent is None:
                raise problem("municipal_share_required")
            if self.municipal_share_percent < MIN_MUNICIPAL_SHARE:
                share = self.municipal_share_percent
                raise problem(
                    "municipal_share_too_low",
                    share_en=share,
                    share_de=f"{share:g}".replace(".", ","),
                )
        if kind in programme.NEEDS_OPERATOR_KIND and self.operator_kind is None:
            raise problem("operator_kind_required", applicant_type_en=kind)
        if kind == ApplicantType.religious_community and self.public_corporation_status is not True:
            raise problem("corporation_status_required")
        if self.variant == "fokus" and self.focus_field is None:
            raise problem("focus_field_required")
        if self.variant != "fokus" and self.focus_field is not None:
            raise problem("focus_field_only_fokus")
        return self


def _something_to_change(schema: dict[str, Any]) -> None:
    not_null("contact_name", "contact_email", "public")(schema)
    fields = ("owner", "contact_name", "contact_email", "public", "vision_summary", "firm")
    schema["anyOf"] = [{"required": [f]} for f in fields]


class EngagementUpdate(Strict):
    """At least one of owner, contact_name, contact_email, public, vision_summary; owner
    null clears it. `public` opens or closes the public progress page; `vision_summary`
    is the guiding vision as the municipality wants it shown there (null clears it)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_something_to_change)

    owner: OptionalName | None = None
    contact_name: Name | None = None
    contact_email: Email | None = None
    public: Annotated[bool, Field(strict=True)] | None = None
    vision_summary: Text | None = None
    # admin only (403 for anyone else): moves the engagement to another firm (null: none)
    firm: OptionalName | None = None
    expected_version: Version | None = None

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not self.model_fields_set - {"expected_version"}:
            raise problem(
                "nothing_to_change",
                fields_en="owner, contact_name, contact_email, public, vision_summary, firm",
                fields_de="Zuständig, Ansprechperson, E-Mail-Adresse der Ansprechperson, "
                "öffentliche Seite, Leitbild-Zusammenfassung, Firma",
            )
        if "public" in self.model_fields_set and self.public is None:
            raise problem("null_not_allowed_field", field_en="public", field_de="öffentliche Seite")
        if "contact_name" in self.model_fields_set and self.contact_name is None:
            raise problem(
                "null_not_allowed_field", field_en="contact_name", field_de="Ansprechperson"
            )
        if "contact_email" in self.model_fields_set and self.contact_email is None:
            raise problem(
                "null_not_allowed_field",
                field_en="contact_email",
                field_de="E-Mail-Adresse der Ansprechperson",
            )
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


class FollowUpRequest(Strict):
    """The process a completed engagement is followed up with."""

    process: Literal["klimaschutzmanagement"]


class DeadlineRequest(Strict):
    due_at: LocalDateTime
    reason: Reason
    expected_version: Version | None = None


class EngagementPublic(BaseModel):
    id: int
    # the Aktenzeichen: process prefix, year of creation, id ("FB-2026-0042"); stable
    file_number: str | None = None
    municipality: str
    applicant_type: str
    federal_state: str
    municipal_share_percent: float | None
    contact_name: str
    contact_email: str
    language: str
    process: str
    process_version: int
    krl_version: str
    variant: str | None
    focus_field: str | None
    has_integrated_concept: bool
    operator_kind: str | None
    public_corporation_status: bool | None
    predecessor_id: int | None  # the Fokusberatung a Klimaschutzmanagement follows up
    firm: str | None = None  # the consultancy (tenant) that runs it
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
    grant: GrantPublic | None = None  # the grant notice, once recorded (PUT …/grant)
    public: bool = False  # the public progress page is open (PATCH public)
    public_url: str | None = None  # its address while public
    vision_summary: str | None = None
    allowed_triggers: list[str]
    created_at: datetime
    updated_at: datetime


class EngagementPage(BaseModel):
    items: list[EngagementPublic]
    total: int


class HistoryPublic(BaseModel):
    """One entry of the history (engagements.history): `kind` transition (a stage change,
    a move to another process version) or change (everything else); what changed as data
    (`subject`, `subject_id`, `action`, `details`) and in words (`summary_de`, `summary_en`)."""

    kind: Literal["transition", "change"]
    subject: str = "engagement"
    subject_id: int | None = None
    action: str = "changed"
    from_state: str | None
    to_state: str | None
    trigger: str | None
    actor: str
    note: str | None
    details: dict[str, Any] | None = None
    summary_de: str
    summary_en: str
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
    # what is overdue: the stage deadline, or a milestone (then `stage_due_at` is the
    # milestone's due date and `milestone` its name)
    reason: Literal["stage", "milestone"] = "stage"
    milestone: str | None = None


class MilestonePublic(BaseModel):
    name: str
    label_de: str
    label_en: str
    due_at: datetime | None  # None while the date it is anchored to is not known yet
    done_at: datetime | None
    overdue: bool
