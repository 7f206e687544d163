"""The filters of an engagement list, shared by the API's list and the dashboard's
overview, so both mean the same by "overdue" or a search term."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col

from service.engagements.models import Engagement


@dataclass(frozen=True)
class EngagementFilters:
    stage: str | None = None
    process: str | None = None
    owner: str | None = None
    overdue: bool | None = None
    q: str | None = None  # part of the municipality's name, any case

    def where(self, query: Any, now: datetime, *, with_stage: bool = True) -> Any:
        if with_stage and self.stage is not None:
            query = query.where(col(Engagement.state) == self.stage)
        if self.process is not None:
            query = query.where(col(Engagement.process) == self.process)
        if self.owner is not None:
            query = query.where(col(Engagement.owner) == self.owner)
        if self.q:
            query = query.where(
                func.lower(col(Engagement.municipality)).contains(self.q.lower(), autoescape=True)
            )
        if self.overdue is True:
            query = query.where(col(Engagement.stage_due_at) < now)
        elif self.overdue is False:
            query = query.where(
                col(Engagement.stage_due_at).is_(None) | (col(Engagement.stage_due_at) >= now)
            )
        return query
