"""The engagement page shows the evidence ("Nachweise") and the consulting days used
against the budget as a bar, in German and English."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.records.programme import grant, record, v2_engagement
from tests.support import Api
from tests.web.conftest import login


def _section(html: str, section_id: str) -> str:
    match = re.search(rf'<section[^>]*id="{section_id}".*?</section>', html, re.S)
    assert match, f"no section {section_id}"
    return match.group(0)


def test_the_page_lists_evidence_and_the_consulting_budget(client: TestClient, staff: Api) -> None:
    eid = v2_engagement(staff, krl_version="2022")["id"]
    grant(staff, eid)
    staff.created(record(staff, eid, "stocktaking", reference="BA-7"))
    files = {"file": ("Vertrag.pdf", b"%PDF-1.7", "application/pdf")}
    data = {"kind": "consultant_contract", "date": "2026-03-02"}
    staff.created(staff.post(f"/api/v1/engagements/{eid}/records", data=data, files=files))
    for days, mode in ((3, "on_site"), (1.5, "digital"), (4, "desk")):
        body = {
            "date": "2026-03-03",
            "days": days,
            "mode": mode,
            "consultant": "Dr. Jonas Berger",
            "activity": "Workshop vorbereitet",
        }
        staff.created(staff.post(f"/api/v1/engagements/{eid}/consulting-days", json=body))
    login(client, staff)

    german = client.get(f"/engagements/{eid}?lang=de").text
    evidence = _section(german, "records")
    assert "Nachweise (2)" in evidence
    assert "Bestandsaufnahme" in evidence and "BA-7" in evidence
    assert "Vertrag mit dem Beratungsunternehmen" in evidence and "Vertrag.pdf" in evidence
    ledger = _section(german, "consulting")
    assert "8,5 von 20 Beratertagen verbraucht, davon 4,5 in direktem Kontakt" in ledger
    bar = re.search(r"<progress[^>]*>", ledger)
    assert bar, ledger
    assert 'max="20.0"' in bar.group(0) and 'value="8.5"' in bar.group(0)
    assert 'aria-labelledby="h-consulting"' in bar.group(0)
    assert "Weniger als die Hälfte" not in ledger  # 4.5 of 8.5 are direct

    english = client.get(f"/engagements/{eid}?lang=en").text
    assert "Evidence (2)" in _section(english, "records")
    days_en = _section(english, "consulting")
    assert "8.5 of 20 consulting days used, 4.5 of them in direct contact" in days_en


def test_an_empty_ledger_and_no_evidence(client: TestClient, staff: Api) -> None:
    eid = v2_engagement(staff)["id"]
    login(client, staff)
    page = client.get(f"/engagements/{eid}?lang=de").text
    assert "Noch keine Nachweise." in _section(page, "records")
    days = _section(page, "consulting")
    assert "0 von 20 Beratertagen verbraucht" in days
    assert "Noch keine Beratertage erfasst." in days
