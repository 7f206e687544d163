"""The follow-up: a completed Fokusberatung starts its Klimaschutzmanagement, with the
municipality's data, contact, participants and measures copied."""

from __future__ import annotations

from pydantic import ValidationError
from sqlmodel import Session, col, select

from service.core import input_errors
from service.core.context import Context
from service.core.errors import Conflict, Invalid
from service.engagements import history
from service.engagements.models import Engagement
from service.engagements.schemas import EngagementCreate, FollowUpRequest
from service.engagements.service import create, get, stage_de
from service.measures.models import Measure
from service.participants.models import Participant

FOLLOW_UPS = {"fokusberatung": ("klimaschutzmanagement",)}  # what follows up what


def follow_up(
    session: Session, ctx: Context, engagement_id: int, request: FollowUpRequest, actor: str
) -> Engagement:
    """A completed Fokusberatung starts its Klimaschutzmanagement (issue 11): a new
    engagement at the latest version of the process, linked by `predecessor_id`, with the
    applicant's data, the contact, the participants and the measures (planned again: the
    new funding period starts them anew) copied. Eligibility is checked again, under the
    KRL version in force today. History on both."""
    predecessor = get(session, engagement_id)
    if request.process not in FOLLOW_UPS.get(predecessor.process, ()):
        raise Conflict(
            "follow_up_wrong_process",
            predecessor_en=predecessor.process,
            process_en=request.process,
        )
    if predecessor.state != "completed":
        raise Conflict(
            "follow_up_not_completed",
            state_en=predecessor.state,
            stage_de=stage_de(ctx, predecessor),
        )
    existing = session.execute(
        select(col(Engagement.id)).where(col(Engagement.predecessor_id) == engagement_id)
    ).scalar()
    if existing is not None:
        raise Conflict(
            "follow_up_exists",
            engagement=engagement_id,
            existing=existing,
            extra={"follow_up_id": existing},
        )
    try:
        data = EngagementCreate.model_validate(
            {
                "municipality": predecessor.municipality,
                "applicant_type": predecessor.applicant_type,
                "federal_state": predecessor.federal_state,
                "municipal_share_percent": predecessor.municipal_share_percent,
                "contact_name": predecessor.contact_name,
                "contact_email": predecessor.contact_email,
                "owner": predecessor.owner,
                "language": predecessor.language,
                "process": request.process,
                "has_integrated_concept": predecessor.has_integrated_concept,
                "operator_kind": predecessor.operator_kind,
                "public_corporation_status": predecessor.public_corporation_status,
            }
        )
    except ValidationError as error:
        found = input_errors.problems(error.errors())
        raise Invalid(
            "follow_up_not_eligible",
            reasons_en="; ".join(p.message for p in found),
            reasons_de=input_errors.summary(found, "de"),
        ) from None
    # the follow-up stays with the firm that ran the consultation (set here, not through
    # the request's rules: whoever may follow it up may see it, so may see its firm)
    successor = create(session, ctx, data.model_copy(update={"firm": predecessor.firm}))
    successor.predecessor_id = predecessor.id
    session.add(successor)
    now = successor.created_at
    for participant in session.execute(
        select(Participant)
        .where(col(Participant.engagement_id) == engagement_id)
        .order_by(col(Participant.id))
    ).scalars():
        session.add(
            Participant(
                engagement_id=successor.id,  # type: ignore[arg-type]
                name=participant.name,
                email=participant.email,
                organisation=participant.organisation,
                role=participant.role,
                language=participant.language,
                created_at=now,
            )
        )
    for measure in session.execute(
        select(Measure).where(col(Measure.engagement_id) == engagement_id).order_by(col(Measure.id))
    ).scalars():
        session.add(
            Measure(
                engagement_id=successor.id,  # type: ignore[arg-type]
                title=measure.title,
                action_area=measure.action_area,
                description=measure.description,
                responsible=measure.responsible,
                planned_start=measure.planned_start,
                planned_end=measure.planned_end,
                created_at=now,
                updated_at=now,
            )
        )
    session.flush()
    for this, other, direction in (
        (successor, predecessor, "predecessor"),
        (predecessor, successor, "successor"),
    ):
        assert this.id is not None  # flushed above
        details = {"direction": direction, "process": other.process, "engagement_id": other.id}
        details["file_number"] = other.file_number  # what the office calls the case
        history.record_change(session, this.id, "engagement", "follow_up", actor, details, at=now)
    session.flush()
    return successor
