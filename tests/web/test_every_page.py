"""Issue 12, must show 1: every page of the catalogue (tests/web/pages/catalogue.py) in
Chromium, in German and in English. A German page shows no English (no developer
message such as "workshop 3 is already over" or "Input should be …"), an English page no
German; neither shows an internal key or an ISO timestamp; no page answers 500; and a
refused form shows its refusal (`role=alert`), so a page that shows nothing wrong because
nothing was provoked does not pass.

The checker itself is tested on pages with a leak (test_the_checker_*), so this suite
can fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.pages.catalogue import BY_NAME, NAMES, Tab
from tests.web.pages.leaks import leaks, page_text
from tests.web.pages.site import Site, browser, site

pytestmark = [pytest.mark.browser]
__all__ = ["browser", "site"]  # the module fixtures this suite uses


@pytest.fixture(scope="module", params=["de", "en"])
def tab(request: pytest.FixtureRequest, browser: Any, site: Site) -> Iterator[Tab]:
    opened = Tab(browser, site, str(request.param))
    yield opened
    opened.close()


@pytest.mark.parametrize("name", NAMES)
def test_every_page_speaks_one_language(tab: Tab, name: str) -> None:
    visit = BY_NAME[name]
    status = visit.go(tab)
    page = tab.last
    assert status < 500, f"{name}: {status}"
    if visit.error:
        assert 400 <= status < 500 or page.locator("[role=alert]").count() > 0, status
        assert page.locator("[role=alert]").count() > 0, f"{name}: no refusal shown"
    text, other_language = page_text(page)
    found = leaks(text, tab.lang, {*tab.site.typed, *other_language})
    assert found == [], f"{name} ({tab.lang}): " + "\n".join(found)
    assert page.locator("html").get_attribute("lang") == tab.lang


# the checker must be able to fail: pages with the leaks issue 12 found
GERMAN_PAGE_WITH_ENGLISH = [
    "Fehler: workshop 3 is already over; nobody can be invited",
    "ends_at must not be before starts_at",
    "Petra Klein is already a participant of engagement 3",
    "email: not a valid email address: The part after the @-sign is not valid.",
    "reason: Value should have at least 1 item after validation, not 0",
    "progress_percent: Input should be less than or equal to 100",
    "Nachricht stage_notice wartet",
    "Geändert am 2026-05-12T17:00:00+02:00",
    "Frist: deadline moved",
    "E-Mail-Art: invitation",
    "Version 3",
]
ENGLISH_PAGE_WITH_GERMAN = [
    "Deadline: noch 29 Tage",
    "Die Frist wurde verschoben",
    "Participants: Teilnehmende",
    "Step refused: Erst muss der Zuwendungsbescheid erfasst sein",
    "History (Verlauf)",
]


@pytest.mark.parametrize("text", GERMAN_PAGE_WITH_ENGLISH)
def test_the_checker_finds_english_on_a_german_page(text: str) -> None:
    assert leaks(text, "de") != []


@pytest.mark.parametrize("text", ENGLISH_PAGE_WITH_GERMAN)
def test_the_checker_finds_german_on_an_english_page(text: str) -> None:
    assert leaks(text, "en") != []


def test_the_checker_passes_clean_pages_and_masks_what_was_typed() -> None:
    german = "Gemeinde Adorf · Workshops · Auftaktworkshop am 12.05.2026, 17:00 Uhr · Zusage: 1"
    assert leaks(german, "de") == []
    english = "Markt Grünau · Workshops · Kick-off on 12/05/2026 · Fokusberatung Klimaschutz"
    assert leaks(english, "en") != []  # the name, unmasked, reads as German
    assert leaks(english, "en", typed={"Markt Grünau"}) == []
    # masking hides the typed value only, not a leak next to it
    assert leaks("Markt Grünau: Frist verschoben", "en", typed={"Markt Grünau"}) != []
