from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from service.validation import Email, Name, OptionalName, Text, Version
from workflows.calendar import FEDERAL_STATES

FederalState = StrEnum("FederalState", {code: code for code in FEDERAL_STATES})  # type: ignore[misc]


class ApplicantType(StrEnum):
    municipality = "municipality"
    municipal_company = "municipal_company"
    education = "education"
    religious_community = "religious_community"
    youth_welfare = "youth_welfare"


MIN_MUNICIPAL_SHARE = 25.0


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EngagementCreate(Strict):
    municipality: Name
    applicant_type: ApplicantType
    federal_state: FederalState  # type: ignore[valid-type]
    municipal_share_percent: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] | None = (
        None
    )
    contact_name: Name
    contact_email: Email
    owner: OptionalName | None = None
    language: Annotated[str, Field(pattern="^(de|en)$")] = "de"

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


class EngagementUpdate(Strict):
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
    trigger: Annotated[str, Field(min_length=1, max_length=100)]
    expected_version: Version | None = None
    note: Text | None = None


class DeadlineRequest(Strict):
    due_at: datetime
    reason: Annotated[Text, Field(min_length=1)]
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
    state: str
    stage_due_at: datetime
    days_overdue: int
    working_days_overdue: int
    owner: str | None
