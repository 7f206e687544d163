"""Issue 12, must show 2: at 390 px (a phone) no page of the catalogue scrolls sideways,
`document.documentElement.scrollWidth <= 390`; tables scroll inside their own box, the
process diagram shrinks, the navigation wraps and long words break.

German only: the German words are the longer ones (Zuwendungsbescheid,
Verwendungsnachweis), so a page that fits in German fits in English.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.pages.catalogue import BY_NAME, NAMES, Tab
from tests.web.pages.site import Site, browser, site

pytestmark = [pytest.mark.browser]
__all__ = ["browser", "site"]  # the module fixtures this suite uses

WIDTH = 390

# what sticks out: the innermost elements past the right edge (not the parts of an SVG, and
# not what scrolls inside its own box), to say what to fix when a page is too wide
WIDEST = """(width) => {
  const out = el => el.getBoundingClientRect().right > width + 0.5;
  const inScrollBox = el => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return true;
    }
    return false;
  };
  return [...document.querySelectorAll('body *')]
    .filter(el => !el.closest('svg') && out(el) && !inScrollBox(el))
    .filter(el => ![...el.children].some(out))
    .slice(0, 6)
    .map(el => {
      const classes = typeof el.className === 'string' ? el.className.trim() : '';
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
        + (classes ? '.' + classes.split(/\\s+/).join('.') : '');
      const right = Math.round(el.getBoundingClientRect().right);
      return `${name} → ${right}px "${(el.innerText || '').slice(0, 40)}"`;
    });
}"""


@pytest.fixture(scope="module")
def tab(browser: Any, site: Site) -> Iterator[Tab]:
    opened = Tab(browser, site, "de", viewport={"width": WIDTH, "height": 844})
    yield opened
    opened.close()


@pytest.mark.parametrize("name", NAMES)
def test_no_page_scrolls_sideways_at_390_px(tab: Tab, name: str) -> None:
    status = BY_NAME[name].go(tab)
    assert status < 500, f"{name}: {status}"
    page = tab.last
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"{name}: {width}px wide; sticking out: {page.evaluate(WIDEST, WIDTH)}"


def test_the_check_finds_a_page_that_is_too_wide(browser: Any) -> None:
    """The check can fail: a table of long words without a scroll box is wider than a
    phone, and WIDEST names its cells."""
    page = browser.new_page(viewport={"width": WIDTH, "height": 844})
    cells = "".join(f"<td>Spalte{n}mitlangemWort</td>" for n in range(8))
    page.set_content(
        f'<html lang="de"><body><main><table><tr>{cells}</tr></table></main></body></html>'
    )
    assert page.evaluate("document.documentElement.scrollWidth") > WIDTH
    assert any(name.startswith("td") for name in page.evaluate(WIDEST, WIDTH))
    page.close()
