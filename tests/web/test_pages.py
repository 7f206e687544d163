"""The dashboard through FastAPI's TestClient: login and its cookie, CSRF, roles, the
overview's order and filters, every form on the engagement page, and no 500 for
anything a user can type."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlmodel import col
from starlette.types import ASGIApp

from service.app import create_app
from service.auth.models import ApiKey
from service.core.clock import MovableClock
from service.core.context import Context
from service.engagements import commands
from service.engagements.schemas import TransitionRequest
from tests.support import Api
from tests.web.conftest import csrf_of, form, key_of, login


def _other_client(app: ASGIApp) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)


# --- login, cookie, logout --------------------------------------------------------


def test_pages_need_a_login(client: TestClient, staff: Api) -> None:
    eid = staff.engagement()["id"]
    for url in ("/", f"/engagements/{eid}", "/?page=2"):
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 303, url
        assert response.headers["location"] == "/login"


def test_login_sets_a_signed_httponly_samesite_cookie_without_the_key(
    client: TestClient, staff: Api
) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    assert 'name="api_key"' in page.text
    assert '<label for="api_key">' in page.text
    response = client.post(
        "/login",
        data={"api_key": key_of(staff), "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("fokus_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # base_url is http in the tests
    assert key_of(staff) not in cookie
    overview = client.get("/")
    assert overview.status_code == 200
    assert "Lena Vogel" in overview.text
    # a tampered cookie is no session
    value = cookie.split(";")[0].split("=", 1)[1]
    client.cookies.set("fokus_session", value[:-2] + ("AA" if value[-2:] != "AA" else "BB"))
    assert client.get("/", follow_redirects=False).status_code == 303


def test_cookie_is_secure_when_served_over_https(ctx: Context, staff: Api) -> None:
    https = Context(
        settings=ctx.settings.model_copy(update={"base_url": "https://fokus.example"}),
        db=ctx.db,
        clock=ctx.clock,
    )
    with TestClient(
        create_app(https), base_url="https://testserver", raise_server_exceptions=False
    ) as client:
        token = csrf_of(client.get("/login").text)
        response = client.post(
            "/login", data={"api_key": key_of(staff), "csrf_token": token}, follow_redirects=False
        )
    assert response.status_code == 303
    assert "Secure" in response.headers["set-cookie"]


def test_wrong_key_is_a_401_page_with_a_message(client: TestClient) -> None:
    token = csrf_of(client.get("/login").text)
    for key in ("fok_wrong", "", " ", "x" * 5000, "ä\u2028\x00"):
        response = client.post("/login", data={"api_key": key, "csrf_token": token})
        assert response.status_code == 401, key
        assert "unbekannt oder widerrufen" in response.text
        assert client.get("/", follow_redirects=False).status_code == 303


def test_login_form_without_or_with_a_wrong_csrf_token_is_refused(
    client: TestClient, staff: Api
) -> None:
    client.get("/login")
    for data in ({"api_key": key_of(staff)}, {"api_key": key_of(staff), "csrf_token": "forged"}):
        response = client.post("/login", data=data, follow_redirects=False)
        assert response.status_code == 403
        assert "Formular" in response.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_logout_ends_the_session_and_needs_csrf(client: TestClient, staff: Api) -> None:
    csrf = login(client, staff)
    assert client.post("/logout", data={}, follow_redirects=False).status_code == 403
    assert client.get("/").status_code == 200
    response = form(client, "/logout", csrf)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?msg=logged_out"
    assert client.get("/", follow_redirects=False).status_code == 303
    assert "abgemeldet" in client.get("/login?msg=logged_out").text
    # the old token died with the session
    assert form(client, "/logout", csrf).status_code == 403


def test_a_revoked_key_ends_its_session(client: TestClient, staff: Api, ctx: Context) -> None:
    login(client, staff)
    assert client.get("/").status_code == 200
    with ctx.db.write() as session:
        session.execute(update(ApiKey).values(revoked_at=ctx.clock.now()))
    assert client.get("/", follow_redirects=False).status_code == 303


def _cookie(client: TestClient) -> str:
    value = client.cookies.get("fokus_session")
    assert isinstance(value, str) and value
    return value


def _with_cookie(app: FastAPI, cookie: str) -> TestClient:
    other = _other_client(app)
    other.cookies.set("fokus_session", cookie)
    return other


def test_after_logout_the_old_cookie_opens_nothing(
    client: TestClient, staff: Api, app: FastAPI
) -> None:
    """Whoever kept a copy of the cookie (another tab, a stolen copy) is out too."""
    csrf = login(client, staff)
    old = _cookie(client)
    assert _with_cookie(app, old).get("/").status_code == 200
    assert form(client, "/logout", csrf).status_code == 303
    copy = _with_cookie(app, old)
    response = copy.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert form(copy, "/logout", csrf).status_code == 403  # nor does its CSRF token work


def test_logout_reaches_another_replica_and_a_login_survives_a_restart(
    client: TestClient, staff: Api, ctx: Context
) -> None:
    """Two replicas on one database (each its own Context, engine and app), then a
    restart: the session is the database's, not a process's."""
    replica = Context.from_settings(ctx.settings, clock=ctx.clock)
    try:
        other = create_app(replica)
        csrf = login(client, staff)
        old = _cookie(client)
        assert _with_cookie(other, old).get("/").status_code == 200  # a restart keeps it
        assert form(client, "/logout", csrf).status_code == 303
        assert _with_cookie(other, old).get("/", follow_redirects=False).status_code == 303
    finally:
        replica.db.dispose()


def test_a_session_ends_after_12_hours_on_the_server_too(
    client: TestClient, staff: Api, clock: MovableClock
) -> None:
    """The cookie's signature carries the wall-clock age; the stored session its own
    expiry, so a copied cookie cannot outlive it."""
    login(client, staff)
    clock.advance(hours=11, minutes=59)
    assert client.get("/").status_code == 200
    clock.advance(minutes=2)
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_new_login_ends_the_session_it_replaces(
    client: TestClient, staff: Api, app: FastAPI
) -> None:
    login(client, staff)
    first = _cookie(client)
    csrf = csrf_of(client.get("/").text)
    relog = client.post(
        "/login", data={"api_key": key_of(staff), "csrf_token": csrf}, follow_redirects=False
    )
    assert relog.status_code == 303
    assert _cookie(client) != first
    assert client.get("/").status_code == 200
    assert _with_cookie(app, first).get("/", follow_redirects=False).status_code == 303


def test_the_cookie_holds_no_key_and_the_database_no_session_id(
    client: TestClient, staff: Api, ctx: Context
) -> None:
    from service.auth.models import DashboardSession
    from service.web import session as websession

    login(client, staff)
    data = websession._serializer(ctx).loads(_cookie(client))
    assert set(data) == {"s", "c"}
    with ctx.db.read() as session:
        stored = session.execute(select(col(DashboardSession.id_hash))).scalars().all()
    assert len(stored) == 1 and data["s"] not in stored[0]


# --- overview ---------------------------------------------------------------------


def test_overview_lists_overdue_first_then_by_deadline(
    client: TestClient, staff: Api, clock: MovableClock
) -> None:
    late = staff.engagement(municipality="Gemeinde Spätdorf")
    clock.advance(days=40)
    later = staff.engagement(municipality="Stadt Späterhausen")
    clock.advance(days=3)
    soon = staff.engagement(municipality="Markt Baldingen", owner="Jonas Becker")
    staff.ok(staff.fire(later["id"], "approve"))  # onboarding: a later deadline than `soon`
    login(client, staff)
    html = client.get("/").text
    order = [m for m in re.findall(r'data-id="(\d+)"', html)]
    assert order == [str(late["id"]), str(soon["id"]), str(later["id"])]
    row = html.split(f'data-id="{late["id"]}"')[1].split("</tr>")[0]
    assert "überfällig" in row  # in words, not only in colour
    assert 'class="overdue"' in html
    assert "noch 18 Monate" not in html
    # filters and search
    only_late = client.get("/?overdue=1").text
    assert re.findall(r'data-id="(\d+)"', only_late) == [str(late["id"])]
    not_late = client.get("/?overdue=0").text
    assert str(late["id"]) not in re.findall(r'data-id="(\d+)"', not_late)
    onboarding = client.get("/?stage=onboarding").text
    assert re.findall(r'data-id="(\d+)"', onboarding) == [str(later["id"])]
    assert re.findall(r'data-id="(\d+)"', client.get("/?q=BALDING").text) == [str(soon["id"])]
    owned = client.get("/?owner=Jonas+Becker").text
    assert re.findall(r'data-id="(\d+)"', owned) == [str(soon["id"])]
    # the bar of counts per stage
    assert re.search(r'data-stage="application"><span class="count">2</span>', html)
    assert re.search(r'data-stage="onboarding"><span class="count">1</span>', html)


def test_overview_pages(client: TestClient, staff: Api) -> None:
    for i in range(27):
        staff.engagement(municipality=f"Gemeinde {i:02d}")
    login(client, staff)
    first = client.get("/").text
    assert len(re.findall(r'data-id="', first)) == 25
    assert "Seite 1 von 2" in first
    second = client.get("/?page=2").text
    assert len(re.findall(r'data-id="', second)) == 2
    assert 'rel="prev"' in second
    assert len(re.findall(r'data-id="', client.get("/?page=99").text)) == 0


ODD_QUERIES = [
    "page=-1",
    "page=0",
    "page=abc",
    "page=99999999999999999999999999",
    "page=1e9",
    "stage=unknown",
    "stage=",
    "stage=%00",
    "overdue=maybe",
    "owner=%00%01",
    "q=" + "x" * 20_000,
    "q=%F0%9F%8C%8D%20M%C3%BCnchen",
    "q=%ED%A0%80",  # a lone surrogate, percent-encoded
    "q=%25_%5C",  # LIKE wildcards
    "q=%00",
    "q='%20OR%201=1--",
    "lang=xx",
    "lang=en&lang=de",
    "page=2&page=x&stage=workshops&stage=x",
    "%ZZ=%ZZ",
]


def test_no_500_for_odd_query_strings(client: TestClient, staff: Api) -> None:
    eid = staff.engagement()["id"]
    login(client, staff)
    for query in ODD_QUERIES:
        for path in ("/", f"/engagements/{eid}", "/login", "/engagements/abc"):
            response = client.get(f"{path}?{query}")
            assert response.status_code < 500, (path, query, response.text[:300])
            assert response.headers["content-type"].startswith("text/html")


def test_unknown_engagement_is_a_404_page(client: TestClient, staff: Api) -> None:
    login(client, staff)
    for path in ("999999", "abc", "0", "-1", "1.5", str(2**62), str(2**63), "%C3%A4", "9" * 30):
        response = client.get(f"/engagements/{path}")
        assert response.status_code == 404, path
        assert "Nicht gefunden" in response.text
        assert "<h1>" in response.text


def test_english_switch_is_remembered(client: TestClient, staff: Api) -> None:
    login(client, staff)
    assert "Beratungen" in client.get("/").text
    english = client.get("/?lang=en")
    assert "fokus_lang=en" in english.headers["set-cookie"]
    assert '<html lang="en">' in english.text
    assert "Engagements" in english.text
    assert "Engagements" in client.get("/").text
    assert '<html lang="de">' in client.get("/?lang=de").text


# --- the engagement page ------------------------------------------------------------


def test_engagement_page_shows_the_diagram_with_the_current_stage(
    client: TestClient, staff: Api
) -> None:
    eid = staff.engagement()["id"]
    login(client, staff)
    html = client.get(f"/engagements/{eid}").text
    assert '<svg class="diagram"' in html
    assert 'class="stage current" data-stage="application"' in html
    assert html.count("stage current") == 1
    assert "aktuelle Phase: Antrag" in html
    assert "<script" not in html  # works without JavaScript, nothing from a CDN
    assert 'name="trigger" value="approve"' in html
    # the refused trigger of the next stage is not shown yet; approve is allowed
    staff.ok(staff.fire(eid, "approve"))
    html = client.get(f"/engagements/{eid}").text
    assert 'class="stage current" data-stage="onboarding"' in html
    assert "Workshops beginnen" in html
    assert "mindestens eine teilnehmende Person" in html  # why start_workshops is refused


def test_advance_a_stage_with_a_note_through_the_form(client: TestClient, staff: Api) -> None:
    eng = staff.engagement()
    csrf = login(client, staff)
    url = f"/engagements/{eng['id']}/transition"
    response = form(
        client, url, csrf, trigger="approve", note="Bescheid liegt vor", expected_version=1
    )
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert "Phase geändert" in page
    assert "Bescheid liegt vor" in page
    history = staff.ok(staff.get(f"/api/v1/engagements/{eng['id']}/history"))
    assert [(h["trigger"], h["actor"], h["note"]) for h in history] == [
        ("approve", "Lena Vogel", "Bescheid liegt vor")
    ]
    # the same form again (stale version) is a friendly 409, nothing changes
    stale = form(client, url, csrf, trigger="withdraw", note="zu spät", expected_version=1)
    assert stale.status_code == 409
    assert "inzwischen geändert" in stale.text
    assert staff.ok(staff.get(f"/api/v1/engagements/{eng['id']}"))["state"] == "onboarding"
    # a guard refuses with its reason, in the page
    refused = form(client, url, csrf, trigger="start_workshops", expected_version=2)
    assert refused.status_code == 409
    assert "participant" in refused.text


def test_the_transition_form_takes_the_apis_write_path(
    client: TestClient, staff: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The form and the API fire a transition through one function (its own write
    transaction via ctx.db.run_write), not each through a transaction of its own."""
    calls: list[tuple[int, str, str]] = []
    original = commands.fire_transition

    async def spy(
        ctx: Context, engagement_id: int, request: TransitionRequest, actor: str
    ) -> commands.Transitioned:
        calls.append((engagement_id, request.trigger, actor))
        return await original(ctx, engagement_id, request, actor)

    monkeypatch.setattr(commands, "fire_transition", spy)
    eid = staff.engagement()["id"]
    csrf = login(client, staff)
    response = form(client, f"/engagements/{eid}/transition", csrf, trigger="approve")
    assert response.status_code == 303
    staff.ok(staff.fire(eid, "withdraw"))
    assert calls == [(eid, "approve", "Lena Vogel"), (eid, "withdraw", "Lena Vogel")]


