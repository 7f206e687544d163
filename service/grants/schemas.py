"""The grant notice's bodies. The rules between fields (the period's order, the notice
before the period, the amount within the eligible costs) are checked here; the minimum
grant depends on the engagement's KRL version and is checked by the service."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from service.core.input_errors import problem
from service.core.validation import NAME_PATTERN, PlanDate, Reason, _name, _string, number

MAX_EUR = 1_000_000_000.0

Reference = Annotated[
    str,
    Field(max_length=100),
    AfterValidator(_name),
    _string(100, NAME_PATTERN, description="the Förderkennzeichen, e.g. 67K12345"),
]
Euro = Annotated[
    float,
    Field(ge=0, le=MAX_EUR, allow_inf_nan=False),
    BeforeValidator(number),
]
# the funding rates per KRL version are UNVERIFIED in the research: no rule beyond 0..100
RatePercent = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False), BeforeValidator(number)]


class GrantPut(BaseModel):
    """The grant notice (Zuwendungsbescheid) as the Projektträger issued it. `reason` is
    required when a grant is already recorded (a change, e.g. an extension)."""

    model_config = ConfigDict(extra="forbid")

    funding_reference: Reference
    notice_date: PlanDate
    period_start: PlanDate
    period_end: PlanDate
    eligible_costs: Euro
    grant_amount: Euro
    funding_rate_percent: RatePercent
    reason: Reason | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.period_end < self.period_start:
            raise problem("period_order")
        if self.notice_date > self.period_start:
            raise problem("notice_after_period_start")
        if self.grant_amount > self.eligible_costs:
            raise problem("grant_above_costs")
        return self


class GrantPublic(BaseModel):
    funding_reference: str
    notice_date: date
    period_start: date
    period_end: date
    eligible_costs: float
    grant_amount: float
    funding_rate_percent: float
    created_at: datetime
    updated_at: datetime
