"""The workshop part of the engagement page, over HTTP with the session cookie: who is
invited and what they answered, "invite" only while there is someone to invite to an
upcoming workshop, reminders, edit and reschedule (invitees get the update), cancel with
a confirmation and a reason, and nothing of it on a final engagement."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import col

from service.core.clock import MovableClock
from service.core.context import Context
from service.mail.models import OutboxMessage
from tests.support import Api, mail_text
from tests.web.conftest import form, login


def _section(html: str, wid: int) -> str:
    """The page's list item of one workshop."""
    match = re.search(
        rf'<li data-workshop="{wid}".*?</li>\s*(?=<li data-workshop|</ul>)', html, re.S
    )
    assert match, f"workshop {wid} not on the page"
    return match.group(0)


def _mail(ctx: Context, kind: str) -> list[dict[str, str | None]]:
    """The engagement's mail of one kind, oldest first: address, text, calendar method."""
    with ctx.db.read() as session:
        query = select(OutboxMessage).where(col(OutboxMessage.kind) == kind)
        rows = session.execute(query.order_by(col(OutboxMessage.id))).scalars().all()
        tz = ctx.settings.tz
        return [{"to": m.to_addr, "text": mail_text(m, tz), "method": m.ics_method} for m in rows]


def _answer(staff: Api, ctx: Context, email: str, response: str) -> None:
    """The invitee answers through the link in their invitation."""
    invitation = next(m for m in _mail(ctx, "invitation") if email in str(m["to"]))
    match = re.search(r"/rsvp/[A-Za-z0-9_.\-]+", str(invitation["text"]))
    assert match
    assert staff.client.post(match.group(0), json={"response": response}).status_code == 200


def test_invitees_with_their_answers_and_invite_only_while_someone_is_left(
    client: TestClient, staff: Api, ctx: Context
) -> None:
    csrf = login(client, staff)
    eid = staff.engagement()["id"]
    staff.participant(eid, name="Petra Klein", email="petra@example.org")
    staff.participant(eid, name="Jonas Becker", email="jonas@example.org")
    wid = staff.workshop(eid)["id"]
    page = _section(client.get(f"/engagements/{eid}").text, wid)
    assert "Alle Teilnehmenden einladen" in page
    assert "Noch niemand eingeladen." in page

    invited = form(client, f"/engagements/{eid}/invitations", csrf, workshop_id=wid)
    assert invited.status_code == 303
    assert "Einladungen verschickt: 2." in client.get(invited.headers["location"]).text
    _answer(staff, ctx, "petra@example.org", "accepted")

    page = _section(client.get(f"/engagements/{eid}").text, wid)
    assert "Alle Teilnehmenden einladen" not in page
    assert "Alle Teilnehmenden sind eingeladen." in page
    rows = re.findall(r'<tr data-rsvp="(\w+)"><th scope="row">([^<]+)</th>.*?</tr>', page, re.S)
    assert rows == [("accepted", "Petra Klein"), ("pending", "Jonas Becker")]
    petra = re.search(r'data-rsvp="accepted">.*?</tr>', page, re.S)
    assert petra and "zugesagt" in petra.group(0) and "02.03.2026 09:00" in petra.group(0)
    assert "Erinnerung an 1 offene Antwort senden" in page

    # someone new: the button offers to invite just them
    staff.participant(eid, name="Zoë Ünal", email="zoe@example.org")
    page = _section(client.get(f"/engagements/{eid}").text, wid)
    assert "1 weitere Teilnehmende einladen" in page
    again = form(client, f"/engagements/{eid}/invitations", csrf, workshop_id=wid)
    assert "Einladungen verschickt: 1." in client.get(again.headers["location"]).text
    assert len(_mail(ctx, "invitation")) == 3