def test_pages_count_days_as_the_api_does(
    client: TestClient, staff: Api, clock: MovableClock
) -> None:
    eid = staff.engagement()["id"]
    staff.ok(staff.fire(eid, "approve"))  # starts the funding period
    clock.advance(timedelta(days=3, hours=15, minutes=30))  # 00:30 in Berlin, still 23:30 UTC
    api = staff.ok(staff.get(f"/api/v1/engagements/{eid}"))
    assert api["days_left"] > 1 and api["funding_days_left"] > 1
    login(client, staff)
    page = client.get(f"/engagements/{eid}").text
    assert f"noch {api['days_left']} Tage" in page
    assert f"noch {api['funding_days_left']} Tage" in page
    row = re.search(rf'<tr[^>]*data-id="{eid}">(.*?)</tr>', client.get("/").text, re.S)
    assert row is not None
    # the overview says the time left in working days (tests/web/test_overview.py)
    assert f"noch {api['working_days_left']} Arbeitstage" in row.group(1)
    assert f"{api['funding_days_left']} Tage</td>" in row.group(1)


def test_forms_without_or_with_a_wrong_csrf_token_are_refused(
    client: TestClient, staff: Api
) -> None:
    eid = staff.engagement()["id"]
    csrf = login(client, staff)
    url = f"/engagements/{eid}/transition"
    for token in ("", "wrong", csrf[:-1]):
        response = client.post(url, data={"csrf_token": token, "trigger": "approve"})
        assert response.status_code == 403
    response = client.post(url, data={"trigger": "approve"})
    assert response.status_code == 403
    other = _other_client(client.app)
    other_csrf = login(other, staff)
    assert other_csrf != csrf
    assert form(client, url, other_csrf, trigger="approve").status_code == 403
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}"))["state"] == "application"


