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

# the widest elements, to say what sticks out when a page is too wide
WIDEST = """(width) => [...document.querySelectorAll('body *')]
  .filter(el => el.getBoundingClientRect().right > width + 0.5)
  .filter(el => !el.parentElement || el.parentElement.getBoundingClientRect().right <= width + 0.5
                || el.parentElement === document.body)
  .slice(0, 5)
  .map(el => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
       ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
       + ' → ' + Math.round(el.getBoundingClientRect().right) + 'px')"""


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
