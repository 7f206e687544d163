"""Generated from the route table: for every route with a path parameter (API and
dashboard, every method), staff of one firm asking for another firm's object get exactly
the answer a missing id gets (404, the same body), and no row of any table changes.

`COVERAGE` knows every such route. A route added without an entry here fails
`test_every_route_with_a_path_parameter_is_covered`, so no route can be added unscoped
by accident: add it with the body a valid request needs (`Case(json=…)`), or say why it
names nothing of a firm (`Case(unscoped="…")`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, routing
from fastapi.testclient import TestClient

from service.auth.keys import Role
from service.auth.tenancy import OWNERS, UNSCOPED
from service.core.context import Context
from tests.auth.firms import MISSING, NORD, SUED, Firm, build, key, snapshot
from tests.support import Api
from tests.web.conftest import csrf_of

DUE = "2026-04-01T12:00:00"


@dataclass(frozen=True)
class Case:
    """How to ask a route for an object: a valid JSON body (API), form fields (dashboard,
    the CSRF token is added), or why the route names nothing a firm owns."""

    json: dict[str, Any] | None = None
    form: dict[str, str] = field(default_factory=dict)
    unscoped: str | None = None


WORKSHOP = {
    "title": "Auftakt",
    "starts_at": "2026-03-10T17:00:00",
    "ends_at": "2026-03-10T19:00:00",
    "location": "Rathaus",
}
GRANT = {
    "funding_reference": "67K12345",
    "notice_date": "2026-03-01",
    "period_start": "2026-04-01",
    "period_end": "2027-03-31",
    "eligible_costs": 10000,
    "grant_amount": 8000,
    "funding_rate_percent": 80,
}
CONSULTING = {
    "date": "2026-03-01",
    "days": 1,
    "mode": "on_site",
    "consultant": "K. Berater",
    "activity": "Bestandsaufnahme",
}
PROCESSES = "process definitions: the same for every firm"
TOKEN = "a secret link: whoever holds it, no principal, no firm"
ADMIN_KEYS = "API keys: admin only (staff get 403 role_not_admin for any id)"

# (method, path) → how to ask it; every route with a path parameter is here
COVERAGE: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/engagements/{engagement_id}"): Case(),
    ("PATCH", "/api/v1/engagements/{engagement_id}"): Case(json={"owner": "Zorro"}),
    ("POST", "/api/v1/engagements/{engagement_id}/transitions"): Case(json={"trigger": "approve"}),
    ("GET", "/api/v1/engagements/{engagement_id}/history"): Case(),
    ("PATCH", "/api/v1/engagements/{engagement_id}/deadline"): Case(
        json={"due_at": DUE, "reason": "Urlaub"}
    ),
    ("POST", "/api/v1/engagements/{engagement_id}/follow-up"): Case(
        json={"process": "klimaschutzmanagement"}
    ),
    ("GET", "/api/v1/engagements/{engagement_id}/diagram"): Case(),
    ("GET", "/api/v1/engagements/{engagement_id}/milestones"): Case(),
    ("POST", "/api/v1/engagements/{engagement_id}/participants"): Case(
        json={"name": "Eve", "email": "eve@example.org"}
    ),
    ("GET", "/api/v1/engagements/{engagement_id}/participants"): Case(),
    ("PATCH", "/api/v1/participants/{participant_id}"): Case(json={"name": "Eve"}),
    ("DELETE", "/api/v1/participants/{participant_id}"): Case(),
    ("POST", "/api/v1/engagements/{engagement_id}/workshops"): Case(json=WORKSHOP),
    ("GET", "/api/v1/engagements/{engagement_id}/workshops"): Case(),
    ("GET", "/api/v1/workshops/{workshop_id}"): Case(),
    ("PATCH", "/api/v1/workshops/{workshop_id}"): Case(json={"title": "Neu"}),
    ("POST", "/api/v1/workshops/{workshop_id}/cancel"): Case(json={}),
    ("POST", "/api/v1/workshops/{workshop_id}/invitations"): Case(json={}),
    ("GET", "/api/v1/workshops/{workshop_id}/invitations"): Case(),
    ("POST", "/api/v1/workshops/{workshop_id}/reminders"): Case(),
    ("GET", "/api/v1/engagements/{engagement_id}/messages"): Case(),
    ("POST", "/api/v1/engagements/{engagement_id}/measures"): Case(
        json={"title": "LED", "action_area": "municipal_buildings"}
    ),
    ("GET", "/api/v1/engagements/{engagement_id}/measures"): Case(),
    ("PATCH", "/api/v1/measures/{measure_id}"): Case(json={"progress_percent": 10}),
    ("PUT", "/api/v1/engagements/{engagement_id}/grant"): Case(json=GRANT),
    ("GET", "/api/v1/engagements/{engagement_id}/grant"): Case(),
    ("POST", "/api/v1/engagements/{engagement_id}/records"): Case(
        json={"kind": "stocktaking", "date": "2026-03-01"}
    ),
    ("GET", "/api/v1/engagements/{engagement_id}/records"): Case(),
    ("GET", "/api/v1/records/{record_id}/file"): Case(),
    ("POST", "/api/v1/engagements/{engagement_id}/consulting-days"): Case(json=CONSULTING),
    ("GET", "/api/v1/engagements/{engagement_id}/consulting-days"): Case(),
    ("GET", "/api/v1/processes/{name}"): Case(unscoped=PROCESSES),
    ("GET", "/api/v1/processes/{name}/versions"): Case(unscoped=PROCESSES),
    ("GET", "/api/v1/processes/{name}/versions/{version}"): Case(unscoped=PROCESSES),
    ("POST", "/api/v1/processes/{name}/migrations"): Case(
        unscoped=PROCESSES + "; the engagements it moves are checked by firm (tested apart)"
    ),
    ("GET", "/rsvp/{token}"): Case(unscoped=TOKEN),
    ("GET", "/rsvp/{token}/einladung.ics"): Case(unscoped=TOKEN),
    ("POST", "/rsvp/{token}"): Case(unscoped=TOKEN),
    ("DELETE", "/api/v1/api-keys/{key_id}"): Case(unscoped=ADMIN_KEYS),
    ("DELETE", "/api/v1/calendar-feeds/{feed_id}"): Case(),
    ("GET", "/calendar/{token}.ics"): Case(unscoped=TOKEN + " (the feed shows its firm's only)"),
    ("GET", "/public/{slug}.json"): Case(unscoped="a public page the engagement chose to open"),
    ("GET", "/public/{slug}"): Case(unscoped="a public page the engagement chose to open"),
    # the municipality's portal (the engagement in the path is what is checked)
    ("POST", "/api/v1/engagements/{engagement_id}/portal-link"): Case(),
    ("GET", "/api/v1/engagements/{engagement_id}/portal-links"): Case(),
    ("DELETE", "/api/v1/engagements/{engagement_id}/portal-links/{link_id}"): Case(),
    ("GET", "/portal/{token}"): Case(unscoped=TOKEN),
    ("GET", "/portal/{token}.json"): Case(unscoped=TOKEN),
    # accounts
    ("DELETE", "/api/v1/users/{user_id}"): Case(unscoped="accounts: admin only, as API keys"),
    ("GET", "/password/{token}"): Case(unscoped=TOKEN),
    ("POST", "/password/{token}"): Case(unscoped=TOKEN),
    # the dashboard
    ("GET", "/engagements/{engagement_id}"): Case(),
    ("GET", "/engagements/{engagement_id}/records/{record_id}/file"): Case(),
    ("GET", "/admin/keys/{key_id}/revoke"): Case(unscoped=ADMIN_KEYS),
    ("POST", "/admin/keys/{key_id}/revoke"): Case(unscoped=ADMIN_KEYS),
    ("GET", "/admin/users/{user_id}/disable"): Case(unscoped="accounts: admin only"),
    ("POST", "/admin/users/{user_id}/disable"): Case(unscoped="accounts: admin only"),
    **{
        ("POST", "/engagements/{engagement_id}" + tail): Case(form=form)
        for tail, form in {
            "/transition": {"trigger": "approve"},
            "/deadline": {"due_date": "2026-04-01", "reason": "Urlaub"},
            "/owner": {"owner": "Zorro"},
            "/participants": {"name": "Eve", "email": "eve@example.org"},
            "/participants/update": {"participant_id": "{participant_id}", "name": "Eve"},
            "/participants/remove": {"participant_id": "{participant_id}"},
            "/workshops": {"title": "Auftakt", "date": "2026-03-10", "location": "Rathaus"},
            "/invitations": {"workshop_id": "{workshop_id}"},
            "/workshops/remind": {"workshop_id": "{workshop_id}"},
            "/workshops/update": {"workshop_id": "{workshop_id}", "title": "Neu"},
            "/workshops/cancel": {"workshop_id": "{workshop_id}"},
            "/measures": {"title": "LED", "action_area": "municipal_buildings"},
            "/measures/update": {"measure_id": "{measure_id}", "status": "in_progress"},
            "/measures/details": {"measure_id": "{measure_id}", "title": "LED"},
            "/grant": {"funding_reference": "67K12345"},
            "/consulting": {"date": "2026-03-01", "days": "1"},
            "/records": {"record_kind": "stocktaking", "record_date": "2026-03-01"},
            "/follow-up": {},
            "/portal-link": {},
            "/portal-links/revoke": {"link_id": "{link_id}"},
        }.items()
    },
}


def routes_with_parameters(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route of the app whose path has a parameter."""
    found = set()
    for route in routing.iter_route_contexts(app.routes):
        path = str(route.path)
        if "{" in path:
            found |= {(m, path) for m in route.methods or () if m != "HEAD"}
    return found


