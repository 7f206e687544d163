"""HTTP for the portfolio statistics: every role may read them."""

from __future__ import annotations

from fastapi import APIRouter

from service.auth import tenancy
from service.auth.deps import Ctx, Reader
from service.stats import service
from service.stats.schemas import StatsPublic

router = APIRouter(prefix="/api/v1", tags=["stats"])


@router.get("/stats", response_model=StatsPublic)
def get_stats(principal: Reader, ctx: Ctx) -> StatsPublic:
    """A snapshot at most FOKUS_STATS_CACHE_SECONDS old (`generated_at` says when it was
    computed); see docs/api.md for how the overdue trend is approximated."""
    return service.snapshot(ctx, tenancy.scope(principal))  # a firm's staff: their firm's
