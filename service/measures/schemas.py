from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from service.validation import Name, OptionalName, Text


class ActionArea(StrEnum):
    municipal_buildings = "municipal_buildings"
    mobility = "mobility"
    energy_supply = "energy_supply"
    households = "households"
    business = "business"
    public_outreach = "public_outreach"
    adaptation = "adaptation"
    other = "other"


class MeasureStatus(StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    completed = "completed"
    delayed = "delayed"
    failed = "failed"


PlanDate = Annotated[date, Field(ge=date(1970, 1, 1), le=date(2200, 1, 1))]


class MeasureCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Name
    action_area: ActionArea
    description: Text | None = None
    responsible: OptionalName | None = None
    planned_start: PlanDate | None = None
    planned_end: PlanDate | None = None

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.planned_start and self.planned_end and self.planned_end < self.planned_start:
            raise ValueError("planned_end must not be before planned_start")
        return self


class MeasureUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: MeasureStatus | None = None
    progress_percent: Annotated[int, Field(ge=0, le=100)] | None = None

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.status is None and self.progress_percent is None:
            raise ValueError("send status and/or progress_percent")
        return self


class MeasurePublic(BaseModel):
    id: int
    engagement_id: int
    title: str
    action_area: str
    description: str | None
    responsible: str | None
    planned_start: date | None
    planned_end: date | None
    status: str
    progress_percent: int
    created_at: datetime
    updated_at: datetime
