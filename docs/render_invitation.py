"""Renders the German invitation's HTML part in headless Chromium into
docs/images/invitation.png:  .venv/bin/python docs/render_invitation.py"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)

from playwright.sync_api import sync_playwright  # noqa: E402

from service.mail.render import render  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def main() -> None:
    html = render(
        "invitation",
        "de",
        {
            "language": "de",
            "sender_name": "Fokusberatung Klimaschutz",
            "sender_email": "fokusberatung@agentur.example",
            "base_url": "https://fokus.agentur.example",
            "recipient_name": "Jürgen Größe-Weiß",
            "municipality": "Gemeinde Beispielstadt",
            "title": "Auftaktworkshop mit den lokalen Akteuren",
            "day": "Dienstag, 10. März 2026",
            "hours": "17:00–20:00 Uhr",
            "location": "Rathaus, Sitzungssaal",
            "rsvp_url": "https://fokus.agentur.example/rsvp/WzEsIl9YZjN3Ym8wQ2ZUWEh6TjUiXQ.Pmxa6rJR",
            "rsvp": "pending",
        },
    ).html
    out = Path(__file__).resolve().parent / "images" / "invitation.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 680, "height": 900})
        page.set_content(html)
        page.screenshot(path=str(out), full_page=True)
        browser.close()
    print(out)


if __name__ == "__main__":
    main()
