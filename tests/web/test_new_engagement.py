"""Issue 12: `/engagements/new`, the application form with the eligibility rules of the
chosen process and KRL version; it creates through the API's own service function."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.support import Api, LiveServer
from tests.web.conftest import csrf_of, form, key_of, login
from tests.web.pages.site import browser

__all__ = ["browser"]  # the module fixture the browser tests use

APPLICATION = {
    "municipality": "Markt Grünau",
    "applicant_type": "municipality",
    "federal_state": "BY",
    "contact_name": "Anna Schmidt",
    "contact_email": "anna.schmidt@example.org",
    "owner": "Lena Vogel",
    "language": "de",
    "process": "fokusberatung:2",  # what step 1 chose (hidden fields of the form)
    "krl_version": "2024",
}


def _apply(client: TestClient, csrf: str, **fields: object) -> tuple[int, str, str]:
    """Posts the form; (status, Location, page text)."""
    response = form(client, "/engagements/new", csrf, **{**APPLICATION, **fields})
    return response.status_code, response.headers.get("location", ""), response.text


def test_fokusberatung_v2_by_default_with_the_variant_fields(
    client: TestClient, staff: Api
) -> None:
    csrf = login(client, staff)
    page = client.get("/engagements/new")
    assert page.status_code == 200
    html = page.text
    assert "Neue Beratung" in html
    assert 'value="fokusberatung:2" selected' in html  # the default: the latest version
    assert 'name="variant"' in html and 'name="focus_field"' in html
    assert "Bayern" in html and "Nordrhein-Westfalen" in html  # states by German name
    assert 'type="email"' in html and 'pattern="' in html
    # KRL 2024 (in force today) lists the applicant types added by the KRL 2022
    assert "Zweckverband" in html

    status, location, _ = _apply(
        client, csrf, variant="fokus", focus_field="mobility", has_integrated_concept="1"
    )
    assert status == 303, _
    match = re.fullmatch(r"/engagements/(\d+)\?msg=new_created", location)
    assert match, location
    eid = int(match.group(1))
    created = staff.ok(staff.get(f"/api/v1/engagements/{eid}"))
    assert created["process"] == "fokusberatung" and created["process_version"] == 2
    assert created["variant"] == "fokus" and created["focus_field"] == "mobility"
    assert created["has_integrated_concept"] is True
    assert created["municipality"] == "Markt Grünau" and created["owner"] == "Lena Vogel"
    assert created["state"] == "application" and created["stage_due_at"] is not None
    shown = client.get(location).text
    assert "Beratung angelegt." in shown and "Markt Grünau" in shown


def test_klimaschutzmanagement_has_no_variants_and_refuses_a_concept(
    client: TestClient, staff: Api
) -> None:
    csrf = login(client, staff)
    html = client.get("/engagements/new?process=klimaschutzmanagement:1&krl_version=2022").text
    assert 'value="klimaschutzmanagement:1" selected' in html
    assert 'name="variant"' not in html and 'name="focus_field"' not in html
    assert 'value="2022" selected' in html

    status, _, html = _apply(
        client,
        csrf,
        process="klimaschutzmanagement:1",
        krl_version="2022",
        has_integrated_concept="1",
        municipality="Stadt Seeblick",
    )
    assert status == 422
    assert "Das Erstvorhaben Klimaschutzmanagement setzt voraus" in html
    assert 'id="has_integrated_concept-error"' in html
    assert 'value="Stadt Seeblick"' in html  # what was typed is kept
    assert "not eligible" not in html and "has_integrated_concept is" not in html
    assert staff.ok(staff.get("/api/v1/engagements"))["total"] == 0

    status, location, _ = _apply(
        client, csrf, process="klimaschutzmanagement:1", krl_version="2022"
    )
    assert status == 303
    eid = int(location.split("/")[2].split("?")[0])
    created = staff.ok(staff.get(f"/api/v1/engagements/{eid}"))
    assert created["process"] == "klimaschutzmanagement" and created["krl_version"] == "2022"
    assert created["variant"] is None


def test_ineligible_applications_are_refused_in_german_next_to_the_field(
    client: TestClient, staff: Api
) -> None:
    csrf = login(client, staff)
    status, _, html = _apply(
        client,
        csrf,
        municipality="Stadtwerke Grünau GmbH",
        applicant_type="municipal_company",
        municipal_share_percent="20",
        contact_email="max@gemeinde",
    )
    assert status == 422
    assert "mindestens 25 % kommunale Beteiligung" in html or "Keine gültige E-Mail" in html
    assert 'value="Stadtwerke Grünau GmbH"' in html and 'value="20"' in html
    assert 'aria-invalid="true"' in html
    assert "Input should" not in html and "Value error" not in html

    status, _, html = _apply(
        client, csrf, applicant_type="municipal_company", municipal_share_percent="20"
    )
    assert status == 422
    assert "Nicht antragsberechtigt: Ein kommunales Unternehmen braucht mindestens 25 %" in html
    assert 'id="municipal_share_percent-error"' in html

    status, _, html = _apply(client, csrf, contact_email="max@gemeinde")
    assert status == 422
    assert 'id="contact_email-error"' in html and "Domain mit Punkt" in html

    status, _, html = _apply(client, csrf, applicant_type="religious_community")
    assert status == 422
    assert "Körperschaft des öffentlichen Rechts" in html

    status, _, html = _apply(client, csrf, applicant_type="education")
    assert status == 422
    assert 'id="operator_kind-error"' in html and "Träger" in html

    status, _, html = _apply(client, csrf, variant="fokus")
    assert status == 422
    assert 'id="focus_field-error"' in html and "Handlungsfeld" in html

    status, _, html = _apply(client, csrf, has_integrated_concept="1")  # einstieg
    assert status == 422
    assert "Die Einstiegs- und Orientierungsberatung setzt voraus" in html

    # a KRL 2020 application offers only its applicant types, and refuses the others
    html = client.get("/engagements/new?krl_version=2020").text
    assert "Zweckverband" not in html
    status, _, html = _apply(
        client, csrf, krl_version="2020", applicant_type="special_purpose_association"
    )
    assert status == 422
    assert "Nicht antragsberechtigt unter der KRL 2020" in html

    status, _, html = _apply(client, csrf, municipality="", federal_state="")
    assert status == 422
    assert html.count("Bitte ausfüllen.") + html.count("Bitte eine der Möglichkeiten") >= 2
    assert staff.ok(staff.get("/api/v1/engagements"))["total"] == 0


def test_english_refusals_in_english(client: TestClient, staff: Api) -> None:
    login(client, staff)
    csrf = csrf_of(client.get("/engagements/new?lang=en").text)
    status, _, html = _apply(client, csrf, applicant_type="religious_community")
    assert status == 422
    assert "needs the status of a public corporation" in html
    assert "Körperschaft" not in html


def test_supervisors_get_no_link_and_a_german_403(
    client: TestClient, supervisor: Api, staff: Api
) -> None:
    csrf = login(client, supervisor)
    assert 'href="/engagements/new"' not in client.get("/").text
    page = client.get("/engagements/new")
    assert page.status_code == 403
    assert "Das darf Ihre Rolle nicht." in page.text
    status, _, html = _apply(client, csrf)
    assert status == 403 and "Das darf Ihre Rolle nicht." in html
    assert staff.ok(staff.get("/api/v1/engagements"))["total"] == 0


def test_staff_and_admins_see_the_link(client: TestClient, staff: Api, admin: Api) -> None:
    login(client, staff)
    assert 'href="/engagements/new"' in client.get("/").text
    login(client, admin)
    assert client.get("/engagements/new").status_code == 200


def test_csrf_and_login(client: TestClient, staff: Api) -> None:
    assert client.get("/engagements/new", follow_redirects=False).headers["location"] == "/login"
    login(client, staff)
    status, _, html = _apply(client, "forged")
    assert status == 403
    assert "Das Formular ist abgelaufen" in html
    assert staff.ok(staff.get("/api/v1/engagements"))["total"] == 0


def test_a_process_that_does_not_exist_falls_back_and_odd_input_is_no_500(
    client: TestClient, staff: Api
) -> None:
    csrf = login(client, staff)
    html = client.get("/engagements/new?process=nope:99&krl_version=1999").text
    assert 'value="fokusberatung:2" selected' in html
    status, _, html = _apply(
        client, csrf, applicant_type="\x00", language="fr", municipal_share_percent="viel"
    )
    assert status == 422
    assert "Internal" not in html
    for process, krl in (
        ("nope:1", "2024"),
        ("fokusberatung:99", "2024"),
        ("fokusberatung:x", "2024"),
        ("fokusberatung:2", "1999"),
    ):
        status, _, html = _apply(client, csrf, process=process, krl_version=krl)
        assert status == 422, (process, krl)
        assert "Diesen Ablauf oder diese Richtlinie gibt es nicht" in html
    assert staff.ok(staff.get("/api/v1/engagements"))["total"] == 0
    # none given: as in the API, the default process at its latest version, today's KRL
    status, location, _ = _apply(client, csrf, process="", krl_version="")
    assert status == 303
    created = staff.ok(staff.get(location.split("?")[0].replace("/", "/api/v1/", 1)))
    assert (created["process"], created["process_version"]) == ("fokusberatung", 2)
    assert created["krl_version"] == "2024"


# --- in Chromium: the script that hides what does not apply, keyboard, no JavaScript ----


@pytest.fixture
def live(app: FastAPI) -> Iterator[LiveServer]:
    server = LiveServer(app).start()
    yield server
    server.stop()


def _signed_in(browser: Any, live: LiveServer, staff: Api, **options: Any) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, **options)
    page = context.new_page()
    page.goto(live.url + "/login")
    page.fill("#api_key", key_of(staff))
    page.press("#api_key", "Enter")  # the keyboard is enough
    page.wait_for_url(live.url + "/")
    return page


@pytest.mark.browser
@pytest.mark.sqlite_only
def test_in_the_browser_with_the_keyboard(browser: Any, live: LiveServer, staff: Api) -> None:
    page = _signed_in(browser, live, staff, locale="de-DE")
    page.get_by_role("link", name="Neue Beratung").click()
    page.wait_for_url(live.url + "/engagements/new")
    share, operator = page.locator("#municipal_share_percent"), page.locator("#operator_kind")
    focus = page.locator("#focus_field")
    assert not share.is_visible() and not operator.is_visible() and not focus.is_visible()
    page.select_option("#applicant_type", "municipal_company")
    assert share.is_visible() and not operator.is_visible()
    page.select_option("#applicant_type", "education")
    assert operator.is_visible() and not share.is_visible()
    page.select_option("#applicant_type", "municipality")
    page.locator("#variant-fokus").check()
    assert focus.is_visible()

    page.fill("#municipality", "Markt Grünau")
    page.select_option("#federal_state", "BY")
    page.fill("#contact_name", "Anna Schmidt")
    page.fill("#contact_email", "max@gemeinde")  # what the issue found the browser accepted
    page.select_option("#focus_field", "heat")
    page.press("#contact_name", "Enter")
    assert page.evaluate("document.querySelector('#contact_email').validity.patternMismatch")
    assert page.url == live.url + "/engagements/new"  # not sent
    page.fill("#contact_email", "max@gemeinde.de")
    page.press("#contact_email", "Enter")
    page.wait_for_url(re.compile(r"/engagements/\d+\?msg=new_created"))
    assert "Beratung angelegt." in page.get_by_role("status").inner_text()
    assert page.locator("h1").inner_text() == "Markt Grünau"
    created = staff.ok(staff.get("/api/v1/engagements"))["items"][0]
    assert (created["variant"], created["focus_field"]) == ("fokus", "heat")
    page.context.close()


@pytest.mark.browser
@pytest.mark.sqlite_only
def test_in_the_browser_without_javascript(browser: Any, live: LiveServer, staff: Api) -> None:
    page = _signed_in(browser, live, staff, java_script_enabled=False)
    page.goto(live.url + "/engagements/new?lang=en")
    page.select_option("#choice-process", "klimaschutzmanagement:1")
    page.get_by_role("button", name="Apply choice").click()
    page.wait_for_url(re.compile(r"process=klimaschutzmanagement"))
    # every field that may apply is shown, with the hint saying for whom
    assert page.locator("#municipal_share_percent").is_visible()
    assert page.locator("#operator_kind").is_visible()
    assert page.locator("#variant-fokus").count() == 0
    page.fill("#municipality", "Stadt Seeblick")
    page.fill("#municipal_share_percent", "10")  # ignored: the applicant is a municipality
    page.select_option("#federal_state", "SH")
    page.fill("#contact_name", "Jan Meier")
    page.fill("#contact_email", "jan.meier@seeblick.de")
    page.get_by_role("button", name="Create engagement").click()
    page.wait_for_url(re.compile(r"/engagements/\d+\?msg=new_created"))
    assert "Engagement created." in page.get_by_role("status").inner_text()
    created = staff.ok(staff.get("/api/v1/engagements"))["items"][0]
    assert created["process"] == "klimaschutzmanagement"
    assert created["municipal_share_percent"] is None
    page.context.close()