def test_a_past_or_cancelled_workshop_shows_its_state_and_offers_nothing(
    client: TestClient, staff: Api, clock: MovableClock
) -> None:
    csrf = login(client, staff)
    eid = staff.engagement()["id"]
    staff.participant(eid)
    past = staff.workshop(eid, starts_at="2026-03-01T10:00:00", ends_at="2026-03-01T12:00:00")
    gone = staff.workshop(eid, title="Zweiter Workshop")
    staff.ok(staff.post(f"/api/v1/workshops/{gone['id']}/cancel"))
    html = client.get(f"/engagements/{eid}").text
    for wid, state in ((past["id"], "vorbei"), (gone["id"], "abgesagt")):
        page = _section(html, wid)
        assert f">{state}</span>" in page
        for offer in ("einladen", "Erinnerung", "Bearbeiten", "absagen …"):
            assert offer not in page, (state, offer)
    # the server refuses what the page does not offer, in German
    refused = form(client, f"/engagements/{eid}/invitations", csrf, workshop_id=past["id"])
    assert refused.status_code == 409
    assert "vorbei" in refused.text or "vorüber" in refused.text
    reminded = form(client, f"/engagements/{eid}/workshops/remind", csrf, workshop_id=gone["id"])
    assert reminded.status_code == 409

    # an upcoming workshop runs, then is over once its end has passed
    upcoming = staff.workshop(eid, title="Dritter Workshop")["id"]
    assert ">geplant</span>" in _section(client.get(f"/engagements/{eid}").text, upcoming)
    clock.advance(timedelta(days=8, hours=9))  # 2026-03-10 18:00, while it runs
    login(client, staff)  # a session lasts 12 hours
    assert ">läuft gerade</span>" in _section(client.get(f"/engagements/{eid}").text, upcoming)
    clock.advance(timedelta(hours=15))  # 2026-03-11, the day after
    login(client, staff)
    page = _section(client.get(f"/engagements/{eid}").text, upcoming)
    assert ">vorbei</span>" in page and "einladen" not in page


def test_remind_those_who_have_not_answered_once_a_day(
    client: TestClient, staff: Api, ctx: Context
) -> None:
    csrf = login(client, staff)
    eid = staff.engagement()["id"]
    for name in ("petra", "jonas", "zoe"):
        staff.participant(eid, name=name.title(), email=f"{name}@example.org")
    wid = staff.workshop(eid)["id"]
    staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202)
    _answer(staff, ctx, "petra@example.org", "declined")
    page = _section(client.get(f"/engagements/{eid}").text, wid)
    assert "Erinnerung an 2 offene Antworten senden" in page

    url = f"/engagements/{eid}/workshops/remind"
    sent = form(client, url, csrf, workshop_id=wid)
    assert sent.status_code == 303 and sent.headers["location"].endswith("#workshops")
    assert "Erinnerungen verschickt: 2." in client.get(sent.headers["location"]).text
    assert sorted(str(m["to"]) for m in _mail(ctx, "rsvp_reminder")) == [
        "Jonas <jonas@example.org>",
        "Zoe <zoe@example.org>",
    ]
    twice = form(client, url, csrf, workshop_id=wid)
    assert "Erinnerungen verschickt: 0." in client.get(twice.headers["location"]).text
    assert len(_mail(ctx, "rsvp_reminder")) == 2


def test_edit_and_reschedule_mails_every_invitee_an_update(
    client: TestClient, staff: Api, ctx: Context
) -> None:
    csrf = login(client, staff)
    eid = staff.engagement()["id"]
    staff.participant(eid, email="petra@example.org")
    wid = staff.workshop(eid)["id"]
    staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202)
    page = _section(client.get(f"/engagements/{eid}").text, wid)
    assert 'value="2026-03-10T17:00"' in page and 'value="Rathaus, Sitzungssaal"' in page

    url = f"/engagements/{eid}/workshops/update"
    fields = {
        "workshop_id": wid,
        "title": "Auftaktworkshop Klimaschutz",
        "starts_at": "2026-03-12T18:00",
        "ends_at": "2026-03-12T21:00",
        "location": "Bürgerhaus",
    }
    changed = form(client, url, csrf, **fields)
    assert changed.status_code == 303, changed.text
    assert "Workshop gespeichert." in client.get(changed.headers["location"]).text
    workshop = staff.ok(staff.get(f"/api/v1/workshops/{wid}"))
    assert workshop["title"] == "Auftaktworkshop Klimaschutz"
    assert workshop["starts_at"] == "2026-03-12T18:00:00+01:00"
    assert workshop["location"] == "Bürgerhaus" and workshop["sequence"] == 1
    [update] = _mail(ctx, "workshop_update")
    assert "Bürgerhaus" in str(update["text"]) and update["method"] == "REQUEST"

    # saving it unchanged mails nobody again
    assert form(client, url, csrf, **fields).status_code == 303
    assert len(_mail(ctx, "workshop_update")) == 1

    # the end before the start: refused in German, the typed values stay in the form
    wrong = form(client, url, csrf, **{**fields, "ends_at": "2026-03-12T17:00"})
    assert wrong.status_code == 422
    assert "ends_at must not be before" not in wrong.text
    assert 'id="page-error"' in wrong.text
    assert 'value="2026-03-12T17:00"' in _section(wrong.text, wid)
    blank = form(client, url, csrf, **{**fields, "title": " "})
    assert blank.status_code == 422
    other = staff.engagement()["id"]
    foreign = form(client, f"/engagements/{other}/workshops/update", csrf, **fields)
    assert foreign.status_code == 404
    assert staff.ok(staff.get(f"/api/v1/workshops/{wid}"))["sequence"] == 1


