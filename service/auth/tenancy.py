"""Firms as tenants: a principal with a `firm` sees and changes only engagements of that
firm; one without (the programme office, supervisors and admins without a firm) sees all.

Two halves, both here so that one file says what is scoped and how:

- Ids in a PATH. `OWNERS` says, for every path parameter that names something of an
  engagement, how to find the firm of the engagement it belongs to, and what a missing
  one answers. `foreign` looks every such parameter up before the handler reads
  anything and gives the error a missing object would get (404, the route's own body,
  never 403 that would tell it exists). The API calls it from its principal
  dependencies (service/auth/deps.py `in_tenancy`), after the role check, so a role that
  may not do something hears 403 whether the id is foreign or missing; the dashboard
  from `signed_in` and `check_post` (service/web/common.py), which every page and form
  starts with, after the login, CSRF and role checks. (A missing engagement on a form is
  refused right after those checks too, service/web/engagement.refuse_if_final, so the
  two answer alike whatever the form holds.) `UNSCOPED` lists the path parameters that
  name nothing of a firm (process names, secret links, admin-only keys and accounts); a
  parameter in neither table is refused for a principal with a firm (fail closed), and
  tests/auth/test_tenancy_routes.py fails for a route it does not know.
- LISTS and ids in BODIES are scoped where they are read: `scope(principal)` is the
  firm every list, count, export, statistic, feed and bulk change narrows by
  (`EngagementFilters.tenant`, `stats.snapshot(ctx, firm)`, `CalendarFeed.firm`, …), and
  the services refuse an id in a body that belongs to another engagement than the
  path's (so another firm's too).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy import select
from sqlmodel import Session, col

from service.auth.keys import Principal, Role
from service.calendar_feeds.models import CalendarFeed
from service.core.context import Context
from service.core.errors import DomainError, Forbidden, Invalid, NotFound
from service.core.validation import MAX_INT
from service.engagements.models import Engagement
from service.measures.models import Measure
from service.participants.models import Participant
from service.records.models import Record
from service.workshops.models import Workshop

# (found, firm): whether the object exists, and the firm of its engagement
Found = tuple[bool, str | None]


@dataclass(frozen=True)
class Owner:
    """How a path parameter finds its object's firm, and what a missing one answers."""

    firm_of: Callable[[Session, int], Found]
    missing: Callable[[int], DomainError]


def _firm(session: Session, query: Any) -> Found:
    row = session.execute(query).first()
    return (False, None) if row is None else (True, row[0])


def _via(model: Any) -> Callable[[Session, int], Found]:
    """The firm of the engagement a child row (participant, workshop, …) belongs to."""

    def firm_of(session: Session, ident: int) -> Found:
        query = (
            select(col(Engagement.firm))
            .join(model, col(model.engagement_id) == col(Engagement.id))
            .where(col(model.id) == ident)
        )
        return _firm(session, query)

    return firm_of


def _engagement(session: Session, ident: int) -> Found:
    return _firm(session, select(col(Engagement.firm)).where(col(Engagement.id) == ident))


def _feed(session: Session, ident: int) -> Found:
    """A calendar feed carries its creator's firm (its scope) itself."""
    return _firm(session, select(col(CalendarFeed.firm)).where(col(CalendarFeed.id) == ident))


# path parameter → its owning engagement's firm, and the route's answer for a missing one
OWNERS: dict[str, Owner] = {
    "engagement_id": Owner(_engagement, lambda i: NotFound("engagement_not_found", engagement=i)),
    "participant_id": Owner(
        _via(Participant), lambda i: NotFound("participant_not_found", participant=i)
    ),
    "workshop_id": Owner(_via(Workshop), lambda i: NotFound("workshop_not_found", workshop=i)),
    "measure_id": Owner(_via(Measure), lambda i: NotFound("measure_not_found", measure=i)),
    "record_id": Owner(_via(Record), lambda i: NotFound("record_not_found", record=i)),
    "feed_id": Owner(_feed, lambda _i: NotFound("calendar_feed_not_found")),
}

# path parameters that name nothing a firm owns, and why
UNSCOPED: dict[str, str] = {
    "name": "a process definition (/api/v1/processes/{name}): the same for every firm",
    "version": "a process version, as `name`",
    "token": "a secret link (RSVP, calendar feed, portal): whoever holds it, no principal",
    "slug": "a public progress page: public by the engagement's own choice",
    "key_id": "an API key: admin only (role_not_admin for everyone else, any id)",
    "user_id": "an account: admin only, as `key_id`",
    "link_id": "a portal link under /engagements/{engagement_id}/: the path's engagement is "
    "checked, and the service refuses a link of another engagement as a missing one",
}

# a dashboard route answers every missing object with the page's plain "not found"
# where its handler does (the stored file of a record: its path names two objects)
PAGE_MISSING: dict[str, Callable[[int], DomainError]] = {
    "/engagements/{engagement_id}/records/{record_id}/file": lambda _i: NotFound("not_found"),
}


def scope(principal: Principal | None) -> str | None:
    """The firm a principal's lists are narrowed to (None: every engagement)."""
    return None if principal is None else principal.firm


def sees(principal: Principal | None, firm: str | None) -> bool:
    """Whether a principal may see an engagement of this firm."""
    mine = scope(principal)
    return mine is None or mine == firm


def firm_for_new(principal: Principal, asked: str | None) -> str | None:
    """The firm of an engagement this principal creates: staff of a firm always their
    own (naming another is refused, 422, rather than silently replaced: a client that
    thinks it files for someone else should hear that it does not); anyone else the
    firm they name, or none."""
    if principal.firm is None:
        return asked or None
    if asked and asked != principal.firm:
        raise Invalid("firm_not_yours", firm=principal.firm)
    return principal.firm


def may_move(principal: Principal) -> None:
    """Only an admin moves an engagement to another firm (PATCH `firm`)."""
    if principal.role != Role.admin:
        raise Forbidden("firm_admin_only")


def _as_id(raw: object) -> int | None:
    """A path value that can be an id; anything else is left to the route (422 or its
    page's 404 alike for every id, so nothing is revealed)."""
    if not isinstance(raw, str) or not raw.isascii() or not raw.isdigit() or len(raw) > 19:
        return None
    number = int(raw)
    return number if 1 <= number <= MAX_INT else None


def foreign(
    ctx: Context, principal: Principal, params: dict[str, Any], route_path: str = ""
) -> DomainError | None:
    """The error that answers this request as if its object did not exist, when a path
    parameter names another firm's object (None: the request may go on). A parameter the
    tables do not know is refused (fail closed).

    An object that does not exist at all gets the same answer here, at the same point:
    otherwise a malformed body would tell the two apart (FastAPI reports body errors
    after the dependencies ran: 404 for another firm's id, 422 for a missing one)."""
    if principal.firm is None:
        return None
    with ctx.db.read() as session:
        for name, raw in params.items():
            if name in UNSCOPED:
                continue
            owner = OWNERS.get(name)
            if owner is None:
                return NotFound("not_found")
            ident = _as_id(raw)
            if ident is None:
                continue
            found, firm = owner.firm_of(session, ident)
            if not found or firm != principal.firm:
                return PAGE_MISSING.get(route_path, owner.missing)(ident)
    return None


def needs_check(principal: Principal | None, params: dict[str, Any]) -> bool:
    """Cheap pre-test: only a principal with a firm on a route with path parameters
    costs a lookup (everyone else's request runs exactly as before)."""
    return principal is not None and principal.firm is not None and bool(params)


def route_path(request: Request) -> str:
    route = request.scope.get("route")
    return str(getattr(route, "path", "") or "")