def test_supervisor_sees_everything_but_cannot_advance(
    app: FastAPI, staff: Api, supervisor: Api
) -> None:
    eid = staff.engagement(municipality="Gemeinde Aufsicht")["id"]
    with _other_client(app) as client:
        csrf = login(client, supervisor)
        assert "Gemeinde Aufsicht" in client.get("/").text
        page = client.get(f"/engagements/{eid}").text
        assert 'name="trigger"' not in page
        assert "nicht ändern" in page
        response = form(client, f"/engagements/{eid}/transition", csrf, trigger="approve")
        assert response.status_code == 403
        response = form(
            client, f"/engagements/{eid}/participants", csrf, name="A", email="a@example.org"
        )
        assert response.status_code == 403
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}"))["state"] == "application"
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}/participants")) == []


def test_participants_add_refuse_and_remove(client: TestClient, staff: Api) -> None:
    eid = staff.engagement()["id"]
    csrf = login(client, staff)
    url = f"/engagements/{eid}/participants"
    added = form(
        client, url, csrf, name="Petra Klein", email="petra@example.org", organisation="Stadtwerke"
    )
    assert added.status_code == 303
    page = client.get(added.headers["location"]).text
    assert "Petra Klein" in page and "Stadtwerke" in page
    twice = form(client, url, csrf, name="Petra Klein", email="petra@example.org")
    assert twice.status_code == 409
    bad = form(client, url, csrf, name="Eve", email="not-an-email")
    assert bad.status_code == 422
    assert "email" in bad.text
    assert 'value="Eve"' in bad.text  # what was typed stays in the form
    pid = staff.ok(staff.get(f"/api/v1/engagements/{eid}/participants"))[0]["id"]
    removed = form(client, f"{url}/remove", csrf, participant_id=pid)
    assert removed.status_code == 303
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}/participants")) == []
    assert form(client, f"{url}/remove", csrf, participant_id=pid).status_code == 404