def test_cancel_with_confirmation_and_a_reason_for_the_invitees(
    client: TestClient, staff: Api, ctx: Context
) -> None:
    csrf = login(client, staff)
    eid = staff.engagement()["id"]
    staff.participant(eid, email="petra@example.org")
    wid = staff.workshop(eid)["id"]
    staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202)
    page = _section(client.get(f"/engagements/{eid}").text, wid)
    # the cancel button sits inside a <details>: a second, explicit step
    confirm = re.search(r'<details class="ws-cancel">(.*?)</details>', page, re.S)
    assert confirm, page
    assert "Workshop verbindlich absagen" in confirm.group(1)
    assert "Die 1 Eingeladenen erhalten eine Absage" in confirm.group(1)

    cancelled = form(
        client,
        f"/engagements/{eid}/workshops/cancel",
        csrf,
        workshop_id=wid,
        reason="Der Saal ist wegen eines Wasserschadens gesperrt.",
    )
    assert cancelled.status_code == 303
    html = client.get(cancelled.headers["location"]).text
    assert "Workshop abgesagt" in html
    assert ">abgesagt</span>" in _section(html, wid)
    assert staff.ok(staff.get(f"/api/v1/workshops/{wid}"))["cancelled"] is True
    [mail] = _mail(ctx, "workshop_cancelled")
    assert mail["method"] == "CANCEL"
    assert re.search(
        r"Grund:\s+Der Saal ist wegen eines Wasserschadens gesperrt\.", str(mail["text"])
    )
    history = staff.ok(staff.get(f"/api/v1/engagements/{eid}/history?kind=change"))
    [entry] = [h for h in history if h["action"] == "cancelled"]
    assert entry["note"] == "Der Saal ist wegen eines Wasserschadens gesperrt."

    # a reason is optional; a workshop without invitees is just marked cancelled
    second = staff.workshop(eid, title="Zweiter Workshop")["id"]
    plain = form(client, f"/engagements/{eid}/workshops/cancel", csrf, workshop_id=second)
    assert plain.status_code == 303
    assert len(_mail(ctx, "workshop_cancelled")) == 1


def test_the_api_cancel_takes_an_optional_reason(staff: Api, ctx: Context) -> None:
    eid = staff.engagement()["id"]
    staff.participant(eid, email="petra@example.org")
    wid = staff.workshop(eid)["id"]
    staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202)
    bad = staff.post(f"/api/v1/workshops/{wid}/cancel", json={"reason": "x", "why": "y"})
    assert bad.status_code == 422
    staff.ok(staff.post(f"/api/v1/workshops/{wid}/cancel", json={"reason": "Krankheit"}))
    [mail] = _mail(ctx, "workshop_cancelled")
    assert re.search(r"Grund:\s+Krankheit", str(mail["text"]))