def test_every_route_with_a_path_parameter_is_covered(app: FastAPI) -> None:
    routes = routes_with_parameters(app)
    unknown = sorted(routes - set(COVERAGE))
    assert not unknown, f"routes with a path parameter the tenancy test does not know: {unknown}"
    stale = sorted(set(COVERAGE) - routes)
    assert not stale, f"COVERAGE names routes the app does not have: {stale}"


def test_every_path_parameter_is_in_the_tenancy_tables(app: FastAPI) -> None:
    """service/auth/tenancy.py knows every parameter name (else staff of a firm are
    refused on that route: fail closed)."""
    names = {n for _m, p in routes_with_parameters(app) for n in re.findall(r"{(\w+)}", p)}
    assert names <= set(OWNERS) | set(UNSCOPED), names - set(OWNERS) - set(UNSCOPED)


def _fill(template: str, ids: dict[str, int]) -> str:
    return re.sub(r"{(\w+)}", lambda m: str(ids[m.group(1)]), template)


def _ask(
    client: TestClient, api: Api, method: str, path: str, case: Case, ids: dict[str, int]
) -> httpx.Response:
    url = _fill(path, ids)
    response: httpx.Response
    if path.startswith("/api/"):
        response = client.request(method, url, headers=api.headers, json=case.json)
    elif method == "GET":
        response = client.get(url, follow_redirects=False)
    else:
        csrf = csrf_of(client.get("/").text)
        data = {k: _fill(v, ids) for k, v in case.form.items()}
        response = client.post(url, data={**data, "csrf_token": csrf}, follow_redirects=False)
    return response


