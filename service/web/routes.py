"""The dashboard (issue 5): login, overview, engagement pages.

A thin HTTP layer over the same service functions the API calls, inside the same
units of work (`ctx.db.read()` / `ctx.db.write()`), so history, optimistic versions and
outbox mail behave identically. Query strings and form fields are read by hand, never
trusted: anything odd becomes a default or a message in the page with a 4xx status,
never a 500. Every POST checks the session's CSRF token first; successful POSTs
redirect (303) so a reload does not repeat them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from service.core.context import Context
from service.core.errors import Conflict, DomainError, NotFound
from service.core.validation import MAX_INT
from service.engagements import service as engagements
from service.engagements.facts import load_one
from service.engagements.filters import EngagementFilters
from service.engagements.schemas import DeadlineRequest, EngagementUpdate, TransitionRequest
from service.http.http_errors import describe
from service.mail import invitations
from service.mail.outbox import messages_of
from service.measures import service as measures
from service.measures.models import Measure
from service.measures.schemas import ActionArea, MeasureCreate, MeasureStatus, MeasureUpdate
from service.participants import service as participants
from service.participants.models import Participant
from service.participants.schemas import ParticipantCreate
from service.web import i18n, queries
from service.web import session as websession
from service.web.diagram import svg
from service.web.pages import page
from service.workshops import service as workshops
from service.workshops.schemas import WorkshopCreate

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
MAX_PAGE = 100_000
MAX_ID = MAX_INT  # ids are INTEGER columns: anything larger cannot exist
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MESSAGES = {
    "transition",
    "participant",
    "removed",
    "workshop",
    "invited",
    "measure",
    "deadline",
    "owner",
    "logged_out",
}


# one change on an engagement: (session, ctx, engagement id, actor) → the notice to show
Action = Callable[[Session, Context, int, str], str]


# where the page scrolls to after each change: the section that shows its effect
ANCHORS = {
    "transition": "history",
    "deadline": "details",
    "owner": "details",
    "participant": "participants",
    "removed": "participants",
    "workshop": "workshops",
    "invited": "workshops",
    "measure": "measures",
}


class PageError(Exception):
    """Ends a request with a page that says what went wrong, with its 4xx status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# --- helpers ----------------------------------------------------------------------


