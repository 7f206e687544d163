"""The public progress page in a real browser, as a citizen opens it from the
municipality's website: no login, the stage path and the measures readable. With
FOKUS_SCREENSHOTS=1 it also writes docs/images/public.png."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.support import Api, LiveServer
from tests.web.test_browser import browser, live
from tests.web.test_browser_walkthrough import IMAGES

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]
__all__ = ["browser", "live"]


def test_a_citizen_reads_the_progress_without_logging_in(
    browser: Any, live: LiveServer, staff: Api
) -> None:
    eid = staff.engagement(municipality="Markt Grünau", owner="Lena Vogel")["id"]
    staff.ok(staff.fire(eid, "approve"))
    for title, area, status, progress in (
        ("LED-Straßenbeleuchtung", "municipal_buildings", "in_progress", 40),
        ("Radverkehrskonzept", "mobility", "planned", 0),
        ("Energetische Sanierung der Grundschule", "municipal_buildings", "completed", 100),
    ):
        measure = staff.measure(eid, title=title, action_area=area)
        body = {"status": status, "progress_percent": progress}
        staff.ok(staff.patch(f"/api/v1/measures/{measure['id']}", json=body))
    summary = (
        "Markt Grünau wird bis 2040 klimaneutral: erneuerbare Wärme für alle kommunalen "
        "Gebäude, sichere Radwege zwischen den Ortsteilen und eine Bürgerenergiegenossenschaft."
    )
    opened = staff.ok(
        staff.patch(f"/api/v1/engagements/{eid}", json={"public": True, "vision_summary": summary})
    )
    page = browser.new_page(viewport={"width": 1100, "height": 900}, locale="de-DE")
    page.goto(live.url + "/public/" + opened["public_url"].rsplit("/", 1)[1])
    assert page.get_by_role("heading", name="Klimaschutz in Markt Grünau").is_visible()
    assert page.get_by_role("heading", name="Unser Leitbild").is_visible()
    current = page.locator("[aria-current=step]")
    assert current.inner_text().startswith("Auftaktgespräch")
    assert page.get_by_role("row", name="LED-Straßenbeleuchtung").is_visible()
    assert "Lena Vogel" not in page.content()
    if os.environ.get("FOKUS_SCREENSHOTS") == "1":
        IMAGES.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(IMAGES / "public.png"), full_page=True)
    page.close()