def _unnumbered(text: str) -> str:
    """The answer with its numbers (and a page's CSRF token) blanked: "engagement 2 not
    found" and "engagement 999999 not found" are the same answer about two ids."""
    return re.sub(r"\d+", "N", re.sub(r'name="csrf_token" value="[^"]*"', "", text))


def _login(client: TestClient, api: Api) -> None:
    """Signs the client's dashboard session in with the key (the API-key login)."""
    token = csrf_of(client.get("/login").text)
    key_text = api.headers["Authorization"].removeprefix("Bearer ")
    signed = client.post(
        "/login", data={"api_key": key_text, "csrf_token": token}, follow_redirects=False
    )
    assert signed.status_code == 303, signed.text


@pytest.fixture
def firms(client: TestClient, ctx: Context, admin: Api) -> tuple[Firm, Firm]:
    return build(client, ctx, admin, NORD, "Nordheim"), build(client, ctx, admin, SUED, "Suedheim")


def test_another_firms_object_is_answered_as_a_missing_one_and_nothing_changes(
    app: FastAPI, client: TestClient, ctx: Context, firms: tuple[Firm, Firm]
) -> None:
    nord, sued = firms
    _login(client, nord.staff)  # the dashboard, signed in as Nord's staff
    # the route's own answer for a missing id: asked by the programme office's staff (no
    # firm, so no tenancy check), under the same name so that the pages' headers match
    office_client = TestClient(app)
    office = Api(office_client, key(ctx, "Staff Nordheim", Role.staff, None))
    _login(office_client, office)
    missing = dict.fromkeys(sued.ids, MISSING)
    checked, problems = 0, []
    for (method, path), case in sorted(COVERAGE.items()):
        if case.unscoped:
            continue
        before = snapshot(ctx)
        foreign = _ask(client, nord.staff, method, path, case, sued.ids)
        after = snapshot(ctx)
        absent = _ask(office_client, office, method, path, case, missing)
        checked += 1
        if foreign.status_code != 404:
            problems.append(f"{method} {path}: {foreign.status_code} {foreign.text[:200]}")
        elif (absent.status_code, _unnumbered(absent.text)) != (404, _unnumbered(foreign.text)):
            problems.append(
                f"{method} {path}: another firm's {foreign.text[:150]!r} "
                f"but a missing id {absent.status_code} {absent.text[:150]!r}"
            )
        if before != after:
            changed = [t for t in before if before[t] != after.get(t)]
            problems.append(f"{method} {path}: changed {changed}")
    assert checked > 40
    assert not problems, "\n".join(problems)