def test_workshop_invitation_and_messages(client: TestClient, staff: Api) -> None:
    eid = staff.engagement()["id"]
    staff.participant(eid, name="Petra Klein")
    csrf = login(client, staff)
    created = form(
        client,
        f"/engagements/{eid}/workshops",
        csrf,
        title="Auftaktworkshop",
        starts_at="2026-03-20T17:00",
        ends_at="2026-03-20T20:00",
        location="Rathaus",
    )
    assert created.status_code == 303
    workshop = client.get(created.headers["location"]).text
    found = re.search(r'data-workshop="(\d+)"', workshop)
    assert found is not None
    wid = found.group(1)
    assert "offen: <strong>0</strong>" in workshop
    invited = form(client, f"/engagements/{eid}/invitations", csrf, workshop_id=wid)
    assert invited.status_code == 303
    page = client.get(invited.headers["location"]).text
    assert "Einladungen verschickt: 1" in page
    assert "offen: <strong>1</strong>" in page
    assert "Alle Teilnehmenden sind eingeladen." in page  # nobody left to invite
    messages = page[page.index('id="messages"') :]
    assert "Einladung" in messages and "wartet" in messages  # the mail and its status
    again = form(client, f"/engagements/{eid}/invitations", csrf, workshop_id=wid)
    assert "Einladungen verschickt: 0" in client.get(again.headers["location"]).text
    backwards = form(
        client,
        f"/engagements/{eid}/workshops",
        csrf,
        title="X",
        starts_at="2026-03-20T17:00",
        ends_at="2026-03-20T10:00",
        location="Rathaus",
    )
    assert backwards.status_code == 422