def _ctx(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


def _words(request: Request) -> dict[str, str]:
    return i18n.STRINGS[i18n.language(request)]


def render(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    sess = websession.load(request)
    values = {
        "user": sess.principal,
        "csrf": sess.csrf,
        "may_write": sess.may_write,
        **context,
    }
    response = page(request, template, values, status_code)
    if sess.fresh:
        websession.store(request, response, sess)
    return response


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return render(request, "error.html", {"status": status, "message": message}, status)


def _clean(value: str | None, limit: int = 200) -> str:
    """A query-string value as a bounded single line (NUL and other control characters
    removed: PostgreSQL refuses NUL in text)."""
    if not value:
        return ""
    return _CONTROL.sub("", value)[:limit].strip()


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        number = int(_clean(value, 20))
    except ValueError:
        return default
    return min(max(number, low), high)


def _id(value: str) -> int:
    if not value.isascii() or not value.isdigit() or len(value) > 19:
        raise PageError(404, "not found")
    number = int(value)
    if not 1 <= number <= MAX_ID:
        raise PageError(404, "not found")
    return number


def _bool(value: str | None) -> bool | None:
    value = _clean(value, 10).lower()
    if value in ("1", "true", "yes", "ja"):
        return True
    if value in ("0", "false", "no", "nein"):
        return False
    return None


async def _form(request: Request) -> dict[str, str]:
    """The posted form as str → str (first value wins; files ignored); a malformed body
    is a 400."""
    try:
        form = await request.form(max_files=0, max_fields=50)
    except Exception as exc:  # multipart errors come in several types
        raise PageError(400, "malformed form") from exc
    values: dict[str, str] = {}
    for key, value in form.multi_items():
        if isinstance(value, str) and key not in values:
            values[key] = value
    return values


def _validate(model: type[BaseModel], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        text, _items = describe(list(exc.errors()))
        raise PageError(422, text) from None


def _version(form: dict[str, str]) -> int | None:
    """The version the form was rendered with; absent means "do not check" as in the API,
    anything else that is not a version is refused."""
    raw = form.get("expected_version")
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit() and 0 < len(raw) <= 18 and int(raw) > 0):
        raise PageError(422, "expected_version: not a version number")
    return int(raw)


def _days(due: datetime | None, now: datetime, ctx: Context) -> int | None:
    if due is None:
        return None
    tz = ctx.settings.tz
    return (due.astimezone(tz).date() - now.astimezone(tz).date()).days


def _deadline_text(t: dict[str, str], days: int | None, overdue: bool) -> str:
    if days is None:
        return t["no_deadline"]
    if overdue:
        late = max(-days, 0)
        if late == 0:
            return t["due_today"]
        return t["day_overdue"] if late == 1 else t["days_overdue"].format(n=late)
    if days == 0:
        return t["due_today"]
    return t["day_left"] if days == 1 else t["days_left"].format(n=days)


def _signed_in(request: Request) -> websession.WebSession | None:
    sess = websession.load(request)
    return sess if sess.principal is not None else None


def _post(request: Request, form: dict[str, str], *, write: bool = True) -> websession.WebSession:
    """The checks every POST starts with: CSRF, then a login, then a role that may
    write."""
    sess = websession.load(request)
    t = _words(request)
    if not websession.csrf_ok(sess, form.get(websession.CSRF_FIELD)):
        raise PageError(403, t["csrf"])
    if sess.principal is None:
        raise PageError(401, t["login"])
    if write and not sess.may_write:
        raise PageError(403, t["forbidden"])
    return sess


def _handle(request: Request, work: Callable[[], Response]) -> Response:
    try:
        return work()
    except PageError as exc:
        return error_page(request, exc.status, exc.message)
    except DomainError as exc:
        return error_page(request, exc.status_code, exc.detail)


# --- login ------------------------------------------------------------------------


@router.get("/login")
def login_form(request: Request) -> Response:
    if _signed_in(request):
        return RedirectResponse("/", status_code=303)
    msg = request.query_params.get("msg")
    return render(request, "login.html", {"notice": msg if msg in MESSAGES else None})


@router.post("/login")
async def login(request: Request) -> Response:
    try:
        form = await _form(request)
    except PageError as exc:
        return error_page(request, exc.status, exc.message)
    return await run_in_threadpool(_login, request, form)


def _login(request: Request, form: dict[str, str]) -> Response:
    t = _words(request)
    sess = websession.load(request)
    if not websession.csrf_ok(sess, form.get(websession.CSRF_FIELD)):
        return error_page(request, 403, t["csrf"])
    new = websession.login(_ctx(request), form.get("api_key", ""))
    if new is None:
        return render(request, "login.html", {"notice": None, "failed": True}, 401)
    response = RedirectResponse("/", status_code=303)
    websession.store(request, response, new)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    try:
        form = await _form(request)
    except PageError as exc:
        return error_page(request, exc.status, exc.message)

    def work() -> Response:
        _post(request, form, write=False)
        response = RedirectResponse("/login?msg=logged_out", status_code=303)
        websession.store(request, response, websession.anonymous())
        return response

    return await run_in_threadpool(_handle, request, work)


# --- overview ---------------------------------------------------------------------


@router.get("/")
def overview(request: Request) -> Response:
    sess = _signed_in(request)
    if sess is None:
        return RedirectResponse("/login", status_code=303)
    ctx = _ctx(request)
    lang = i18n.language(request)
    t = i18n.STRINGS[lang]
    params = request.query_params
    stage = _clean(params.get("stage"), 40)
    process_name = _clean(params.get("process"), 40)
    chosen = (
        [ctx.registry.latest(process_name)]
        if ctx.registry.knows(process_name)
        else ctx.registry.all_latest()
    )
    stage_names = {s.name for p in chosen for s in p.stages}
    owner = _clean(params.get("owner"))
    q = _clean(params.get("q"))
    filters = EngagementFilters(
        stage=stage if stage in stage_names else None,
        process=process_name if ctx.registry.knows(process_name) else None,
        owner=owner or None,
        overdue=_bool(params.get("overdue")),
        q=q or None,
    )
    number = _int(params.get("page"), 1, 1, MAX_PAGE)
    now = ctx.clock.now()
    with ctx.db.read() as session:
        rows, total = engagements.list_page(
            session,
            ctx,
            filters,
            limit=PAGE_SIZE,
            offset=(number - 1) * PAGE_SIZE,
            by_deadline=True,
        )
        counts = queries.stage_counts(session, filters, now)
        owners = queries.owners(session)
        session.expunge_all()  # read-only rows, used after the read unit of work ends
    pages = max(1, -(-total // PAGE_SIZE))
    items = []
    for row in rows:
        days = _days(row.stage_due_at, now, ctx)
        overdue = row.stage_due_at is not None and row.stage_due_at < now
        funding = _days(row.funding_ends_at, now, ctx)
        process = engagements.definition(ctx, row)
        final = process.is_final(row.state)
        if row.funding_ends_at is None:
            funding_text = t["funding_not_started"]
        elif final or (funding is not None and funding < 0):
            funding_text = t["funding_over"]
        else:
            funding_text = t["funding_days"].format(n=funding)
        items.append(
            {
                "id": row.id,
                "municipality": row.municipality,
                "federal_state": row.federal_state,
                "state": row.state,
                "stage": process.stage(row.state).label(lang),
                "process": process.title(lang),
                "owner": row.owner,
                "due": row.stage_due_at.astimezone(ctx.settings.tz) if row.stage_due_at else None,
                "overdue": overdue,
                "soon": not overdue and days is not None and days <= 7,
                "deadline_text": _deadline_text(t, days, overdue),
                "funding_text": funding_text,
            }
        )

    def link(**changes: object) -> str:
        """The overview's URL with the current filters, some of them changed."""
        current: dict[str, object] = {
            "stage": filters.stage,
            "process": filters.process,
            "owner": filters.owner,
            "overdue": None if filters.overdue is None else int(filters.overdue),
            "q": filters.q,
            "page": number,
            **changes,
        }
        kept = {k: v for k, v in current.items() if v not in (None, "") and (k, v) != ("page", 1)}
        return "/?" + urlencode(kept) if kept else "/"

    labels: dict[str, str] = {}
    for p in chosen:
        for s in p.stages:
            labels.setdefault(s.name, s.label(lang))
    stages = [
        {"name": name, "label": label, "count": counts.get(name, 0)}
        for name, label in labels.items()
    ]
    processes = [{"name": p.name, "title": p.title(lang)} for p in ctx.registry.all_latest()]
    return render(
        request,
        "overview.html",
        {
            "items": items,
            "total": total,
            "page": number,
            "pages": pages,
            "filters": filters,
            "stages": stages,
            "processes": processes,
            "owners": owners,
            "link": link,
            "all_count": sum(counts.values()),
        },
    )


# --- the engagement page ----------------------------------------------------------


def _engagement_context(
    request: Request, session: Session, engagement_id: int, **extra: Any
) -> dict[str, Any]:
    ctx = _ctx(request)
    lang = i18n.language(request)
    t = i18n.STRINGS[lang]
    tz = ctx.settings.tz
    now = ctx.clock.now()
    engagement, facts = load_one(session, engagement_id, now, ctx.fact_names)
    public = engagements.to_public(engagement, facts, ctx, now)
    process = engagements.definition(ctx, engagement)
    engine = ctx.engine_of(process.name, process.version)
    allowed = [
        {"trigger": trig, "label": process.step_label(trig, lang)}
        for trig in public.allowed_triggers
    ]
    refused = []
    seen: set[str] = set()
    for step in process.steps_from(engagement.state):
        if step.trigger in public.allowed_triggers or step.trigger in seen:
            continue
        seen.add(step.trigger)
        refusal = engine.refusal(facts, step.trigger)
        if refusal is None:
            continue
        refused.append(
            {"label": process.step_label(step.trigger, lang), "reason": refusal.reason_in(lang)}
        )
    history = engagements.history(session, engagement_id)
    workshop_rows = [
        workshops.public(session, ctx, w) for w in workshops.list_for(session, engagement_id)
    ]
    stage = process.stage(engagement.state).label(lang)
    due_local = public.stage_due_at
    msg = request.query_params.get("msg")
    notice = None
    if msg in MESSAGES:
        notice = t.get("done_" + msg)
        if msg == "invited":
            notice = t["done_invited"].format(n=_int(request.query_params.get("n"), 0, 0, 10**6))
    return {
        "e": public,
        "stage": stage,
        "stage_of": lambda name: (
            process.stage(name).label(lang) if name and process.has_stage(name) else name or ""
        ),
        "trigger_of": lambda name: process.step_label(name, lang) if name else "",
        "process_title": process.title(lang),
        "milestones": engagements.milestones(session, ctx, engagement_id),
        "deadline_text": _deadline_text(t, public.days_left, public.overdue),
        "due_date": due_local.date().isoformat() if due_local else "",
        "final": process.is_final(engagement.state),
        "diagram": svg(
            process,
            engagement.state,
            lang,
            t["diagram_title"].format(stage=stage),
            t["current"],
        ),
        "allowed": allowed,
        "refused": refused,
        "history": [{**h.model_dump(), "at": h.at.astimezone(tz)} for h in reversed(history)],
        "participants": participants.list_for(session, engagement_id),
        "workshops": workshop_rows,
        "measures": measures.list_for(session, engagement_id),
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


@router.get("/engagements/{engagement_id}")
def engagement_page(request: Request, engagement_id: str) -> Response:
    if _signed_in(request) is None:
        return RedirectResponse("/login", status_code=303)

    def work() -> Response:
        eid = _id(engagement_id)
        ctx = _ctx(request)
        with ctx.db.read() as session:  # rendered inside: the rows expire when it ends
            context = _engagement_context(request, session, eid)
            return render(request, "engagement.html", context)

    return _handle(request, work)


def _engagement_action(
    request: Request,
    engagement_id: str,
    form: dict[str, str],
    action: Action,
) -> Response:
    """Runs one change in a write transaction; success redirects back with a notice,
    a refusal re-renders the engagement page with the message and its status."""
    ctx = _ctx(request)
    t = _words(request)
    try:
        eid = _id(engagement_id)
        sess = _post(request, form)
        assert sess.principal is not None
        with ctx.db.write() as session:
            msg = action(session, ctx, eid, sess.principal.name)
            queued = bool(session.info.get("mail_queued"))
        if queued:
            ctx.mail_queued()
        anchor = ANCHORS.get(msg.partition("&")[0], "main")
        return RedirectResponse(f"/engagements/{eid}?msg={msg}#{anchor}", status_code=303)
    except (PageError, DomainError) as exc:
        if isinstance(exc, PageError):
            status, message = exc.status, exc.message
        else:
            status, message = exc.status_code, exc.detail
            if isinstance(exc, Conflict) and "current_version" in exc.extra:
                message = t["stale"].format(v=exc.extra["current_version"])
        if status in (401, 403) or isinstance(exc, NotFound):
            return error_page(request, status, message)
        try:
            with ctx.db.read() as session:
                context = _engagement_context(
                    request, session, _id(engagement_id), error=message, values=form
                )
                return render(request, "engagement.html", context, status)
        except (PageError, DomainError):
            return error_page(request, status, message)


def _post_route(path: str, action: Callable[[dict[str, str], dict[str, str]], Action]) -> None:
    async def endpoint(request: Request, engagement_id: str) -> Response:
        try:
            form = await _form(request)
        except PageError as exc:
            return error_page(request, exc.status, exc.message)
        return await run_in_threadpool(
            _engagement_action, request, engagement_id, form, action(form, _words(request))
        )

    endpoint.__name__ = "post_" + path.strip("/").replace("/", "_").replace("{", "").replace(
        "}", ""
    )
    router.add_api_route("/engagements/{engagement_id}" + path, endpoint, methods=["POST"])


def _transition(form: dict[str, str], t: dict[str, str]) -> Action:
    def act(session: Session, ctx: Context, eid: int, actor: str) -> str:
        request = _validate(
            TransitionRequest,
            {
                "trigger": form.get("trigger", ""),
                "note": form.get("note") or None,
                "expected_version": _version(form),
            },
        )
        engagements.fire(session, ctx, eid, request, actor)
        return "transition"

    return act


def _deadline(form: dict[str, str], t: dict[str, str]) -> Action:
    def act(session: Session, ctx: Context, eid: int, actor: str) -> str:
        raw = form.get("due_date", "").strip()
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            message = "field required" if not raw else "not a date"
            raise PageError(422, "due_date: " + message) from None
        request = _validate(
            DeadlineRequest,
            {
                "due_at": datetime.combine(day, time(12, 0)),
                "reason": form.get("reason", ""),
                "expected_version": _version(form),
            },
        )
        engagements.move_deadline(session, ctx, eid, request, actor)
        return "deadline"

    return act


def _owner(form: dict[str, str], t: dict[str, str]) -> Action:
    def act(session: Session, ctx: Context, eid: int, actor: str) -> str:
        request = _validate(
            EngagementUpdate,
            {"owner": form.get("owner", ""), "expected_version": _version(form)},
        )
        engagements.change(session, ctx, eid, request, actor)
        return "owner"

    return act


def _participant(form: dict[str, str], t: dict[str, str]) -> Action:
    def act(session: Session, ctx: Context, eid: int, actor: str) -> str:
        data = _validate(
            ParticipantCreate,
            {
                "name": form.get("name", ""),
                "email": form.get("email", ""),
                "organisation": form.get("organisation") or None,
                "role": form.get("role") or None,
            },
        )
        participants.create(session, ctx, eid, data)
        return "participant"

    return act


def _remove_participant(form: dict[str, str], t: dict[str, str]) -> Action:
    def act(session: Session, ctx: Context, eid: int, actor: str) -> str:
        pid = _id(form.get("participant_id", ""))
        person = session.get(Participant, pid)
        if person is None or person.engagement_id != eid:
            raise NotFound(f"participant {pid} not found in engagement {eid}")
        participants.erase(session, pid)
        return "removed"

    return act


def _workshop(form: dict[str, str], t: dict[str, str]) -> Action:
    def act(session: Session, ctx: Context, eid: int, actor: str) -> str:
        data = _validate(
            WorkshopCreate,
            {
                "title": form.get("title", ""),
                "starts_at": form.get("starts_at", ""),
                "ends_at": form.get("ends_at", ""),
                "location": form.get("location", ""),
            },
        )
        workshops.create(session, ctx, eid, data)
        return "workshop"

    return act


def _invite(form: dict[str, str], t: dict[str, str]) -> Action:
    def act(session: Session, ctx: Context, eid: int, actor: str) -> str:
        wid = _id(form.get("workshop_id", ""))
        workshop = workshops.get(session, wid)
        if workshop.engagement_id != eid:
            raise NotFound(f"workshop {wid} not found in engagement {eid}")
        queued = invitations.invite(session, ctx, wid, None, actor)
        return f"invited&n={queued}"

    return act


def _measure(form: dict[str, str], t: dict[str, str]) -> Action:
    def act(session: Session, ctx: Context, eid: int, actor: str) -> str:
        data = _validate(
            MeasureCreate,
            {
                "title": form.get("title", ""),
                "action_area": form.get("action_area", ActionArea.other.value),
                "responsible": form.get("responsible") or None,
            },
        )
        measures.create(session, ctx, eid, data)
        return "measure"

    return act


def _measure_update(form: dict[str, str], t: dict[str, str]) -> Action:
    def act(session: Session, ctx: Context, eid: int, actor: str) -> str:
        mid = _id(form.get("measure_id", ""))
        measure = session.get(Measure, mid)
        if measure is None or measure.engagement_id != eid:
            raise NotFound(f"measure {mid} not found in engagement {eid}")
        progress = form.get("progress_percent", "").strip()
        number = progress.isascii() and progress.isdigit() and len(progress) < 10
        data = _validate(
            MeasureUpdate,
            {
                "status": form.get("status") or None,
                "progress_percent": int(progress) if number else progress or None,
            },
        )
        measures.change(session, ctx, mid, data)
        return "measure"

    return act


_post_route("/transition", _transition)
_post_route("/deadline", _deadline)
_post_route("/owner", _owner)
_post_route("/participants", _participant)
_post_route("/participants/remove", _remove_participant)
_post_route("/workshops", _workshop)
_post_route("/invitations", _invite)
_post_route("/measures", _measure)
_post_route("/measures/update", _measure_update)