def test_own_firms_objects_answer_as_before(
    client: TestClient, ctx: Context, firms: tuple[Firm, Firm]
) -> None:
    """The check lets a firm's staff reach their own objects (the routes above answer
    404 for the reason tested, not for every id)."""
    nord, _sued = firms
    ids = nord.ids
    api = nord.staff
    assert api.get(f"/api/v1/engagements/{ids['engagement_id']}").status_code == 200
    assert api.get(f"/api/v1/workshops/{ids['workshop_id']}").status_code == 200
    assert api.get(f"/api/v1/records/{ids['record_id']}/file").status_code == 200
    patched = api.patch(f"/api/v1/participants/{ids['participant_id']}", json={"name": "Eva"})
    assert patched.status_code == 200, patched.text
    assert api.delete(f"/api/v1/calendar-feeds/{ids['feed_id']}").status_code == 204


def test_supervisors_and_admins_without_a_firm_reach_every_firm(
    client: TestClient, ctx: Context, firms: tuple[Firm, Firm], supervisor: Api, admin: Api
) -> None:
    for firm in firms:
        for who in (supervisor, admin):
            got = who.get(f"/api/v1/engagements/{firm.ids['engagement_id']}")
            assert got.status_code == 200 and got.json()["firm"] == firm.name
    unscoped_staff = Api(client, key(ctx, "Programmstelle", Role.staff, None))
    for firm in firms:
        assert unscoped_staff.get(f"/api/v1/measures/{firm.ids['measure_id']}").status_code in (
            200,
            405,
        )
        assert unscoped_staff.get(f"/api/v1/workshops/{firm.ids['workshop_id']}").status_code == 200