def test_measures_add_and_edit(client: TestClient, staff: Api) -> None:
    eid = staff.engagement()["id"]
    csrf = login(client, staff)
    added = form(client, f"/engagements/{eid}/measures", csrf, title="LED", action_area="mobility")
    assert added.status_code == 303
    mid = staff.ok(staff.get(f"/api/v1/engagements/{eid}/measures"))[0]["id"]
    url = f"/engagements/{eid}/measures/update"
    changed = form(client, url, csrf, measure_id=mid, status="in_progress", progress_percent=40)
    assert changed.status_code == 303
    measure = staff.ok(staff.get(f"/api/v1/engagements/{eid}/measures"))[0]
    assert (measure["status"], measure["progress_percent"]) == ("in_progress", 40)
    assert form(client, url, csrf, measure_id=mid, progress_percent=101).status_code == 422
    assert form(client, url, csrf, measure_id=mid, status="bogus").status_code == 422
    assert form(client, url, csrf, measure_id=999, status="planned").status_code == 404
    other = staff.engagement()["id"]
    assert (
        form(
            client, f"/engagements/{other}/measures/update", csrf, measure_id=mid, status="failed"
        ).status_code
        == 404
    )


def test_deadline_change_with_reason(client: TestClient, staff: Api) -> None:
    eng = staff.engagement()
    csrf = login(client, staff)
    url = f"/engagements/{eng['id']}/deadline"
    assert (
        form(client, url, csrf, due_date="2026-05-04", reason="", expected_version=1).status_code
        == 422
    )
    assert (
        form(client, url, csrf, due_date="04.05.2026", reason="x", expected_version=1).status_code
        == 422
    )
    moved = form(
        client,
        url,
        csrf,
        due_date="2026-05-04",
        reason="Gemeinderat tagt später",
        expected_version=1,
    )
    assert moved.status_code == 303
    after = staff.ok(staff.get(f"/api/v1/engagements/{eng['id']}"))
    assert after["stage_due_at"].startswith("2026-05-04")
    page = client.get(moved.headers["location"]).text
    assert "Gemeinderat tagt später" in page


