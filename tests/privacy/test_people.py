"""GDPR Art. 15 and 17 through the API: `GET /api/v1/people/export?email=` returns
everything stored about an address, across engagements of different firms;
`DELETE /api/v1/people?email=` erases it everywhere (every table, every text column),
cancels the mail queued to it, and nothing reaches the SMTP server afterwards."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from service.accounts.models import PasswordToken, User
from service.auth.keys import Role, create_key
from service.core.clock import MovableClock
from service.core.context import Context
from service.engagements.models import Engagement
from service.engagements.reminders import sweep_reminders
from service.mail.dispatch import dispatch
from service.mail.models import OutboxMessage
from service.portal.models import PortalLink
from tests.privacy.conftest import traces
from tests.support import Api, SmtpSink
from tests.web.conftest import login

EMAIL = "petra.klein@example.org"
NAME = "Petra Klein"
# an address that contains hers and another person: both must survive her erasure
OTHER_EMAIL = "xpetra.klein@example.org"
OTHER_NAME = "Max Mustermann"


def _firm(ctx: Context, eid: int, firm: str) -> None:
    with ctx.db.write() as session:
        engagement = session.get(Engagement, eid)
        assert engagement is not None
        engagement.firm = firm
        session.add(engagement)


def _her_everywhere(ctx: Context, staff: Api) -> tuple[int, int]:
    """Petra Klein: participant (invited, with queued mail) of engagement 1 of firm
    Nord; contact person and participant of engagement 2 of firm Süd; an account with a
    pending password link; a portal link; named in a transition note."""
    first = staff.engagement(municipality="Markt Grünau")["id"]
    second = staff.engagement(
        municipality="Stadt Südhausen", contact_name=NAME, contact_email="Petra.Klein@Example.org"
    )["id"]
    _firm(ctx, first, "Klimaberatung Nord GmbH")
    _firm(ctx, second, "Energieagentur Süd eG")
    staff.participant(first, name=NAME, email="PETRA.KLEIN@example.org")
    staff.participant(first, name=OTHER_NAME, email=OTHER_EMAIL)
    staff.participant(second, name=NAME, email=EMAIL)
    wid = staff.workshop(first, starts_at="2026-03-20T17:00:00", ends_at="2026-03-20T20:00:00")
    assert staff.ok(staff.post(f"/api/v1/workshops/{wid['id']}/invitations"), 202) == {"queued": 2}
    note = f"Mit {NAME} ({EMAIL}) telefonisch abgestimmt"
    staff.ok(staff.fire(second, "reject", note=note))
    now = ctx.clock.now()
    with ctx.db.write() as session:
        user = User(email=EMAIL, name=NAME, role="staff", created_at=now)
        session.add(user)
        session.flush()
        assert user.id is not None
        session.add(
            PasswordToken(
                token_hash="a" * 64,
                user_id=user.id,
                created_at=now,
                expires_at=now + timedelta(days=1),
            )
        )
        session.add(
            PortalLink(
                engagement_id=first,
                token_hash="b" * 64,
                email=EMAIL,
                created_by="Lena Vogel",
                created_at=now,
                expires_at=now + timedelta(days=30),
            )
        )
    return first, second


def test_export_finds_her_in_two_engagements_of_two_firms(
    ctx: Context, staff: Api, admin: Api
) -> None:
    first, second = _her_everywhere(ctx, staff)
    body = admin.ok(admin.get("/api/v1/people/export", params={"email": "PETRA.Klein@example.ORG"}))
    assert body["email"] == EMAIL and body["names"] == [NAME]
    firms = {(p["engagement_id"], p["firm"], p["municipality"]) for p in body["participants"]}
    assert firms == {
        (first, "Klimaberatung Nord GmbH", "Markt Grünau"),
        (second, "Energieagentur Süd eG", "Stadt Südhausen"),
    }
    assert [(c["engagement_id"], c["firm"]) for c in body["contact_of"]] == [
        (second, "Energieagentur Süd eG")
    ]
    assert [(i["engagement_id"], i["rsvp"]) for i in body["invitations"]] == [(first, "pending")]
    kinds = {(m["kind"], m["status"]) for m in body["messages"]}
    assert ("invitation", "queued") in kinds
    assert all(EMAIL in m["to"] for m in body["messages"])
    assert [u["name"] for u in body["users"]] == [NAME]
    assert [link["engagement_id"] for link in body["portal_links"]] == [first]
    notes = [h["note"] for h in body["history"] if h["note"]]
    assert any(EMAIL in n for n in notes)
    # the other person's address contains hers, yet none of their data is in her export
    assert OTHER_NAME not in str(body) and OTHER_EMAIL not in str(body)


def test_export_refusals(ctx: Context, staff: Api, admin: Api) -> None:
    _her_everywhere(ctx, staff)
    unknown = admin.get("/api/v1/people/export", params={"email": "nobody@example.org"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "person_not_found"
    bad = admin.get("/api/v1/people/export", params={"email": "petra.klein@"})
    assert bad.status_code == 422 and "email" in bad.json()["detail"]
    assert staff.get("/api/v1/people/export", params={"email": EMAIL}).status_code == 403
    assert staff.delete("/api/v1/people", params={"email": EMAIL}).status_code == 403
    assert admin.delete("/api/v1/people", params={"email": "a b@example.org"}).status_code == 422
    assert admin.delete("/api/v1/people").status_code == 422


def test_firm_admin_may_not(ctx: Context, client: Any) -> None:
    with ctx.db.write() as session:
        row, key = create_key(session, ctx.clock, name="Firmen-Admin", role=Role.admin)
        row.firm = "Klimaberatung Nord GmbH"
        session.add(row)
    firm_admin = Api(client, key)
    answer = firm_admin.get("/api/v1/people/export", params={"email": EMAIL})
    assert answer.status_code == 403 and answer.json()["code"] == "person_firm_admin"


def _outbox(ctx: Context) -> list[OutboxMessage]:
    with ctx.db.read() as session:
        rows = list(session.exec(select(OutboxMessage)).all())
        for row in rows:
            session.expunge(row)
        return rows


def test_erasure_leaves_no_trace_and_stops_her_mail(
    ctx: Context, staff: Api, admin: Api, smtp_sink: SmtpSink
) -> None:
    first, second = _her_everywhere(ctx, staff)
    queued_to_her = [m.id for m in _outbox(ctx) if f"<{EMAIL}>" in m.to_addr.lower()]
    assert queued_to_her and traces(ctx, EMAIL) and traces(ctx, NAME)

    answer = admin.ok(admin.delete("/api/v1/people", params={"email": "Petra.Klein@example.org"}))
    assert answer["erased"] >= 7, answer
    assert traces(ctx, EMAIL) == []
    assert traces(ctx, NAME) == []
    by_id = {m.id: m for m in _outbox(ctx)}
    assert {by_id[i].status for i in queued_to_her} == {"cancelled"}

    dispatch(ctx)
    received = smtp_sink.wait_for(1)  # the other invitee's invitation and stage notices
    recipients = [r.lower() for _sender, rcpts in smtp_sink.envelopes for r in rcpts]
    assert EMAIL not in recipients and OTHER_EMAIL in recipients
    assert all(f"<{EMAIL}>" not in m.as_string().lower() for m in received)
    assert all(NAME not in str(m["To"]) for m in received)

    # the others and the process stay as they were
    kept = staff.ok(staff.get(f"/api/v1/engagements/{first}/participants"))
    assert [(p["name"], p["email"]) for p in kept] == [(OTHER_NAME, OTHER_EMAIL)]
    rejected = staff.ok(staff.get(f"/api/v1/engagements/{second}"))
    assert rejected["state"] == "rejected" and rejected["contact_name"] == "gelöscht"
    assert rejected["contact_email"].endswith("@erased.invalid")
    assert staff.ok(staff.get("/api/v1/engagements", params={"q": "Klein"}))["items"] == []
    with ctx.db.read() as session:
        user = session.exec(select(User)).one()
        assert user.disabled_at is not None and user.password_hash is None
        assert session.exec(select(PasswordToken)).all() == []
        assert session.exec(select(PortalLink)).all() == []

    # an anonymous record of the erasure, in each engagement she was in
    for eid in (first, second):
        entries = staff.ok(staff.get(f"/api/v1/engagements/{eid}/history"))
        erased = [e for e in entries if e["action"] == "erased"]
        assert len(erased) == 1 and erased[0]["actor"] == "Adam Admin"
        assert "gelöscht" in erased[0]["summary_de"] and "erased" in erased[0]["summary_en"]

    # gone: export 404, a second erasure finds nothing
    gone = admin.get("/api/v1/people/export", params={"email": EMAIL})
    assert gone.status_code == 404, gone.text
    assert admin.ok(admin.delete("/api/v1/people", params={"email": EMAIL})) == {"erased": 0}


def test_no_mail_is_queued_to_an_erased_contact(
    ctx: Context, clock: MovableClock, staff: Api, admin: Api
) -> None:
    """The stage-deadline reminder goes to the contact person: after the erasure, to
    nobody (the other engagement's contact shows that the reminder was due)."""
    erased = staff.engagement(contact_name=NAME, contact_email=EMAIL)
    control = staff.engagement(municipality="Markt Grünau")
    admin.ok(admin.delete("/api/v1/people", params={"email": EMAIL}))
    assert erased["stage_due_at"] and erased["stage_due_at"] == control["stage_due_at"]
    clock.set(datetime.fromisoformat(erased["stage_due_at"]) - timedelta(days=1))
    sweep_reminders(ctx)
    reminders = [m for m in _outbox(ctx) if m.kind == "reminder"]
    assert [m.engagement_id for m in reminders] == [control["id"]]
    assert traces(ctx, EMAIL) == []


@pytest.mark.parametrize("email", ["hanna.klein@example.org"])
def test_erasure_of_an_unknown_address_changes_nothing(
    ctx: Context, staff: Api, admin: Api, email: str
) -> None:
    _her_everywhere(ctx, staff)
    before = traces(ctx, EMAIL)
    assert admin.ok(admin.delete("/api/v1/people", params={"email": email})) == {"erased": 0}
    assert traces(ctx, EMAIL) == before


def test_a_namesake_keeps_her_record(ctx: Context, staff: Api, admin: Api) -> None:
    """Another Petra Klein (another address) is another person: her participant record
    and the mail to her keep her name; only free text cannot tell the two apart."""
    _her_everywhere(ctx, staff)
    third = staff.engagement(municipality="Gemeinde Westerfeld")["id"]
    staff.participant(third, name=NAME, email="p.klein@westerfeld.example")
    admin.ok(admin.delete("/api/v1/people", params={"email": EMAIL}))
    kept = staff.ok(staff.get(f"/api/v1/engagements/{third}/participants"))
    assert [(p["name"], p["email"]) for p in kept] == [(NAME, "p.klein@westerfeld.example")]
    exported = admin.ok(
        admin.get("/api/v1/people/export", params={"email": "p.klein@westerfeld.example"})
    )
    assert exported["names"] == [NAME]


def test_the_dashboard_shows_her_mail_as_stopped(
    ctx: Context, staff: Api, admin: Api, client: TestClient
) -> None:
    first, _second = _her_everywhere(ctx, staff)
    admin.ok(admin.delete("/api/v1/people", params={"email": EMAIL}))
    login(client, staff)
    for lang, word in (("de", "gestoppt (Person gelöscht)"), ("en", "stopped (person erased)")):
        page = client.get(f"/engagements/{first}?lang={lang}")
        assert page.status_code == 200
        assert word in page.text and NAME not in page.text
        assert re.search(rf"(?<![\w.+-]){re.escape(EMAIL)}", page.text) is None
