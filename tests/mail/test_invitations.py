"""Invitations through the API, received by a real SMTP server and parsed: structure,
headers with umlauts, Sie-form greeting, footer, autoescaped HTML, no header injection,
and inviting twice never mails twice."""

from __future__ import annotations

from email.utils import getaddresses

from sqlalchemy import func, select

from service.core.context import Context
from service.mail.models import OutboxMessage
from tests.mail.conftest import Send, parts, setup_workshop
from tests.support import Api, SmtpSink


def test_invitation_arrives_with_text_html_calendar_and_umlauts(
    staff: Api, send: Send, smtp_sink: SmtpSink, ctx: Context
) -> None:
    eid, _pids, wid = setup_workshop(staff, people=2)
    assert staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202) == {"queued": 2}
    result = send()
    assert result.sent == 2
    received = smtp_sink.wait_for(2)
    message = next(m for m in received if "person0" in str(m["To"]))

    assert message["From"].addresses[0].display_name == "Fokusberatung Klimaschutz"
    assert message["From"].addresses[0].addr_spec == "fokusberatung@agentur.example"
    assert message["To"].addresses[0].display_name == "Jürgen Größe-Weiß"
    assert str(message["Subject"]) == (
        "Einladung: Auftaktworkshop am Dienstag, 10. März 2026 (Gemeinde Beispielstadt)"
    )
    assert message.is_multipart() and message.get_content_type() == "multipart/mixed"
    alternative = next(message.iter_parts())
    assert [p.get_content_type() for p in alternative.iter_parts()] == [
        "text/plain",
        "text/html",
        "text/calendar",
    ]
    found = parts(message)
    assert found["text"].startswith("Guten Tag Jürgen Größe-Weiß,")
    assert "Mit freundlichen Grüßen" in found["text"]
    assert "Datenschutz:" in found["text"] and "DSGVO" in found["text"]
    assert "Datum:    Dienstag, 10. März 2026" in found["text"]
    assert "Uhrzeit:  17:00–20:00 Uhr" in found["text"]
    assert "Rathaus, Sitzungssaal" in found["text"]
    assert "<p>Guten Tag Jürgen Größe-Weiß,</p>" in found["html"]
    assert "<img" not in found["html"]  # readable without images
    assert "Datenschutz:" in found["html"]
    assert found["attachment"].get_filename() == "einladung.ics"

    with ctx.db.read() as session:
        row = session.get(OutboxMessage, 1)
        assert row is not None
    ids = {str(m["Message-ID"]) for m in received}
    messages = staff.ok(staff.get(f"/api/v1/engagements/{eid}/messages"))
    assert {m["message_id"] for m in messages} == ids
    assert all(m["status"] == "sent" and m["attempts"] == 1 for m in messages)
    assert {m["kind"] for m in messages} == {"invitation"}
    assert "Jürgen Größe-Weiß <person0" in messages[0]["to"]


def test_inviting_again_does_not_mail_twice_and_a_list_invites_only_those(
    staff: Api, send: Send, smtp_sink: SmtpSink
) -> None:
    _eid, pids, wid = setup_workshop(staff, people=3)
    url = f"/api/v1/workshops/{wid}/invitations"
    assert staff.ok(staff.post(url, json={"participant_ids": [pids[1]]}), 202) == {"queued": 1}
    assert staff.ok(staff.post(url, json={"participant_ids": [pids[1], pids[1]]}), 202) == {
        "queued": 0
    }
    assert staff.ok(staff.post(url, json={}), 202) == {"queued": 2}
    assert staff.ok(staff.post(url), 202) == {"queued": 0}
    send()
    send()
    received = smtp_sink.wait_for(3)
    assert len(received) == 3
    assert len({m["To"].addresses[0].addr_spec for m in received}) == 3
    workshop = staff.ok(staff.get(f"/api/v1/workshops/{wid}"))
    assert [i["participant_id"] for i in workshop["invitations"]] == [pids[1], pids[0], pids[2]]
    assert workshop["rsvp_counts"] == {"pending": 3, "accepted": 0, "waitlisted": 0, "declined": 0}
    listed = staff.ok(staff.get(f"/api/v1/workshops/{wid}/invitations"))
    assert {i["rsvp"] for i in listed} == {"pending"}


def test_bad_invitation_requests_are_4xx_naming_the_problem(staff: Api, ctx: Context) -> None:
    eid, _pids, wid = setup_workshop(staff, people=1)
    other = staff.engagement()["id"]
    stranger = staff.participant(other, email="fremd@example.org")["id"]
    url = f"/api/v1/workshops/{wid}/invitations"
    cases = [
        ({"participant_ids": [stranger]}, 404, f"{stranger} is not a participant"),
        ({"participant_ids": ["x"]}, 422, "participant_ids.0"),
        ({"participant_ids": []}, 422, "participant_ids"),
        ({"participant_ids": [0]}, 422, "participant_ids.0"),
        ({"people": [1]}, 422, "people"),
        ([1, 2], 422, "body"),
    ]
    for body, status, text in cases:
        response = staff.post(url, json=body)
        assert response.status_code == status, (body, response.text)
        assert text in response.json()["detail"], (body, response.text)
    bad_json = staff.client.post(
        url, content=b"{", headers={**staff.headers, "Content-Type": "application/json"}
    )
    assert bad_json.status_code == 422
    assert staff.post("/api/v1/workshops/9999/invitations").status_code == 404
    past = staff.workshop(eid, starts_at="2026-03-01T10:00:00", ends_at="2026-03-01T12:00:00")
    refused = staff.post(f"/api/v1/workshops/{past['id']}/invitations")
    assert refused.status_code == 409 and "over" in refused.json()["detail"]
    with ctx.db.read() as session:
        assert session.execute(select(func.count()).select_from(OutboxMessage)).scalar() == 0


def test_readers_may_not_invite(staff: Api, supervisor: Api) -> None:
    _eid, _pids, wid = setup_workshop(staff, people=1)
    assert supervisor.post(f"/api/v1/workshops/{wid}/invitations").status_code == 403


def test_names_cannot_inject_headers_and_html_is_escaped(
    staff: Api, send: Send, smtp_sink: SmtpSink
) -> None:
    eid = staff.engagement()["id"]
    refused = staff.post(
        f"/api/v1/engagements/{eid}/participants",
        json={"name": "Eve\r\nBcc: victim@example.org", "email": "eve@example.org"},
    )
    assert refused.status_code == 422
    sneaky = 'Eve <b>"Boss"</b>, Bcc: victim@example.org'
    staff.participant(eid, name=sneaky, email="eve@example.org")
    wid = staff.workshop(eid, title="Workshop <script>alert(1)</script>")["id"]
    staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202)
    send()
    [message] = smtp_sink.wait_for(1)
    assert smtp_sink.envelopes == [("fokusberatung@agentur.example", ["eve@example.org"])]
    assert "Bcc" not in message
    assert getaddresses([str(message["To"])]) == [(sneaky, "eve@example.org")]
    html = parts(message)["html"]
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>" not in html and "&lt;b&gt;" in html