def test_a_final_engagement_has_no_workshop_forms_and_refuses_them(
    client: TestClient, staff: Api
) -> None:
    csrf = login(client, staff)
    eid = staff.engagement()["id"]
    staff.participant(eid)
    wid = staff.workshop(eid)["id"]
    staff.ok(staff.fire(eid, "withdraw", note="Gemeinderat hat abgelehnt"))
    html = client.get(f"/engagements/{eid}").text
    section = html[html.index('id="workshops"') :]
    section = section[: section.index("</section>")]
    assert "<form" not in section
    times = {"starts_at": "2026-04-01T10:00", "ends_at": "2026-04-01T12:00"}
    details = {"title": "X", "location": "Y", **times}
    for path, fields in (
        ("workshops", details),
        ("invitations", {"workshop_id": wid}),
        ("workshops/remind", {"workshop_id": wid}),
        ("workshops/cancel", {"workshop_id": wid}),
        ("workshops/update", {"workshop_id": wid, **details}),
    ):
        refused = form(client, f"/engagements/{eid}/{path}", csrf, **fields)
        assert refused.status_code == 409, (path, refused.text)
    workshop = staff.ok(staff.get(f"/api/v1/workshops/{wid}"))
    assert workshop["cancelled"] is False and workshop["invitations"] == []


def test_no_500_for_odd_input_to_the_new_forms(client: TestClient, staff: Api) -> None:
    """Whatever a person or a forged post sends to the forms of participants, workshops
    and measures: a 4xx with a message, never a 500 and never a change."""
    csrf = login(client, staff)
    eid = staff.engagement()["id"]
    pid = staff.participant(eid)["id"]
    wid = staff.workshop(eid)["id"]
    mid = staff.measure(eid)["id"]
    ids = {"participant_id": pid, "workshop_id": wid, "measure_id": mid}
    odd: list[dict[str, object]] = [
        {},
        {"participant_id": "abc", "workshop_id": "-5", "measure_id": "1e3"},
        {"participant_id": str(2**62), "workshop_id": "9" * 30, "measure_id": str(2**31)},
        {**ids, "name": "Zeile\numbruch", "email": "a@example.org"},
        {**ids, "name": "ä" * 500, "email": "ä@ä", "title": "ä" * 500},
        {**ids, "name": "Max", "email": "max@gemeinde"},
        {**ids, "title": "T", "starts_at": "gestern", "ends_at": "", "location": "L"},
        {**ids, "title": "T", "starts_at": "9999-12-31T23:59", "ends_at": "9999-12-31T23:59"},
        {**ids, "title": "T", "location": "L", "starts_at": "2026-03-12T18:00"},
        {**ids, "reason": "\x00\x07", "title": "\x00"},
        {**ids, "reason": "x" * 10_000},
        {**ids, "title": "T", "action_area": "nowhere", "planned_start": "0001-01-01"},
        {**ids, "title": "T", "action_area": "other", "planned_start": "2026-13-01"},
        {**ids, "title": "T", "action_area": "other", "description": "x" * 5000},
    ]
    bad_ids = odd[:3]  # cancel and remind take nothing but the id (and a free reason)
    bad_reason = [{**ids, "reason": "\x00\x07"}, {**ids, "reason": "x" * 10_000}]
    actions = {
        "participants/update": odd,
        "workshops/update": odd,
        "workshops/cancel": bad_ids + bad_reason,
        "workshops/remind": bad_ids,
        "measures/details": odd,
    }
    for action, cases in actions.items():
        for fields in cases:
            for target in (str(eid), "999999", "x"):
                response = form(client, f"/engagements/{target}/{action}", csrf, **fields)
                assert response.status_code < 500, (action, fields, response.text[:300])
                if target == str(eid):
                    assert 400 <= response.status_code < 500, (action, fields)
                    assert 'role="alert"' in response.text, (action, fields)
    workshop = staff.ok(staff.get(f"/api/v1/workshops/{wid}"))
    assert (workshop["title"], workshop["sequence"], workshop["cancelled"]) == (
        "Auftaktworkshop",
        0,
        False,
    )
    assert (
        staff.ok(staff.get(f"/api/v1/engagements/{eid}/participants"))[0]["name"] == "Petra Klein"
    )
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}/measures"))[0]["title"] == (
        "LED-Straßenbeleuchtung"
    )
