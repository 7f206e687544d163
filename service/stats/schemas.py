"""The answer of GET /api/v1/stats. The first four fields are the contract's; the rest
are what the /stats page shows besides."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ConsultingShare(BaseModel):
    """How many engagements have used this share of their consulting-day budget."""

    share: str = Field(description="'0', '1-24', '25-49', '50-74', '75-99' or '100' (percent)")
    engagements: int


class ConsultingUse(BaseModel):
    """Consulting days of the running engagements whose process has a day budget (the
    Fokusberatung's 20 days, KRL 4.1.1) and whose funding period has started."""

    engagements: int
    used_days: float
    budget_days: float
    by_share: list[ConsultingShare]


class TrendPoint(BaseModel):
    week: str = Field(description="ISO week, e.g. '2026-W09'")
    at: datetime = Field(description="the end of that week (for the current week: now)")
    overdue: int


class StatsPublic(BaseModel):
    by_process: dict[str, dict[str, int]] = Field(
        description="engagements per process and stage (every stage of the latest version, "
        "then any other stage engagements are in)"
    )
    overdue: int = Field(description="engagements past their stage deadline now")
    funding_ending_90_days: int = Field(
        description="running engagements whose funding period ends within the next 90 days"
    )
    median_days_in_stage: dict[str, dict[str, float]] = Field(
        description="median calendar days of the completed stays in each stage (entering it "
        "to leaving it by a step), per process; a stage nobody has left yet is absent"
    )
    stage_target_working_days: dict[str, dict[str, int]] = Field(
        description="each active stage's deadline in working days (latest version, with "
        "FOKUS_STAGE_DEADLINE_WORKING_DAYS applied)"
    )
    consulting_days: ConsultingUse
    overdue_trend: list[TrendPoint] = Field(
        description="engagements past their stage deadline at the end of each of the last 12 "
        "weeks, oldest first; derived from the history (an approximation, see docs/api.md)"
    )
    generated_at: datetime = Field(description="when this snapshot was computed")
    max_age_seconds: float = Field(
        description="FOKUS_STATS_CACHE_SECONDS: how long a snapshot is served"
    )
