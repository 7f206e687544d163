"""The complete history (Verlauf, issue 12): `GET /api/v1/engagements/{id}/history` lists
changes to the engagement, participants, workshops, invitations, measures, records,
consulting days and the grant; each item has `kind` (`transition` | `change`) and a German
summary (`summary_de`, also `summary_en`). A refused change writes nothing. The page shows
the summaries in its language with German local dates, never ISO timestamps or field
names, newest first and the latest 50 unless all are asked for."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from service.core.context import Context
from service.mail import tokens
from service.workshops.models import Invitation
from tests.support import Api
from tests.web.conftest import login

V2: dict[str, Any] = {"process_version": None}  # fokusberatung v2: with grant notice
GRANT = {
    "funding_reference": "67K12345",
    "notice_date": "2026-03-20",
    "period_start": "2026-04-01",
    "period_end": "2027-09-30",
    "eligible_costs": 30_000,
    "grant_amount": 27_000,
    "funding_rate_percent": 90,
}


def history(api: Api, eid: int, query: str = "") -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = api.ok(api.get(f"/api/v1/engagements/{eid}/history{query}"))
    return items


def changes(api: Api, eid: int) -> list[str]:
    """The German summaries of the `change` entries, oldest first."""
    items = history(api, eid)
    assert {i["kind"] for i in items} <= {"transition", "change"}
    return [i["summary_de"] for i in items if i["kind"] == "change"]


def answer(client: TestClient, ctx: Context, invitation_id: int, response: str) -> None:
    """Answers an invitation through its RSVP link, as the participant would."""
    with ctx.db.read() as session:
        nonce = session.execute(
            select(col(Invitation.nonce)).where(col(Invitation.id) == invitation_id)
        ).scalar_one()
    token = tokens.sign(ctx, invitation_id, nonce)
    reply = client.post(f"/rsvp/{token}", json={"response": response})
    assert reply.status_code == 200, reply.text


def test_every_change_is_a_change_entry_with_a_german_summary(
    staff: Api, client: TestClient, ctx: Context
) -> None:
    eid = staff.engagement(**V2, owner="Lena Vogel")["id"]
    # the engagement itself: owner and deadline
    staff.ok(staff.patch(f"/api/v1/engagements/{eid}", json={"owner": "Sabine Berg"}))
    staff.ok(
        staff.patch(
            f"/api/v1/engagements/{eid}/deadline",
            json={"due_at": "2026-04-20T12:00:00", "reason": "Gemeinderat tagt erst im April"},
        )
    )
    # participants, a workshop with invitation and answer, a measure
    petra = staff.participant(eid, name="Petra Klein", email="petra@example.org")
    ws = staff.workshop(
        eid, title="Auftakt", starts_at="2026-05-12T14:00:00", ends_at="2026-05-12T17:00:00"
    )
    moved = {"starts_at": "2026-05-19T14:00:00", "ends_at": "2026-05-19T17:00:00"}
    staff.ok(staff.patch(f"/api/v1/workshops/{ws['id']}", json=moved))
    staff.ok(staff.patch(f"/api/v1/workshops/{ws['id']}", json={"location": "Bürgerhaus"}))
    staff.ok(staff.post(f"/api/v1/workshops/{ws['id']}/invitations", json={}), 202)
    invitation = staff.ok(staff.get(f"/api/v1/workshops/{ws['id']}"))["invitations"][0]
    answer(client, ctx, invitation["id"], "accepted")
    measure = staff.measure(eid, title="LED-Straßenbeleuchtung")
    staff.ok(
        staff.patch(
            f"/api/v1/measures/{measure['id']}",
            json={"status": "in_progress", "progress_percent": 40},
        )
    )
    # the programme's records: grant notice, a record, consulting days
    assert staff.put(f"/api/v1/engagements/{eid}/grant", json=GRANT).status_code == 200
    record = {"kind": "stocktaking", "date": "2026-03-02", "reference": "BA-1"}
    staff.created(staff.post(f"/api/v1/engagements/{eid}/records", json=record))
    day = {
        "date": "2026-04-02",
        "days": 1.5,
        "mode": "on_site",
        "consultant": "Dr. Jonas Berger",
        "activity": "Bestandsaufnahme vor Ort",
    }
    staff.created(staff.post(f"/api/v1/engagements/{eid}/consulting-days", json=day))
    staff.ok(staff.post(f"/api/v1/workshops/{ws['id']}/cancel"))

    assert changes(staff, eid) == [
        "Zuständigkeit: Lena Vogel → Sabine Berg",
        "Frist verlängert auf 20.04.2026: Gemeinderat tagt erst im April",
        "Teilnehmer/in Petra Klein hinzugefügt",
        "Workshop „Auftakt“ angelegt für Di, 12. Mai 2026, 14:00 Uhr",
        "Workshop „Auftakt“ verschoben auf Di, 19. Mai 2026, 14:00 Uhr",
        "Workshop „Auftakt“ geändert: Ort: Rathaus, Sitzungssaal → Bürgerhaus",
        "Zu Workshop „Auftakt“ eingeladen: 1 Teilnehmende",
        "Petra Klein hat für Workshop „Auftakt“ zugesagt (per RSVP-Link)",
        "Maßnahme „LED-Straßenbeleuchtung“ angelegt",
        "Maßnahme „LED-Straßenbeleuchtung“: Status: geplant → in Umsetzung; "
        "Fortschritt: 0 % → 40 %",
        "Zuwendungsbescheid erfasst: Förderkennzeichen 67K12345; Bescheiddatum 20.03.2026; "
        "Beginn des Bewilligungszeitraums 01.04.2026; Ende des Bewilligungszeitraums "
        "30.09.2027; Zuwendungsfähige Ausgaben 30.000,00 €; Zuwendung 27.000,00 €; "
        "Förderquote 90 %",
        "Nachweis erfasst: Bestandsaufnahme vom 02.03.2026 (Aktenzeichen BA-1)",
        "Beratertage erfasst: 1,5 am 02.04.2026 (vor Ort, Dr. Jonas Berger)",
        "Workshop „Auftakt“ abgesagt",
    ]
    items = history(staff, eid)
    answered = next(i for i in items if i["action"] == "answered")
    assert answered["actor"] == "Petra Klein"  # the participant answered, not the office
    assert answered["subject"] == "invitation" and answered["subject_id"] == invitation["id"]
    moved_entry = next(i for i in items if i["action"] == "rescheduled")
    assert moved_entry["details"]["fields"]["starts_at"]["after"].startswith("2026-05-19T12:00")
    assert moved_entry["summary_en"] == "Workshop “Auftakt” moved to Tue, 19 May 2026, 14:00"
    owner = items[0]
    assert (owner["subject"], owner["action"], owner["actor"]) == (
        "engagement",
        "changed",
        "Lena Vogel",
    )
    assert owner["summary_en"] == "Owner: Lena Vogel → Sabine Berg"

    # a corrected address is a change too
    fixed = {"email": "petra.klein@example.org"}
    staff.ok(staff.patch(f"/api/v1/participants/{petra['id']}", json=fixed))
    assert changes(staff, eid)[-1] == (
        "Teilnehmer/in Petra Klein geändert: E-Mail: petra@example.org → petra.klein@example.org"
    )

    # erasure (GDPR Art. 17): the entries stay, the person's name and address go
    assert staff.delete(f"/api/v1/participants/{petra['id']}").status_code == 204
    after = changes(staff, eid)
    assert "Petra Klein" not in " ".join(after)
    assert "petra" not in str(history(staff, eid)).lower()
    assert after[-2] == "Teilnehmer/in geändert (später gelöscht)"
    assert after[2] == "Teilnehmer/in hinzugefügt (später gelöscht)"
    assert after[7] == "Eine gelöschte Person hat für Workshop „Auftakt“ zugesagt (per RSVP-Link)"
    assert after[-1] == "Teilnehmer/in entfernt, personenbezogene Daten gelöscht"
    assert all(i["actor"] != "Petra Klein" for i in history(staff, eid))


def test_a_transition_is_a_transition_entry_in_the_process_s_words(staff: Api) -> None:
    eid = staff.engagement(**V2)["id"]
    assert staff.put(f"/api/v1/engagements/{eid}/grant", json=GRANT).status_code == 200
    staff.ok(staff.fire(eid, "approve", note="Bescheid liegt vor"))
    items = history(staff, eid)
    assert [(i["kind"], i["subject"], i["action"]) for i in items] == [
        ("change", "grant", "added"),
        ("transition", "engagement", "transition"),
    ]
    step = items[1]
    assert (step["from_state"], step["trigger"], step["to_state"]) == (
        "application",
        "approve",
        "contracting",
    )
    assert step["summary_de"] == "Phase gewechselt: Antrag → Bewilligt – Beauftragung (Bewilligen)"
    assert step["summary_en"] == "Stage changed: Application → Contracting (Approve)"
    assert step["note"] == "Bescheid liegt vor"
    # the filter: only transitions, only changes; anything else is a 422 naming `kind`
    assert [i["action"] for i in history(staff, eid, "?kind=transition")] == ["transition"]
    assert [i["subject"] for i in history(staff, eid, "?kind=change")] == ["grant"]
    bad = staff.get(f"/api/v1/engagements/{eid}/history?kind=update")
    assert bad.status_code == 422 and "kind" in bad.text
    assert staff.get("/api/v1/engagements/999999/history").status_code == 404


def test_nothing_is_written_when_the_change_is_refused(staff: Api) -> None:
    eid = staff.engagement(**V2)["id"]
    person = staff.participant(eid, email="petra@example.org")
    ws = staff.workshop(eid)
    measure = staff.measure(eid)
    assert staff.put(f"/api/v1/engagements/{eid}/grant", json=GRANT).status_code == 200
    before = history(staff, eid)

    refused = [
        # the same address twice; a workshop that would end before it starts
        staff.post(
            f"/api/v1/engagements/{eid}/participants",
            json={"name": "Petra Zwei", "email": person["email"]},
        ),
        staff.patch(f"/api/v1/workshops/{ws['id']}", json={"ends_at": "2026-03-01T10:00:00"}),
        # progress over 100 %; a grant change without a reason; a guard that fails
        staff.patch(f"/api/v1/measures/{measure['id']}", json={"progress_percent": 140}),
        staff.put(f"/api/v1/engagements/{eid}/grant", json={**GRANT, "grant_amount": 25_000}),
        staff.fire(eid, "start_workshops"),
        # a stale version; a consulting day before the funding period
        staff.patch(f"/api/v1/engagements/{eid}", json={"owner": "X", "expected_version": 99}),
        staff.post(
            f"/api/v1/engagements/{eid}/consulting-days",
            json={
                "date": "2026-03-02",
                "days": 1,
                "mode": "on_site",
                "consultant": "Dr. Jonas Berger",
                "activity": "zu früh",
            },
        ),
    ]
    assert [r.status_code // 100 for r in refused] == [4] * len(refused), [
        (r.status_code, r.text[:200]) for r in refused
    ]
    assert history(staff, eid) == before
    # the same change once more writes nothing either (nothing changed)
    staff.ok(staff.patch(f"/api/v1/engagements/{eid}", json={"owner": None}))
    staff.ok(staff.put(f"/api/v1/engagements/{eid}/grant", json=GRANT))
    assert history(staff, eid) == before


ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
RAW_WORDS = (
    "owner:",
    "contact_name",
    "stage_due_at",
    "progress_percent",
    "in_progress",
    "consulting days",
    "record stocktaking",
    "None",
)


def _history_section(html: str) -> str:
    start = html.index('id="h-history"')
    return html[start : html.index("</section>", start)]


def test_the_page_shows_german_summaries_local_times_newest_first(
    staff: Api, client: TestClient, ctx: Context
) -> None:
    eid = staff.engagement(owner="Lena Vogel")["id"]
    staff.ok(staff.patch(f"/api/v1/engagements/{eid}", json={"owner": "Sabine Berg"}))
    staff.ok(
        staff.patch(
            f"/api/v1/engagements/{eid}/deadline",
            json={"due_at": "2026-04-20T12:00:00", "reason": "Gemeinderat tagt erst im April"},
        )
    )
    measure = staff.measure(eid)
    staff.ok(staff.patch(f"/api/v1/measures/{measure['id']}", json={"status": "in_progress"}))
    staff.ok(staff.fire(eid, "approve", note="Bescheid liegt vor"))
    login(client, staff)

    page = _history_section(client.get(f"/engagements/{eid}").text)
    entries = re.findall(r'<li class="kind-(\w+)', page)
    assert entries == ["transition", "change", "change", "change", "change"]  # newest first
    for text in (
        "Phase gewechselt: Antrag → Auftaktgespräch und Ist-Analyse (Bewilligen)",
        "Bescheid liegt vor",
        "Maßnahme „LED-Straßenbeleuchtung“: Status: geplant → in Umsetzung",
        "Maßnahme „LED-Straßenbeleuchtung“ angelegt",
        "Frist verlängert auf 20.04.2026: Gemeinderat tagt erst im April",
        "Zuständigkeit: Lena Vogel → Sabine Berg",
        "02.03.2026, 09:00",  # the test clock, local German date and time
        "von Lena Vogel",
    ):
        assert text in page, text
    assert page.count("Gemeinderat tagt erst im April") == 1  # the reason once, not twice
    visible = re.sub(r"<[^>]+>", " ", page)
    assert not ISO_TIME.search(visible), visible
    for raw in RAW_WORDS:
        assert raw not in visible, raw

    english = _history_section(client.get(f"/engagements/{eid}?lang=en").text)
    assert "Owner: Lena Vogel → Sabine Berg" in english
    assert "Deadline extended to 20 April 2026: Gemeinderat tagt erst im April" in english
    assert "2 March 2026, 09:00" in english
    assert "Zuständigkeit" not in english


@pytest.mark.sqlite_only
def test_a_long_history_shows_the_latest_50_and_all_on_request(
    staff: Api, client: TestClient
) -> None:
    eid = staff.engagement()["id"]
    for n in range(55):
        staff.ok(staff.patch(f"/api/v1/engagements/{eid}", json={"owner": f"Referent {n}"}))
    login(client, staff)
    latest = _history_section(client.get(f"/engagements/{eid}").text)
    assert latest.count("<li ") == 50
    assert "Referent 53 → Referent 54" in latest  # newest first
    assert "– → Referent 0" not in latest
    assert "Die neuesten 50 von 55 Einträgen." in latest
    assert 'href="?history=all#history"' in latest and "Alle 55 Einträge anzeigen" in latest
    everything = _history_section(client.get(f"/engagements/{eid}?history=all").text)
    assert everything.count("<li ") == 55
    assert "Zuständigkeit: – → Referent 0" in everything
    assert "Nur die neuesten 50 anzeigen" in everything