ODD_FORMS = [
    {},
    {"trigger": ""},
    {"trigger": "no_such_trigger"},
    {"trigger": "approve", "expected_version": "-1"},
    {"trigger": "approve", "expected_version": "9" * 40},
    {"trigger": "approve", "note": "x" * 10_000},
    {"trigger": "approve", "note": "\x00\x07"},
    {"name": "Zeile\numbruch", "email": "a@example.org"},
    {"name": "ä" * 500, "email": "ä@ä"},
    {"participant_id": "abc"},
    {"participant_id": "99999999999999999999999"},
    {"participant_id": str(2**62), "workshop_id": str(2**62), "measure_id": str(2**62)},
    {"workshop_id": "-5"},
    {"title": "T", "starts_at": "gestern", "ends_at": "", "location": "L"},
    {"title": "T", "starts_at": "9999-12-31T23:59", "ends_at": "9999-12-31T23:59", "location": "L"},
    {"measure_id": "1", "progress_percent": "1e3"},
    {"due_date": "0001-01-01", "reason": "r"},
    {"due_date": "9999-12-31", "reason": "r"},
    {"owner": "x" * 300},
    {"action_area": "nowhere", "title": "T"},
]
ACTIONS = [
    "transition",
    "participants",
    "participants/remove",
    "workshops",
    "invitations",
    "measures",
    "measures/update",
    "deadline",
    "owner",
]


def test_no_500_for_odd_form_input(client: TestClient, staff: Api) -> None:
    eid = staff.engagement()["id"]
    staff.participant(eid)
    csrf = login(client, staff)
    for action in ACTIONS:
        for fields in ODD_FORMS:
            for target in (str(eid), "999999", "x"):
                response = form(client, f"/engagements/{target}/{action}", csrf, **fields)
                assert response.status_code < 500, (action, fields, response.text[:300])
                assert response.status_code != 200 or "alert" in response.text
    # bodies that are not a form at all
    for body, ctype in (
        (b"\xff\xfe", "application/x-www-form-urlencoded"),
        (b"--x\r\n", "multipart/form-data; boundary=x"),
        (b'{"trigger": "approve"}', "application/json"),
    ):
        response = client.post(
            f"/engagements/{eid}/transition", content=body, headers={"content-type": ctype}
        )
        assert response.status_code in (400, 403), (body, response.status_code)
    # invalid UTF-8 and a lone surrogate, percent-encoded, with a valid token
    for raw in ("%ED%A0%80", "%FF", "%"):
        response = client.post(
            f"/engagements/{eid}/deadline",
            content=f"csrf_token={csrf}&due_date={raw}&reason={raw}",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert 400 <= response.status_code < 500, (raw, response.status_code)
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}"))["state"] == "application"


def test_overdue_engagement_shows_days_overdue(
    client: TestClient, staff: Api, clock: MovableClock
) -> None:
    eid = staff.engagement()["id"]
    clock.advance(timedelta(days=31))
    login(client, staff)
    page = client.get(f"/engagements/{eid}").text
    assert re.search(r"\d+ Tage? überfällig", page)


def test_a_signed_cookie_without_a_stored_session_is_no_login(
    client: TestClient, staff: Api, ctx: Context
) -> None:
    """Only a session the server stored logs in: not a cookie signed with the right
    secret naming an unknown session, nor one of the old format that named the key's
    row id (after a database reset the same id can belong to another key)."""
    from service.web import session as websession

    login(client, staff)
    with ctx.db.read() as session:
        key_id = session.execute(select(col(ApiKey.id))).scalar_one()
    serializer = websession._serializer(ctx)
    for forged in (
        {"s": "made-up", "c": "token"},
        {"s": "", "c": "token"},
        {"s": 7, "c": "token"},
        {"k": key_id, "h": "0" * 16, "c": "token"},
        {"k": key_id, "c": "token"},
    ):
        client.cookies.set(websession.COOKIE, serializer.dumps(forged))
        assert client.get("/", follow_redirects=False).status_code == 303, forged
