"""Firms as tenants in everything that lists: staff of a firm see only their firm's
engagements in the list (every filter, search, counts), the overdue view, the exports,
the statistics, their calendar feeds, bulk changes and the dashboard; the programme
office (supervisors, admins and staff without a firm) sees every firm. The firm itself:
set on create, moved by an admin, inherited by a follow-up."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlmodel import col

from service.auth.keys import Role
from service.core.clock import MovableClock
from service.core.context import Context
from service.demo import FIRMS, load_demo
from service.engagements.models import Engagement
from tests.auth.firms import NORD, SUED, key
from tests.support import ENGAGEMENT, Api
from tests.web.conftest import csrf_of


@pytest.fixture
def world(client: TestClient, ctx: Context, admin: Api) -> dict[str, Any]:
    """Two engagements of Nord, one of Süd, one of no firm; staff keys of both firms."""
    made = {
        "nord1": admin.engagement(municipality="Gemeinde Nordheim", firm=NORD),
        "nord2": admin.engagement(municipality="Markt Nordstadt", firm=NORD),
        "sued": admin.engagement(municipality="Gemeinde Südheim", firm=SUED),
        "office": admin.engagement(municipality="Stadt Programmstelle"),
    }
    ids = {name: e["id"] for name, e in made.items()}
    return {
        "ids": ids,
        "nord": Api(client, key(ctx, "Nora Nord", Role.staff, NORD)),
        "sued": Api(client, key(ctx, "Sven Süd", Role.staff, SUED)),
    }


def _ids(page: Any) -> set[int]:
    return {item["id"] for item in page["items"]}


def test_the_list_and_its_filters_show_only_the_own_firm(world: dict[str, Any]) -> None:
    ids, nord = world["ids"], world["nord"]
    mine = {ids["nord1"], ids["nord2"]}
    page = nord.ok(nord.get("/api/v1/engagements"))
    assert _ids(page) == mine and page["total"] == 2
    assert {item["firm"] for item in page["items"]} == {NORD}
    assert _ids(nord.ok(nord.get("/api/v1/engagements", params={"q": "heim"}))) == {ids["nord1"]}
    assert nord.ok(nord.get("/api/v1/engagements", params={"q": "Südheim"}))["total"] == 0
    other = nord.ok(nord.get("/api/v1/engagements", params={"firm": SUED}))
    assert other == {"items": [], "total": 0}
    by_state = nord.ok(nord.get("/api/v1/engagements", params={"state": "application"}))
    assert _ids(by_state) == mine
    assert nord.ok(nord.get("/api/v1/engagements", params={"limit": 1}))["total"] == 2


def test_the_programme_office_sees_every_firm_and_may_pick_one(
    world: dict[str, Any], supervisor: Api, admin: Api, client: TestClient, ctx: Context
) -> None:
    ids = world["ids"]
    office_staff = Api(client, key(ctx, "Olaf Office", Role.staff, None))
    for who in (supervisor, admin, office_staff):
        assert _ids(who.ok(who.get("/api/v1/engagements"))) == set(ids.values())
        picked = who.ok(who.get("/api/v1/engagements", params={"firm": SUED}))
        assert _ids(picked) == {ids["sued"]}


def test_overdue_view_export_and_stats_show_only_the_own_firm(
    world: dict[str, Any], clock: MovableClock, supervisor: Api
) -> None:
    ids, nord = world["ids"], world["nord"]
    clock.advance(days=120)  # every application deadline has passed
    overdue = nord.get("/api/v1/overdue")
    assert {item["id"] for item in nord.ok(overdue)} == {ids["nord1"], ids["nord2"]}
    assert overdue.headers["X-Total-Count"] == "2"
    assert supervisor.get("/api/v1/overdue").headers["X-Total-Count"] == "4"

    exported = nord.get("/api/v1/engagements/export", params={"format": "csv"})
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    towns = {row[1] for row in rows[1:]}
    assert towns == {"Gemeinde Nordheim", "Markt Nordstadt"}
    assert nord.get("/api/v1/engagements/export", params={"firm": SUED}).text.count("\n") == 1

    stats = nord.ok(nord.get("/api/v1/stats"))
    assert sum(sum(stages.values()) for stages in stats["by_process"].values()) == 2
    assert stats["overdue"] == 2
    everyone = supervisor.ok(supervisor.get("/api/v1/stats"))
    assert sum(sum(stages.values()) for stages in everyone["by_process"].values()) == 4
    # the per-process cache is per firm: Süd's staff do not get Nord's snapshot
    sued = world["sued"].ok(world["sued"].get("/api/v1/stats"))
    assert sum(sum(stages.values()) for stages in sued["by_process"].values()) == 1


def test_a_calendar_feed_shows_its_creators_firm(
    world: dict[str, Any], client: TestClient, supervisor: Api
) -> None:
    nord = world["nord"]
    feed = nord.created(nord.post("/api/v1/calendar-feeds", json={"label": "Nord"}))
    text = client.get(feed["url"].removeprefix("http://fokus.example")).text
    assert "Gemeinde Nordheim" in text and "Markt Nordstadt" in text
    assert "Südheim" not in text and "Programmstelle" not in text
    everything = supervisor.created(supervisor.post("/api/v1/calendar-feeds", json={}))
    text = client.get(everything["url"].removeprefix("http://fokus.example")).text
    assert "Südheim" in text and "Programmstelle" in text


def test_bulk_changes_refuse_another_firms_ids_as_missing(
    world: dict[str, Any], admin: Api
) -> None:
    ids, nord = world["ids"], world["nord"]
    asked = [ids["nord1"], ids["sued"], 999_999]
    done = nord.ok(nord.post("/api/v1/bulk/owner", json={"engagement_ids": asked, "owner": "Nora"}))
    assert done["changed"] == [ids["nord1"]]
    refused = {r["id"]: r for r in done["refused"]}
    assert refused[ids["sued"]]["code"] == refused[999_999]["code"] == "engagement_not_found"
    assert admin.ok(admin.get(f"/api/v1/engagements/{ids['sued']}"))["owner"] is None
    moved = nord.ok(
        nord.post(
            "/api/v1/bulk/deadlines",
            json={"engagement_ids": [ids["sued"]], "extend_working_days": 3, "reason": "Urlaub"},
        )
    )
    assert moved["changed"] == [] and moved["refused"][0]["code"] == "engagement_not_found"


def test_the_firm_is_set_on_create_and_moved_only_by_an_admin(
    world: dict[str, Any], admin: Api, client: TestClient, ctx: Context
) -> None:
    nord = world["nord"]
    assert nord.engagement(municipality="Gemeinde Neu")["firm"] == NORD
    assert nord.engagement(municipality="Gemeinde Neu 2", firm=NORD)["firm"] == NORD
    refused = nord.post(
        "/api/v1/engagements",
        json={**_body(), "firm": SUED},
    )
    assert refused.status_code == 422 and refused.json()["code"] == "firm_not_yours"
    office_staff = Api(client, key(ctx, "Olaf Office", Role.staff, None))
    assert office_staff.engagement(firm=SUED)["firm"] == SUED
    assert office_staff.engagement()["firm"] is None

    eid = world["ids"]["nord1"]
    moved = nord.patch(f"/api/v1/engagements/{eid}", json={"firm": SUED})
    assert moved.status_code == 403 and moved.json()["code"] == "firm_admin_only"
    assert admin.ok(admin.patch(f"/api/v1/engagements/{eid}", json={"firm": SUED}))["firm"] == SUED
    assert nord.get(f"/api/v1/engagements/{eid}").status_code == 404  # gone from Nord's view
    assert world["sued"].get(f"/api/v1/engagements/{eid}").status_code == 200


def _body() -> dict[str, Any]:
    return dict(ENGAGEMENT)


def test_a_follow_up_stays_with_the_firm(world: dict[str, Any], ctx: Context) -> None:
    nord = world["nord"]
    eid = world["ids"]["nord1"]
    with ctx.db.write() as session:
        session.execute(
            update(Engagement).where(col(Engagement.id) == eid).values(state="completed")
        )
    follow = nord.created(
        nord.post(f"/api/v1/engagements/{eid}/follow-up", json={"process": "klimaschutzmanagement"})
    )
    assert follow["firm"] == NORD and follow["predecessor_id"] == eid


def _login(client: TestClient, api: Api) -> None:
    token = csrf_of(client.get("/login").text)
    key_text = api.headers["Authorization"].removeprefix("Bearer ")
    done = client.post(
        "/login", data={"api_key": key_text, "csrf_token": token}, follow_redirects=False
    )
    assert done.status_code == 303, done.text


def test_the_dashboard_shows_a_firm_only_its_own(world: dict[str, Any], client: TestClient) -> None:
    _login(client, world["nord"])
    overview = client.get("/").text
    assert "Gemeinde Nordheim" in overview and "Markt Nordstadt" in overview
    assert "Südheim" not in overview and "Programmstelle" not in overview
    assert SUED not in overview  # no firm filter or column for a firm's staff
    exported = client.get("/export.csv").content.decode("utf-8-sig")
    assert "Nordheim" in exported and "Südheim" not in exported
    stats = client.get("/stats")
    assert stats.status_code == 200
    form = client.get("/engagements/new").text
    assert 'name="firm"' not in form


def test_the_dashboard_gives_the_programme_office_a_firm_column_and_filter(
    world: dict[str, Any], client: TestClient, admin: Api
) -> None:
    _login(client, admin)
    overview = client.get("/").text
    assert 'id="firm"' in overview and NORD in overview and SUED in overview
    picked = client.get("/", params={"firm": SUED}).text
    assert "Gemeinde Südheim" in picked and "Nordheim" not in picked
    page = client.get(f"/engagements/{world['ids']['sued']}").text
    assert SUED in page
    form = client.get("/engagements/new").text
    assert 'name="firm"' in form


def test_the_demo_puts_engagements_in_two_firms_and_one_in_none(ctx: Context) -> None:
    load_demo(ctx)
    with ctx.db.read() as session:
        query = select(col(Engagement.firm), func.count()).group_by(col(Engagement.firm))
        counts: dict[str | None, int] = {firm: n for firm, n in session.execute(query).all()}
    assert set(counts) == {*FIRMS, None} and all(counts.values())


def test_the_application_form_names_the_firm_for_an_admin_and_not_for_a_firms_staff(
    world: dict[str, Any], client: TestClient, admin: Api
) -> None:
    application = {
        "municipality": "Markt Grünau",
        "applicant_type": "municipality",
        "federal_state": "BY",
        "contact_name": "Anna Schmidt",
        "contact_email": "anna.schmidt@example.org",
        "language": "de",
        "process": "fokusberatung:2",
        "krl_version": "2024",
    }

    def apply(api: Api, **extra: str) -> dict[str, Any]:
        _login(client, api)
        csrf = csrf_of(client.get("/engagements/new").text)
        data = {**application, **extra, "csrf_token": csrf}
        done = client.post("/engagements/new", data=data, follow_redirects=False)
        assert done.status_code == 303, done.text
        eid = int(done.headers["location"].split("/")[2].split("?")[0])
        return dict(admin.ok(admin.get(f"/api/v1/engagements/{eid}")))

    assert apply(admin, firm=SUED)["firm"] == SUED
    assert apply(admin)["firm"] is None
    # a firm's staff are not asked, and a forged field does not move it to another firm
    assert apply(world["nord"], firm=SUED)["firm"] == NORD
