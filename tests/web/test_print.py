"""Issue 12: an engagement prints as a clean case file (templates/static/print.css, linked
for media="print"): no navigation, buttons, inputs or forms; the header with the
municipality, the stage and the day it was printed; every section as plain text, and
what hides behind a closed toggle printed open. Chromium emulates print media for the
checks and makes a PDF of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.pages.site import Site, browser, site

pytestmark = [pytest.mark.browser]
__all__ = ["browser", "site"]  # the module fixtures this suite uses

# form controls and other things one can only click, that are visible
CLICKABLE = """() => [...document.querySelectorAll(
    'input:not([type=hidden]), select, textarea, button, summary, nav, form')]
  .filter(el => el.checkVisibility())
  .map(el => el.outerHTML.slice(0, 100))"""
# what a closed <details> holds besides its toggle and its forms: text one should see on paper
HIDDEN_BEHIND_TOGGLES = """() => [
    ...document.querySelectorAll('details:not([open]) > :not(summary)')]
  .filter(el => !el.matches('form') && !el.querySelector('form, input, select, textarea, button'))
  .filter(el => el.textContent.trim())"""
SECTIONS = ("details", "grant", "history", "participants", "workshops", "measures", "records")


@pytest.fixture(scope="module")
def page(browser: Any, site: Site) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    opened = context.new_page()
    opened.goto(site.url + "/login")
    opened.fill("#api_key", site.keys["staff"])
    opened.get_by_role("button", name="Mit Schlüssel anmelden").click()
    opened.wait_for_url(site.url + "/")
    eid = site.engagements["fokusberatung.2.implementation"]
    opened.goto(f"{site.url}/engagements/{eid}")
    yield opened
    context.close()


def test_on_screen_the_page_has_its_controls(page: Any) -> None:
    """The other side of the print checks: on screen the same page has forms and a
    navigation, and the printed date is hidden."""
    page.emulate_media(media="screen")
    assert len(page.evaluate(CLICKABLE)) > 5
    assert not page.locator("p.printed").is_visible()


def test_printed_without_anything_to_click(page: Any) -> None:
    page.emulate_media(media="print")
    assert page.evaluate(CLICKABLE) == []
    assert not page.locator("header.site").is_visible()
    assert not page.locator("footer.site").is_visible()
    assert not page.locator("#actions").is_visible()  # the next steps are for the screen


def test_printed_header_and_sections(page: Any) -> None:
    page.emulate_media(media="print")
    printed = page.locator("p.printed")
    assert printed.is_visible()
    assert re.fullmatch(
        r"Aktenzeichen FB-\d{4}-\d{4} · Fokusberatung Klimaschutz[^·]* · Phase: Umsetzung[^·]* · "
        r"Gedruckt am \d\d\.\d\d\.\d{4}",
        printed.inner_text().strip(),
    ), printed.inner_text()
    assert page.locator("h1").is_visible()
    assert page.locator("h1").inner_text().strip()  # the municipality
    assert page.locator("#current-stage").is_visible()
    assert "Umsetzung" in page.locator("#current-stage").inner_text()
    assert "Fokusberatung" in page.locator("#h-process").inner_text()
    for section in SECTIONS:
        assert page.locator(f"#{section}").is_visible(), section
        assert page.locator(f"#{section} h2").first.is_visible(), section
    assert page.locator("#participants").get_by_text("Petra Klein").first.is_visible()
    # black on white
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    assert page.evaluate("getComputedStyle(document.body).color") == "rgb(0, 0, 0)"


def test_what_hides_behind_a_toggle_is_printed_open(page: Any) -> None:
    page.emulate_media(media="screen")
    behind = page.evaluate(f"() => ({HIDDEN_BEHIND_TOGGLES})().length")
    hidden_on_screen = page.evaluate(
        f"() => ({HIDDEN_BEHIND_TOGGLES})().filter(el => !el.checkVisibility()).length"
    )
    assert hidden_on_screen == behind  # closed toggles hide it on screen
    page.emulate_media(media="print")
    still_hidden = page.evaluate(
        f"() => ({HIDDEN_BEHIND_TOGGLES})().filter(el => !el.checkVisibility())"
        ".map(el => el.outerHTML.slice(0, 100))"
    )
    assert still_hidden == []


def test_a_pdf(page: Any) -> None:
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=False)
    assert pdf.startswith(b"%PDF-")
    assert len(pdf) > 10_000
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 1