def test_a_read_only_role_of_a_firm_hears_403_for_any_id(
    client: TestClient, ctx: Context, firms: tuple[Firm, Firm]
) -> None:
    """The role check comes first: a supervisor of a firm is refused a change alike for
    another firm's engagement and a missing one (nothing tells the first exists)."""
    _nord, sued = firms
    reader = Api(client, key(ctx, "Aufsicht Nord", Role.supervisor, NORD))
    foreign = reader.patch(f"/api/v1/engagements/{sued.ids['engagement_id']}", json={"owner": "X"})
    absent = reader.patch(f"/api/v1/engagements/{MISSING}", json={"owner": "X"})
    assert foreign.status_code == absent.status_code == 403
    assert foreign.json() == absent.json()
    assert reader.get(f"/api/v1/engagements/{sued.ids['engagement_id']}").status_code == 404


# ids in a BODY or a FORM under one's own engagement: another firm's answers as a missing one
FORMS_WITH_IDS = (
    "/participants/update",
    "/participants/remove",
    "/invitations",
    "/workshops/remind",
    "/workshops/update",
    "/workshops/cancel",
    "/measures/update",
    "/measures/details",
)
BODY_IDS: list[tuple[str, str, Case]] = [
    (
        "POST",
        "/api/v1/workshops/{own_workshop_id}/invitations",
        Case(json={"participant_ids": ["{participant_id}"]}),
    ),
    *(
        (
            "POST",
            "/engagements/{own_engagement_id}" + tail,
            COVERAGE[("POST", "/engagements/{engagement_id}" + tail)],
        )
        for tail in FORMS_WITH_IDS
    ),
]


def _filled_json(case: Case, ids: dict[str, int]) -> Case:
    """The case with "{name}" strings in its JSON body replaced by those ids."""

    def fill(value: Any) -> Any:
        if isinstance(value, str) and re.fullmatch(r"{\w+}", value):
            return ids[value[1:-1]]
        if isinstance(value, list):
            return [fill(v) for v in value]
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value

    return Case(json=fill(case.json), form=case.form)


def test_another_firms_ids_in_a_body_or_form_are_answered_as_missing_ones(
    client: TestClient, ctx: Context, firms: tuple[Firm, Firm]
) -> None:
    nord, sued = firms
    _login(client, nord.staff)
    own = {f"own_{name}": value for name, value in nord.ids.items()}
    problems = []
    for method, path, case in BODY_IDS:
        before = snapshot(ctx)
        ids = {**own, **sued.ids}
        foreign = _ask(client, nord.staff, method, path, _filled_json(case, ids), ids)
        after = snapshot(ctx)
        missing = {**own, **dict.fromkeys(sued.ids, MISSING)}
        absent = _ask(client, nord.staff, method, path, _filled_json(case, missing), missing)
        if foreign.status_code != 404:
            problems.append(f"{method} {path}: {foreign.status_code} {foreign.text[:200]}")
        elif (absent.status_code, _unnumbered(absent.text)) != (404, _unnumbered(foreign.text)):
            problems.append(f"{method} {path}: {foreign.text[:150]!r} / {absent.text[:150]!r}")
        if before != after:
            problems.append(
                f"{method} {path}: changed {[t for t in before if before[t] != after[t]]}"
            )
    assert not problems, "\n".join(problems)


def test_a_malformed_body_does_not_tell_another_firms_id_from_a_missing_one(
    client: TestClient, firms: tuple[Firm, Firm]
) -> None:
    """FastAPI reports body errors after the dependencies: for staff of a firm both ids
    are refused (404) before the body is looked at."""
    nord, sued = firms
    eid = sued.ids["engagement_id"]
    for body in ({"owner": 5}, {"unknown": 1}, None):
        foreign = nord.staff.patch(f"/api/v1/engagements/{eid}", json=body)
        absent = nord.staff.patch(f"/api/v1/engagements/{MISSING}", json=body)
        assert foreign.status_code == absent.status_code == 404
        assert _unnumbered(foreign.text) == _unnumbered(absent.text)
