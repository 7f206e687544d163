from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from service.core.validation import Name, PlanDate, Reason, number
from workflows.programme import CONSULTING_BUDGET_DAYS


class ConsultingMode(StrEnum):
    on_site = "on_site"
    digital = "digital"
    desk = "desk"


# half-day steps, more than nothing, at most the whole budget in one entry
Days = Annotated[
    float,
    Field(gt=0, le=CONSULTING_BUDGET_DAYS, multiple_of=0.5, allow_inf_nan=False),
    BeforeValidator(number),
]


class ConsultingDayCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: PlanDate
    days: Days
    mode: ConsultingMode = Field(
        description="on_site | digital | desk; direct contact is on_site, from KRL 2022 digital too"
    )
    consultant: Name
    activity: Reason


class ConsultingDayPublic(BaseModel):
    id: int
    engagement_id: int
    date: date
    days: float
    mode: str
    direct: bool = Field(description="counts as direct contact under the engagement's KRL")
    consultant: str
    activity: str
    actor: str
    created_at: datetime


class ConsultingLedger(BaseModel):
    items: list[ConsultingDayPublic]
    total_days: float
    direct_days: float
    budget_days: float | None = Field(
        description="the programme's budget (20 for a Fokusberatung); null: the process has none"
    )
