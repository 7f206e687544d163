"""Issue 12: `?lang=en` sticks for later pages, and now the page says so: the header
names the active language, says that the choice is remembered for this browser, and
links back; choosing German again forgets the choice. The RSVP page (German only) neither
follows nor changes it."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from service.http.pages import COOKIE
from tests.support import Api
from tests.web.conftest import login


def _choice(html: str) -> str:
    """The language switch's text, tags removed and spaces collapsed."""
    match = re.search(r'<p class="lang" id="language-choice">(.*?)</p>', html, re.S)
    assert match, "no language switch on the page"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def test_german_by_default_with_a_link_to_english(client: TestClient, staff: Api) -> None:
    login(client, staff)
    html = client.get("/").text
    assert '<html lang="de">' in html
    assert _choice(html) == "Sprache: Deutsch · English"
    assert '<strong aria-current="true" lang="de">Deutsch</strong>' in html
    assert re.search(r'<a href="/\?lang=en" lang="en" hreflang="en">English</a>', html)
    assert COOKIE not in client.cookies


def test_english_is_remembered_and_says_so(client: TestClient, staff: Api) -> None:
    login(client, staff)
    chosen = client.get("/?lang=en")
    assert f"{COOKIE}=en" in chosen.headers["set-cookie"]
    assert '<html lang="en">' in chosen.text
    assert _choice(chosen.text) == "Language: English (remembered for this browser) · Deutsch"

    later = client.get("/engagements/new")  # no ?lang=: the cookie decides, and it says so
    assert '<html lang="en">' in later.text
    assert "New engagement" in later.text
    assert "(remembered for this browser)" in _choice(later.text)
    back = re.search(r'<a href="([^"]+)" lang="de" hreflang="de">Deutsch</a>', later.text)
    assert back and back.group(1) == "/engagements/new?lang=de"  # the same page, in German

    german = client.get(back.group(1))
    assert '<html lang="de">' in german.text
    assert _choice(german.text) == "Sprache: Deutsch · English"
    cleared = german.headers["set-cookie"]
    assert cleared.startswith(f"{COOKIE}=") and ("Max-Age=0" in cleared or "expires=" in cleared)
    assert COOKIE not in client.cookies  # forgotten, not remembered as German
    assert '<html lang="de">' in client.get("/").text


def test_other_query_parameters_are_kept_by_the_switch(client: TestClient, staff: Api) -> None:
    login(client, staff)
    html = client.get("/?q=Gr%C3%BCnau&overdue=1").text
    link = re.search(r'<a href="([^"]+)" lang="en"', html)
    assert link and link.group(1) == "/?q=Gr%C3%BCnau&amp;overdue=1&amp;lang=en"


def test_login_page_offers_the_switch_too(client: TestClient) -> None:
    html = client.get("/login?lang=en").text
    assert '<html lang="en">' in html and "Sign in" in html
    assert "(remembered for this browser)" in _choice(html)


def test_rsvp_pages_leave_the_choice_alone(client: TestClient, staff: Api) -> None:
    """An RSVP page is in its invitee's language (tests/mail/test_rsvp_page.py); a link
    that leads nowhere has no invitee, so it follows the visitor's choice, and neither
    sets nor clears it."""
    login(client, staff)
    client.get("/?lang=en")
    page = client.get("/rsvp/not-a-token")
    assert '<html lang="en">' in page.text
    assert '<html lang="de">' in client.get("/rsvp/not-a-token?lang=de").text
    assert 'id="language-choice"' not in page.text  # no switch that would not work here
    asked = client.get("/rsvp/not-a-token?lang=de")
    assert "set-cookie" not in asked.headers or COOKIE not in asked.headers["set-cookie"]
    assert client.cookies.get(COOKIE) == "en"  # the dashboard still remembers English
    assert '<html lang="en">' in client.get("/").text
