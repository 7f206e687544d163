"""The public RSVP page behind the signed link in each invitation (issue 3): part of
the workshops feature, which owns the invitations it records the answers on.

`GET /rsvp/{token}` shows the workshop (with its agenda, where one stands: accepted,
on the waiting list at place N, declined or open, whom to contact, privacy and imprint
links where set) and two buttons; `GET /rsvp/{token}/einladung.ics` is the calendar
entry as mailed (same UID); `POST /rsvp/{token}` (form or JSON
`response=accepted|declined`) records the answer, which may be changed later: an
acceptance beyond the workshop's capacity is `waitlisted` (service/workshops/capacity.py).
The page is in the invitee's language (else the engagement's).
A tampered, unknown or erased token is a plain 404 that says nothing about anyone.
The token is the secret; on top, a POST whose `Origin` (or `Sec-Fetch-Site`) shows it
came from another site is refused with 403, so no foreign page can answer for someone.

The body is read by hand (a form from the page, JSON from scripts), so the OpenAPI
document describes both request bodies and every answer explicitly below. Any body a
client can send is a 4xx, never a 500: JSON nested deeper than the parser's recursion
limit is malformed JSON like any other (422).
"""

from __future__ import annotations

import json
from typing import Any, Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from service.auth.deps import Ctx
from service.core.context import Context
from service.core.errors import text
from service.engagements import history
from service.engagements.models import Engagement
from service.http.body_limit import BodyTooLarge
from service.http.deps import ReadSession
from service.http.pages import language, page
from service.mail import tokens
from service.mail.letters import owner_address
from service.participants.models import Participant
from service.workshops import capacity
from service.workshops.invitations import calendar_entry
from service.workshops.mailing import when
from service.workshops.models import Invitation, Workshop

router = APIRouter(tags=["rsvp"])

RESPONSES = ("accepted", "declined")


class RsvpAnswer(BaseModel):
    """The body of `POST /rsvp/{token}`, as JSON or as a form."""

    response: Literal["accepted", "declined"]


class RsvpRecorded(BaseModel):
    rsvp: Literal["accepted", "waitlisted", "declined"] = Field(
        description="the answer now on record: an acceptance beyond the workshop's "
        "capacity is `waitlisted` (it moves up to `accepted` when a place is free)"
    )


class RsvpProblem(BaseModel):
    code: str = Field(description="the error's code (docs/api.md, Errors)")
    detail: str = Field(description="what went wrong, in English")
    detail_de: str = Field(description="what went wrong, in German")


def _json_problem(status: int, code: str, **params: Any) -> JSONResponse:
    """A refusal for a JSON client, in the shape of every error (service/core/errors.py)."""
    body = {"code": code, "detail": text(code, "en", **params)}
    return JSONResponse({**body, "detail_de": text(code, "de", **params)}, status_code=status)


_HTML = {"text/html": {"schema": {"type": "string"}}}


def _problem(description: str) -> dict[str, Any]:
    """A 4xx that is a page for browsers and `{"detail": …}` for JSON clients."""
    return {
        "description": description,
        "content": {
            **_HTML,
            "application/json": {"schema": RsvpProblem.model_json_schema()},
        },
    }


_NOT_FOUND_DOC = _problem("unknown, tampered or erased token (says nothing about anyone)")
_PAGE_DOC: dict[int | str, dict[str, Any]] = {
    200: {"description": "the invitation page", "content": _HTML},
    404: _NOT_FOUND_DOC,
}
_ANSWER_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the answer is recorded (the page for a form, JSON for JSON)",
        "content": {
            **_HTML,
            "application/json": {"schema": RsvpRecorded.model_json_schema()},
        },
    },
    403: _problem("the request came from another site (Origin / Sec-Fetch-Site)"),
    404: _NOT_FOUND_DOC,
    409: _problem("the workshop has been cancelled"),
    413: {
        "description": "the body is larger than FOKUS_MAX_BODY_BYTES",
        "content": {"application/json": {"schema": RsvpProblem.model_json_schema()}},
    },
    422: _problem("`response` missing or not 'accepted' / 'declined', or malformed JSON"),
}
_ANSWER_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": RsvpAnswer.model_json_schema()},
            "application/x-www-form-urlencoded": {"schema": RsvpAnswer.model_json_schema()},
        },
    }
}
_NOT_FOUND = "Diese Einladung gibt es nicht (mehr). Bitte prüfen Sie den Link aus Ihrer E-Mail."


