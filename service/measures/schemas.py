from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, model_validator

from service.core.input_errors import problem
from service.core.validation import Name, OptionalName, Percent, PlanDate, Text


class ActionArea(StrEnum):
    municipal_buildings = "municipal_buildings"
    mobility = "mobility"
    energy_supply = "energy_supply"
    households = "households"
    business = "business"
    public_outreach = "public_outreach"
    adaptation = "adaptation"
    other = "other"
    # the fields of action of the Kommunalrichtlinie (issue 11)
    procurement = "procurement"
    spatial_planning = "spatial_planning"
    street_lighting = "street_lighting"
    waste = "waste"
    water_wastewater = "water_wastewater"
    heat = "heat"
    it_datacentres = "it_datacentres"
    finance_investments = "finance_investments"


class MeasureStatus(StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    completed = "completed"
    delayed = "delayed"
    failed = "failed"


class MeasureCreate(BaseModel):
    """planned_end, when given with planned_start, must not be before it (422)."""

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
            raise problem("planned_order")
        return self


def _status_or_progress(schema: dict[str, Any]) -> None:
    """JSON Schema for `_something`: status or progress_percent, not null (null alone
    leaves the other unchanged)."""
    schema["anyOf"] = [
        {"required": ["status"], "properties": {"status": {"type": "string"}}},
        {"required": ["progress_percent"], "properties": {"progress_percent": {"type": "integer"}}},
    ]


class MeasureUpdate(BaseModel):
    """status and/or progress_percent; a null one is left as it is."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_status_or_progress)

    status: MeasureStatus | None = None
    progress_percent: Percent | None = None

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.status is None and self.progress_percent is None:
            raise problem("nothing_to_change_measure")
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
    started_at: datetime | None  # when it first went in_progress; kept afterwards
    created_at: datetime
    updated_at: datetime
