"""The engagement page, and how every form on it is run.

The page shows the engagement as the API presents it (service/engagements/presenters.py:
`to_public`, milestones, history in local time) plus what only a person needs: the
process diagram, the steps allowed now and why the others are refused, participants,
workshops, measures and the engagement's mail.

Each form on the page is an `Action` registered with `form_route` (the forms live in
engagement_forms.py, participants_forms.py, workshops_forms.py, measures_forms.py).
A change runs in the same unit of work as the API's (`in_write`: `ctx.db.write()`, as
the API's `WriteSession`) or in a write path of its own that the API shares (the
transition). Success redirects (303) back to the section that shows its effect, so a
reload does not repeat it; a refusal re-renders the page with the message, the typed
values and the refusal's status.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlmodel import Session, col
from starlette.concurrency import run_in_threadpool

from service.auth import tenancy
from service.consulting import service as consulting
from service.core.context import Context
from service.core.errors import Conflict, DomainError, NotFound
from service.engagements import presenters
from service.engagements import service as engagements
from service.engagements.facts import load_one
from service.engagements.models import Engagement
from service.grants import service as grants
from service.mail.outbox import messages_of
from service.measures import service as measures
from service.measures.schemas import MeasureStatus
from service.participants import service as participants
from service.portal import links as portal_links
from service.records import service as records
from service.web import history_view, i18n
from service.web import session as websession
from service.web.common import (
    MESSAGES,
    PageRoute,
    check_post,
    ctx_of,
    error_page,
    error_text,
    render,
    signed_in,
)
from service.web.diagram import svg
from service.web.inputs import bounded_int, path_id, read_form
from service.workshops import service as workshops
from workflows.definition import Process, Step
from workflows.engine import Engine, Facts
from workflows.programme import CONSULTING_MODES, RECORD_KINDS

router = APIRouter(include_in_schema=False, route_class=PageRoute)

# what a form does: (ctx, engagement id, actor, form) → the notice to show (`?msg=`)
Action = Callable[[Context, int, str, dict[str, str]], Awaitable[str]]
# a change inside a write unit of work: (session, ctx, engagement id, actor, form) → notice
Change = Callable[[Session, Context, int, str, dict[str, str]], str]


def _related(session: Session, engagement: Engagement, tenant: str | None) -> dict[str, Any]:
    """The engagement this one follows up and those that follow it up (a Fokusberatung
    and its Klimaschutzmanagement), as links both ways; a started follow-up also means the
    page offers no second one. One an admin moved to another firm is not named to the
    staff of this one (`tenant`)."""
    query = select(Engagement).where(col(Engagement.predecessor_id) == engagement.id)
    successors = list(session.execute(query.order_by(col(Engagement.id))).scalars())
    before = (
        session.get(Engagement, engagement.predecessor_id) if engagement.predecessor_id else None
    )
    if tenant is not None:
        successors = [s for s in successors if s.firm == tenant]
        before = before if before is not None and before.firm == tenant else None
    return {"predecessor": before, "successors": successors}


def engagement_context(
    request: Request, session: Session, engagement_id: int, **extra: Any
) -> dict[str, Any]:
    """Everything engagement.html shows, read in the caller's read unit of work (render
    inside it: the rows expire when it ends)."""
    ctx = ctx_of(request)
    lang = i18n.language(request)
    t = i18n.STRINGS[lang]
    tz = ctx.settings.tz
    now = ctx.clock.now()
    engagement, facts = load_one(session, engagement_id, now, ctx.fact_plan)
    public = presenters.to_public(engagement, facts, ctx, now)
    process = engagements.definition(ctx, engagement)
    engine = ctx.engine_of(process.name, process.version)
    allowed = _allowed_steps(process, engine, facts, public.allowed_triggers, lang)
    refused = []
    seen: set[str] = {a["trigger"] for a in allowed}
    for step in process.steps_from(engagement.state):
        if step.trigger in seen:
            continue
        seen.add(step.trigger)
        refusal = engine.refusal(facts, step.trigger)
        if refusal is None:
            continue
        refused.append(
            {"label": process.step_label(step.trigger, lang), "reason": refusal.reason_in(lang)}
        )
    workshop_rows = [
        workshops.public(session, ctx, w) for w in workshops.list_for(session, engagement_id)
    ]
    stage = process.stage(engagement.state).label(lang)
    due_local = public.stage_due_at
    final = process.is_final(engagement.state)
    msg = request.query_params.get("msg")
    notice = None
    if msg in MESSAGES:
        notice = t.get("done_" + msg)
        if notice and "{n}" in notice:  # a count the form's redirect carries (`&n=`)
            n = bounded_int(request.query_params.get("n"), 0, 0, 10**6)
            notice = notice.format(n=n)
    return {
        "e": public,
        "stage": stage,
        "stage_of": lambda name: (
            process.stage(name).label(lang) if name and process.has_stage(name) else name or ""
        ),
        "trigger_of": lambda name: process.step_label(name, lang) if name else "",
        "process_title": t["eg_process_title"].format(
            title=process.title(lang), version=process.version
        ),
        "milestones": engagements.milestones(session, ctx, engagement_id),
        "deadline_text": presenters.deadline_text(lang, public.days_left, public.overdue),
        "due_date": due_local.date().isoformat() if due_local else "",
        "final": final,
        "now": now,  # whether a workshop is over (the invitation and reminder rules)
        # a form that changes the engagement is shown only when this is true: a final
        # engagement is a closed case file (the POST routes refuse it too, 409)
        "may_change": websession.load(request).may_write and not final,
        "diagram": svg(
            process,
            engagement.state,
            lang,
            t["diagram_title"].format(stage=stage),
            t["current"],
        ),
        "allowed": allowed,
        "refused": refused,
        **_related(session, engagement, tenancy.scope(websession.load(request).principal)),
        **history_view.context(
            session, ctx, engagement_id, lang, request.query_params.get("history") == "all"
        ),
        "participants": participants.list_for(session, engagement_id),
        "workshops": workshop_rows,
        "measures": measures.list_for(session, engagement_id),
        "records": records.list_for(session, engagement_id),
        "consulting": consulting.ledger(session, engagement_id),
        "portal_links": portal_links.active(session, engagement_id, now),
        **programme_context(ctx, engagement, process, lang),
        "areas": i18n.AREAS[lang],
        "applicants": i18n.APPLICANTS[lang],
        "statuses": [s.value for s in MeasureStatus],
        "messages": messages_of(session, engagement_id, newest_first=True, limit=100),
        "tz": tz,
        "notice": notice,
        "error": None,
        "values": {},
        **extra,
    }


def programme_context(
    ctx: Context, engagement: Engagement, process: Process, lang: str
) -> dict[str, Any]:
    """What the programme's forms need (service/web/programme_forms.py): whether the
    process takes a grant notice, the record kinds (this process's first: those its
    guards and milestones wait for), the consulting modes and which count as direct
    contact under the engagement's KRL, the upload limit, and the record that marks
    each milestone done."""
    used = {f.removeprefix("record_") for f in process.facts if f.startswith("record_")}
    used |= {m.done_by_record for m in process.milestones if m.done_by_record}
    modes = i18n.STRINGS[lang]
    return {
        "takes_grant": grants.takes_period_from_grant(ctx, engagement),
        "record_kinds": [{"kind": k, "in_process": k in used} for k in RECORD_KINDS],
        "request_kind": "",
        "upload_mb": f"{ctx.settings.max_upload_bytes / 2**20:g}",
        "consulting_modes": CONSULTING_MODES,
        "direct_modes": ", ".join(
            modes.get("consulting_mode_" + m, m) for m in consulting.direct_modes(engagement)
        ),
        "milestone_records": {
            m.name: m.done_by_record for m in process.milestones if m.done_by_record
        },
    }


def ends_the_case(process: Process, step: Step) -> bool:
    """A step the dashboard asks a reason for (and shows as dangerous): one the process
    marks (`needs_reason`: reject and withdraw in the programme's processes), or one
    that goes into a final stage without a guard, which ends the case without its work
    being done (reject and withdraw of fokusberatung version 1, which API clients may
    still fire without a note). The regular ends (completed, a toy process's "done")
    have guards, so they need only the confirmation."""
    return step.needs_reason or (process.is_final(step.dest) and not step.guards)


def _allowed_steps(
    process: Process, engine: Engine, facts: Facts, allowed: list[str], lang: str
) -> list[dict[str, Any]]:
    """The steps that get a button: those allowed now, and those only a note is missing
    for (a guard over a fact of the request, e.g. skip_resolution: "note given"). A step
    into a final stage, or one that needs a reason, is not a plain button but a
    confirmation with its own reason field (`confirm`); the reason is required
    (`needs_reason`) when only the note is missing and for the steps that end a case
    (`ends_the_case`)."""
    noted = engine.allowed_triggers(Facts(facts.state, {**facts.named, "note_given": 1}))
    result = []
    for trigger in [*allowed, *(t for t in noted if t not in allowed)]:
        step = next(s for s in process.steps_from(facts.state) if s.trigger == trigger)
        final = process.is_final(step.dest)
        abandon = ends_the_case(process, step)
        needs_reason = abandon or trigger not in allowed
        result.append(
            {
                "trigger": trigger,
                "label": step.label(lang),
                "final": final,
                "danger": abandon,
                "needs_reason": needs_reason,
                "confirm": final or needs_reason,
            }
        )
    return result


@router.get("/engagements/{engagement_id}")
def engagement_page(request: Request, engagement_id: str) -> Response:
    if signed_in(request) is None:
        return RedirectResponse("/login", status_code=303)
    eid = path_id(engagement_id)
    with ctx_of(request).db.read() as session:  # rendered inside: the rows expire after
        return render(request, "engagement.html", engagement_context(request, session, eid))


def in_write(change: Change) -> Action:
    """A change run in a write unit of work of its own (`ctx.db.write()`, the one the
    API's `WriteSession` opens), in a worker thread. What follows the commit (waking
    the mail dispatcher) is the unit of work's after-commit hook, as for the API."""

    def write(ctx: Context, eid: int, actor: str, form: dict[str, str]) -> str:
        with ctx.db.write() as session:  # mail it queues wakes the dispatcher after commit
            return change(session, ctx, eid, actor, form)

    async def action(ctx: Context, eid: int, actor: str, form: dict[str, str]) -> str:
        return await run_in_threadpool(write, ctx, eid, actor, form)

    action.__doc__ = change.__doc__
    return action


def form_route(router: APIRouter, path: str, *, anchor: str) -> Callable[[Action], Action]:
    """Registers `POST /engagements/{id}<path>` for an action; on success the page
    scrolls to `anchor`, the section that shows the change's effect."""

    def register(action: Action) -> Action:
        async def endpoint(request: Request, engagement_id: str) -> Response:
            form = await read_form(request)
            return await submit(request, engagement_id, form, action, anchor)

        endpoint.__name__ = "post_" + path.strip("/").replace("/", "_")
        router.add_api_route("/engagements/{engagement_id}" + path, endpoint, methods=["POST"])
        return action

    return register


async def submit(
    request: Request, engagement_id: str, form: dict[str, str], action: Action, anchor: str
) -> Response:
    """Checks the POST (the path's id, CSRF, login, role), runs the action and redirects
    back with its notice; a refusal goes to `_refused`."""
    ctx = ctx_of(request)
    try:
        eid = path_id(engagement_id)
        sess = await run_in_threadpool(check_post, request, form)
        assert sess.principal is not None
        await run_in_threadpool(refuse_if_final, request, eid)
        msg = await action(ctx, eid, sess.principal.name, form)
    except DomainError as exc:
        return await run_in_threadpool(_refused, request, engagement_id, form, exc)
    return RedirectResponse(f"/engagements/{eid}?msg={msg}#{anchor}", status_code=303)


def refuse_if_final(request: Request, eid: int) -> None:
    """A final engagement (completed, rejected, withdrawn) is a closed case file: every
    form that would change it is refused here, server-side (409), whatever the page
    showed. An unknown id is the 404 here, before the form is read, as another firm's
    is in `check_post` (so the two answer alike whatever the form holds)."""
    ctx = ctx_of(request)
    with ctx.db.read() as session:
        engagement = session.get(Engagement, eid)
        if engagement is None:
            raise NotFound("engagement_not_found", engagement=eid)
        process = engagements.definition(ctx, engagement)
        if process.is_final(engagement.state):
            stage = process.stage(engagement.state)
            raise Conflict(
                "engagement_final_form", stage_de=stage.label("de"), stage_en=stage.label("en")
            )


def _refused(
    request: Request, engagement_id: str, form: dict[str, str], exc: DomainError
) -> Response:
    """A refused form: the engagement page again with the message and what was typed,
    with the refusal's status. A missing login or right, or a thing that is not there,
    gets the error page (so does an engagement that cannot be shown)."""
    status, message = exc.status_code, error_text(request, exc)
    if isinstance(exc, Conflict) and "current_version" in exc.extra:
        message = i18n.STRINGS[i18n.language(request)]["stale"].format(
            v=exc.extra["current_version"]
        )
    if status in (401, 403) or (isinstance(exc, NotFound) and "field" not in exc.extra):
        return error_page(request, status, message)
    try:
        with ctx_of(request).db.read() as session:
            context = engagement_context(
                request, session, path_id(engagement_id), error=message, values=form
            )
            return render(request, "engagement.html", context, status)
    except DomainError:
        return error_page(request, status, message)