def _find(
    session: Session, ctx: Context, token: str
) -> tuple[Invitation, Workshop, Participant, Engagement] | None:
    decoded = tokens.read(ctx, token)
    if decoded is None:
        return None
    invitation_id, nonce = decoded
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or not tokens.nonce_matches(invitation.nonce, nonce):
        return None
    workshop = session.get(Workshop, invitation.workshop_id)
    participant = session.get(Participant, invitation.participant_id)
    if workshop is None or participant is None:
        return None
    engagement = session.get(Engagement, workshop.engagement_id)
    if engagement is None:
        return None
    return invitation, workshop, participant, engagement


def _context(
    ctx: Context,
    session: Session,
    found: tuple[Invitation, Workshop, Participant, Engagement],
    token: str,
    saved: bool,
    error: str | None = None,
) -> dict[str, Any]:
    invitation, workshop, participant, engagement = found
    tz = ctx.settings.tz
    lang = participant.language or engagement.language or "de"
    day, hours = when(workshop.starts_at.astimezone(tz), workshop.ends_at.astimezone(tz), lang)
    place = None
    if invitation.rsvp == "waitlisted":
        place = capacity.positions(session, workshop.id or 0).get(invitation.id or 0)
    return {
        "lang": lang,
        "title": f"Einladung: {workshop.title}",
        "workshop_title": workshop.title,
        "municipality": engagement.municipality,
        "day": day,
        "hours": hours,
        "location": workshop.location,
        "agenda": workshop.agenda,
        "recipient_name": participant.name,
        "rsvp": invitation.rsvp,
        "waitlist_position": place,
        "cancelled": workshop.cancelled_at is not None,
        "over": workshop.ends_at <= ctx.clock.now(),
        "action": f"/rsvp/{token}",
        "ics_url": f"/rsvp/{token}/{ICS_NAME}",
        "saved": saved,
        "error": error,
        "sender_name": ctx.settings.mail_from_name,
        # whom to ask: the engagement's owner where known, else the consultancy; the
        # address a reply to the invitation would reach
        "contact_name": engagement.owner or ctx.settings.mail_from_name,
        "contact_email": owner_address(engagement)
        or ctx.settings.reply_to
        or ctx.settings.mail_from,
        "privacy_url": ctx.settings.privacy_url,
        "imprint_url": ctx.settings.imprint_url,
    }


def _not_found(request: Request) -> Response:
    if _wants_json(request):
        return _json_problem(404, "not_found")
    # no invitee to take the language from: the visitor's own choice (?lang=, cookie),
    # read but never set here, else German
    context = {"message": _NOT_FOUND, "lang": language(request)}
    return page(request, "rsvp_missing.html", context, status_code=404)


def _wants_json(request: Request) -> bool:
    content_type = request.headers.get("content-type", "")
    accept = request.headers.get("accept", "")
    return content_type.startswith("application/json") or (
        "application/json" in accept and "text/html" not in accept
    )


def _cross_site(request: Request, ctx: Context) -> bool:
    if request.headers.get("sec-fetch-site", "") == "cross-site":
        return True
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin == "null"
    parts = urlsplit(origin)
    allowed = {urlsplit(ctx.settings.base_url).netloc, request.headers.get("host", "")}
    return parts.netloc not in allowed


@router.get(
    "/rsvp/{token}",
    response_class=HTMLResponse,
    responses=_PAGE_DOC,
    summary="The invitation page behind the link in the email",
)
def rsvp_page(token: str, request: Request, ctx: Ctx, session: ReadSession) -> Response:
    found = _find(session, ctx, token)
    if found is None:
        return _not_found(request)
    return page(request, "rsvp.html", _context(ctx, session, found, token, saved=False))


ICS_NAME = "einladung.ics"


