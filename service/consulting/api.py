from __future__ import annotations

from fastapi import APIRouter

from service.auth.deps import Ctx, Reader, Writer
from service.consulting import service
from service.consulting.schemas import ConsultingDayCreate, ConsultingDayPublic, ConsultingLedger
from service.core.validation import Id
from service.engagements.service import get as get_engagement
from service.http.deps import ReadSession, WriteSession
from service.http.openapi import errors

router = APIRouter(prefix="/api/v1", tags=["consulting"])


@router.post(
    "/engagements/{engagement_id}/consulting-days",
    status_code=201,
    response_model=ConsultingDayPublic,
    responses=errors(
        403,
        404,
        409,
        422,
        e409="The engagement is in a final state and takes no consulting days.",
        e422="Invalid input; or the days would exceed the consulting budget (20 days of a "
        "Fokusberatung), or the date lies outside the funding period (or no grant is recorded).",
    ),
)
def add_consulting_day(
    engagement_id: Id,
    data: ConsultingDayCreate,
    principal: Writer,
    ctx: Ctx,
    session: WriteSession,
) -> ConsultingDayPublic:
    day = service.add(session, ctx, engagement_id, data, principal.name)
    return service.public(day, get_engagement(session, engagement_id))


@router.get(
    "/engagements/{engagement_id}/consulting-days",
    response_model=ConsultingLedger,
    responses=errors(404, 422),
)
def consulting_ledger(
    engagement_id: Id, principal: Reader, session: ReadSession
) -> ConsultingLedger:
    return service.ledger(session, engagement_id)
