"""Issue 12, must show 3: axe-core (bundled with axe-playwright-python, no network) on
every page of the catalogue, in German: no serious and no critical violation. Moderate
and minor ones are printed, not failed on.

A check that cannot fail is a defect: test_axe_finds_a_serious_violation runs axe on a
page built to violate (an image without text, an unlabelled input, grey on white).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest

from tests.web.pages.catalogue import BY_NAME, NAMES, Tab
from tests.web.pages.site import Site, browser, site

pytestmark = [pytest.mark.browser]
__all__ = ["browser", "site"]  # the module fixtures this suite uses

BLOCKING = ("serious", "critical")


@cache
def _axe() -> Any:
    """axe-core as axe-playwright-python bundles it (read from disk once)."""
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the open page (every rule axe runs by default)."""
    result = _axe().run(page)
    found: list[dict[str, Any]] = result.response["violations"]
    return found


def describe(found: list[dict[str, Any]]) -> str:
    lines = []
    for v in found:
        targets = [", ".join(node["target"]) for node in v["nodes"][:3]]
        lines.append(f"{v['impact']} {v['id']}: {v['help']} at {targets}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def tab(browser: Any, site: Site) -> Iterator[Tab]:
    opened = Tab(browser, site, "de")
    yield opened
    opened.close()


@pytest.mark.parametrize("name", NAMES)
def test_no_serious_or_critical_violation(tab: Tab, name: str) -> None:
    status = BY_NAME[name].go(tab)
    assert status < 500, f"{name}: {status}"
    found = violations(tab.last)
    blocking = [v for v in found if v["impact"] in BLOCKING]
    others = [v for v in found if v["impact"] not in BLOCKING]
    if others:
        print(f"\n{name}: {describe(others)}")
    assert blocking == [], f"{name}:\n{describe(blocking)}"


def test_axe_finds_a_serious_violation(browser: Any) -> None:
    page = browser.new_page()
    page.set_content(
        '<html lang="de"><head><title>x</title></head><body><main><h1>Test</h1>'
        '<img src="data:,"><input type="text">'
        '<p style="color:#bbb;background:#fff">kaum lesbar</p></main></body></html>'
    )
    found = violations(page)
    page.close()
    assert {"image-alt", "label", "color-contrast"} <= {
        v["id"] for v in found if v["impact"] in BLOCKING
    }


FOCUS_SHOWN = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  return {tag: el.tagName.toLowerCase(), id: el.id, text: (el.innerText || el.value || '')
    .slice(0, 40), shown: outline || style.boxShadow !== 'none'};
}"""


def _tab_to(page: Any, selector: str, limit: int = 400) -> None:
    """Presses Tab until `selector` has the focus, as someone without a mouse would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} is not reachable with Tab")


def test_the_engagement_page_works_with_the_keyboard_alone(tab: Tab) -> None:
    """Skip link first, a visible focus on every stop, and a participant added with
    Tab, typing and Enter only."""
    eid = tab.site.engagements["spare"]
    tab.open(f"/engagements/{eid}")
    page = tab.last
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    assert page.locator("a.skip").bounding_box()["x"] >= 0  # visible once focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    hidden = []
    for _ in range(60):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUS_SHOWN)
        if not stop["shown"] and stop["tag"] != "body":  # body: past the last stop
            hidden.append(stop)
    assert hidden == [], f"focus not visible on: {hidden}"
    _tab_to(page, "#p-name")
    page.keyboard.type("Karl Tastatur")
    _tab_to(page, "#p-email")
    page.keyboard.type("karl.tastatur@example.org")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Karl Tastatur" in page.locator("#participants").inner_text()