@router.get(
    "/rsvp/{token}/" + ICS_NAME,
    responses={
        200: {
            "description": "the workshop's calendar entry as mailed (same UID and SEQUENCE; "
            "METHOD:CANCEL once it is cancelled)",
            "content": {"text/calendar": {"schema": {"type": "string"}}},
        },
        404: _NOT_FOUND_DOC,
    },
    response_class=Response,
    summary="The workshop as a calendar entry (.ics), from the invitation page",
)
def rsvp_calendar(token: str, request: Request, ctx: Ctx, session: ReadSession) -> Response:
    found = _find(session, ctx, token)
    if found is None:
        return _not_found(request)
    invitation, workshop, participant, engagement = found
    assert invitation.id is not None
    method = "CANCEL" if workshop.cancelled_at is not None else "REQUEST"
    lang = participant.language or engagement.language or "de"
    link = tokens.rsvp_url(ctx, invitation.id, invitation.nonce)
    body = calendar_entry(ctx, workshop, engagement, participant, link, method, lang)
    return Response(
        body,
        media_type=f"text/calendar; charset=utf-8; method={method}",
        headers={
            "Content-Disposition": f'attachment; filename="{ICS_NAME}"',
            "Cache-Control": "no-store",
        },
    )


async def _response_value(request: Request) -> tuple[str | None, str | None]:
    """The answer in the body, and what was wrong with the body if it cannot be read."""
    if request.headers.get("content-type", "").startswith("application/json"):
        raw = await request.body()
        try:
            body = json.loads(raw or b"null")
        except ValueError as exc:  # also invalid UTF-8 (UnicodeDecodeError)
            return None, f"malformed JSON: {exc}"[:200]
        except RecursionError:  # the C parser gives up on deep nesting: not our error
            return None, "malformed JSON: nested too deeply"
        value = body.get("response") if isinstance(body, dict) else None
    else:
        try:
            form = await request.form()
        except BodyTooLarge:
            raise
        except Exception:  # malformed form body: treat like a missing answer
            return None, None
        value = form.get("response")
    return (value if isinstance(value, str) else None), None


@router.post(
    "/rsvp/{token}",
    responses=_ANSWER_DOC,
    openapi_extra=_ANSWER_BODY,
    summary="Accept or decline (changeable until the workshop)",
)
async def rsvp_answer(token: str, request: Request, ctx: Ctx) -> Response:
    value, malformed = await _response_value(request)
    # the database is synchronous: record the answer in a worker thread
    return await run_in_threadpool(_record, token, request, ctx, value, malformed)


def _in_history(
    session: Session, invitation: Invitation, workshop: Workshop, participant: Participant
) -> None:
    """The answer in the engagement's history, by the participant (per RSVP link)."""
    assert invitation.responded_at is not None
    details = {
        "name": workshop.title,
        "response": invitation.rsvp,
        "participant": participant.name,
        "participant_id": participant.id,
    }
    history.record_change(session, workshop.engagement_id, "invitation", "answered",
                          participant.name, details, at=invitation.responded_at,
                          subject_id=invitation.id)  # fmt: skip


def _record(
    token: str, request: Request, ctx: Context, value: str | None, malformed: str | None = None
) -> Response:
    wants_json = _wants_json(request)
    if _cross_site(request, ctx):
        detail = "cross-site request refused"
        if wants_json:
            return _json_problem(403, "rsvp_cross_site")
        context = {"message": detail, "lang": language(request)}
        return page(request, "rsvp_missing.html", context, status_code=403)
    with ctx.db.write() as session:
        found = _find(session, ctx, token)
        if found is None:
            return _not_found(request)
        invitation, workshop, participant, _engagement = found
        problem = None
        status = 200
        if malformed is not None:
            problem, status = malformed, 422
        elif value not in RESPONSES:
            problem, status = "response: must be 'accepted' or 'declined'", 422
        elif workshop.cancelled_at is not None:
            problem, status = "the workshop has been cancelled", 409
        else:
            assert value is not None
            before = invitation.rsvp
            if capacity.answer(session, ctx, invitation, value) != before:
                _in_history(session, invitation, workshop, participant)
        if wants_json:
            if malformed is not None:
                return _json_problem(422, "rsvp_malformed", reason_en=malformed)
            if status == 422:
                return _json_problem(422, "rsvp_response_invalid")
            if status == 409:
                return _json_problem(409, "rsvp_cancelled")
            return JSONResponse({"rsvp": invitation.rsvp})
        german = {
            422: "Bitte wählen Sie „Ich nehme teil“ oder „Ich nehme nicht teil“.",
            409: "Der Workshop wurde abgesagt.",
        }
        context = _context(
            ctx, session, found, token, saved=problem is None, error=german.get(status)
        )
        return page(request, "rsvp.html", context, status_code=status)
