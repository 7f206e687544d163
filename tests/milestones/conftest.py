"""Fixtures for the milestone tests: supervisors configured, a funding period set."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from service.core.context import Context
from service.engagements.models import Engagement
from service.grants.models import Grant
from service.milestones.service import refresh
from tests.deadlines.conftest import SUPERVISORS


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"supervisor_emails": SUPERVISORS}


def record_grant(ctx: Context, engagement_id: int, start: date, end: date) -> None:
    """A grant notice as its table holds it (the grant API's own tests cover the API)."""
    now = ctx.clock.now()
    with ctx.db.write() as session:
        session.add(
            Grant(
                engagement_id=engagement_id,
                funding_reference="67K12345",
                notice_date=start,
                period_start=start,
                period_end=end,
                eligible_costs=20_000.0,
                grant_amount=16_000.0,
                funding_rate_percent=80.0,
                created_at=now,
                updated_at=now,
            )
        )


def set_funding(
    ctx: Context, engagement_id: int, starts: datetime, ends: datetime, state: str | None = None
) -> None:
    """Sets the funding period (and optionally the stage) directly and refreshes the
    milestones, as every write path that changes them does."""
    with ctx.db.write() as session:
        engagement = session.get(Engagement, engagement_id)
        assert engagement is not None
        engagement.funding_starts_at = starts
        engagement.funding_ends_at = ends
        if state is not None:
            engagement.state = state
        session.add(engagement)
        session.flush()
        refresh(session, ctx, engagement)
