"""What staff see of the outbox: the emails of one engagement and their delivery state
(`GET /api/v1/engagements/{id}/messages`). The engagements feature answers it; the mail
infrastructure only stores the messages (`mail.outbox.messages_of`)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from service.auth.deps import Ctx, Reader
from service.core.timeutil import to_client
from service.core.validation import Id
from service.engagements.service import get as get_engagement
from service.http.deps import ReadSession
from service.http.openapi import errors
from service.mail.outbox import messages_of

# tagged as before the move (then included into the workshops router): the document
# keeps its operation's tags
router = APIRouter(prefix="/api/v1", tags=["workshops", "mail"])


class MessagePublic(BaseModel):
    id: int
    to: str
    subject: str
    kind: str
    status: str  # queued | sent | failed | cancelled (its recipient was erased)
    attempts: int
    last_error: str | None
    message_id: str
    participant_id: int | None
    created_at: datetime
    next_attempt_at: datetime | None
    sent_at: datetime | None


@router.get(
    "/engagements/{engagement_id}/messages",
    response_model=list[MessagePublic],
    responses=errors(404, 422),
)
def list_messages(
    engagement_id: Id, principal: Reader, ctx: Ctx, session: ReadSession
) -> list[MessagePublic]:
    get_engagement(session, engagement_id)
    tz = ctx.settings.tz
    rows = messages_of(session, engagement_id)
    return [
        MessagePublic(
            id=row.id,
            to=row.to_addr,
            subject=row.subject,
            kind=row.kind,
            status=row.status,
            attempts=row.attempts,
            last_error=row.last_error,
            message_id=row.message_id,
            participant_id=row.participant_id,
            created_at=row.created_at.astimezone(tz),
            next_attempt_at=to_client(row.next_attempt_at, tz) if row.status == "queued" else None,
            sent_at=to_client(row.sent_at, tz),
        )
        for row in rows
    ]
