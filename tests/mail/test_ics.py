"""The calendar entry, parsed back with icalendar: REQUEST with the workshop's UID and
Berlin times; a move sends the same UID with a higher SEQUENCE; a cancellation sends
METHOD:CANCEL. The .ics keeps its CRLF line endings."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tests.mail.conftest import Send, calendar_of, parts, setup_workshop
from tests.support import Api, SmtpSink

BERLIN = ZoneInfo("Europe/Berlin")


def test_invitation_ics_is_a_request_outlook_and_thunderbird_accept(
    staff: Api, send: Send, smtp_sink: SmtpSink
) -> None:
    _eid, _pids, wid = setup_workshop(staff, people=1)
    workshop = staff.ok(staff.get(f"/api/v1/workshops/{wid}"))
    staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202)
    send()
    [message] = smtp_sink.wait_for(1)
    found = parts(message)
    assert found["calendar"].get_param("method") == "REQUEST"
    raw = found["attachment"].get_payload(decode=True)
    assert raw == found["calendar"].get_payload(decode=True)
    assert b"\r\n" in raw and raw.count(b"\n") == raw.count(b"\r\n")

    calendar = calendar_of(message)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(calendar["VERSION"]) == "2.0"
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Berlin"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == workshop["uid"]
    assert event.decoded("SEQUENCE") == 0
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == datetime(2026, 3, 10, 17, 0, tzinfo=BERLIN)
    assert end == datetime(2026, 3, 10, 20, 0, tzinfo=BERLIN)
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert str(event["LOCATION"]) == "Rathaus, Sitzungssaal"
    assert "Auftaktworkshop" in str(event["SUMMARY"])
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["ORGANIZER"]) == "mailto:fokusberatung@agentur.example"
    assert event["ORGANIZER"].params["CN"] == "Fokusberatung Klimaschutz"
    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:person0.1@example.org"
    assert attendee.params["CN"] == "Jürgen Größe-Weiß"
    assert attendee.params["RSVP"] == "TRUE"
    assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
    assert "/rsvp/" in str(event["DESCRIPTION"])


def test_moving_sends_an_update_with_the_same_uid_and_a_higher_sequence(
    staff: Api, send: Send, smtp_sink: SmtpSink
) -> None:
    eid, _pids, wid = setup_workshop(staff, people=2)
    uid = staff.ok(staff.get(f"/api/v1/workshops/{wid}"))["uid"]
    staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202)
    send()
    smtp_sink.wait_for(2)

    moved = staff.ok(
        staff.patch(
            f"/api/v1/workshops/{wid}",
            json={"starts_at": "2026-04-14T18:00:00+02:00", "ends_at": "2026-04-14T21:00:00",
                  "location": "Bürgerhaus, Saal 2"},
        )
    )  # fmt: skip
    assert moved["sequence"] == 1 and moved["uid"] == uid
    assert moved["starts_at"] == "2026-04-14T18:00:00+02:00"
    send()
    received = smtp_sink.wait_for(4)
    updates = received[2:]
    assert {str(m["Subject"]).split(":")[0] for m in updates} == {"Geänderter Termin"}
    for message in updates:
        event = calendar_of(message).walk("VEVENT")[0]
        assert str(calendar_of(message)["METHOD"]) == "REQUEST"
        assert str(event["UID"]) == uid
        assert event.decoded("SEQUENCE") == 1
        assert event.decoded("DTSTART") == datetime(2026, 4, 14, 18, 0, tzinfo=BERLIN)
        assert event.decoded("DTSTART").utcoffset().total_seconds() == 7200  # summer time
        assert str(event["LOCATION"]) == "Bürgerhaus, Saal 2"
        assert "Bürgerhaus, Saal 2" in parts(message)["text"]

    # the same values again change nothing and mail nobody
    same = staff.ok(
        staff.patch(f"/api/v1/workshops/{wid}", json={"location": "Bürgerhaus, Saal 2"})
    )
    assert same["sequence"] == 1
    assert send().claimed == 0
    kinds = [m["kind"] for m in staff.ok(staff.get(f"/api/v1/engagements/{eid}/messages"))]
    assert kinds.count("workshop_update") == 2


def test_cancelling_sends_method_cancel_once(staff: Api, send: Send, smtp_sink: SmtpSink) -> None:
    _eid, _pids, wid = setup_workshop(staff, people=1)
    uid = staff.ok(staff.get(f"/api/v1/workshops/{wid}"))["uid"]
    staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202)
    send()
    cancelled = staff.ok(staff.post(f"/api/v1/workshops/{wid}/cancel"))
    assert cancelled["cancelled"] is True and cancelled["sequence"] == 1
    assert staff.ok(staff.post(f"/api/v1/workshops/{wid}/cancel"))["sequence"] == 1
    send()
    received = smtp_sink.wait_for(2)
    assert len(received) == 2
    message = received[1]
    assert str(message["Subject"]).startswith("Abgesagt: Auftaktworkshop")
    found = parts(message)
    assert found["calendar"].get_param("method") == "CANCEL"
    assert found["attachment"].get_filename() == "absage.ics"
    calendar = calendar_of(message)
    assert str(calendar["METHOD"]) == "CANCEL"
    event = calendar.walk("VEVENT")[0]
    assert str(event["UID"]) == uid and event.decoded("SEQUENCE") == 1
    assert str(event["STATUS"]) == "CANCELLED"
    # a cancelled workshop can be neither moved nor invited to
    assert staff.patch(f"/api/v1/workshops/{wid}", json={"title": "Neu"}).status_code == 409
    assert staff.post(f"/api/v1/workshops/{wid}/invitations").status_code == 409


def test_bad_workshop_changes_are_422(staff: Api) -> None:
    _eid, _pids, wid = setup_workshop(staff, people=1)
    url = f"/api/v1/workshops/{wid}"
    for body, text in [
        ({}, "at least one"),
        ({"title": None}, "cannot be null"),
        ({"title": "A\nB"}, "control characters"),
        (
            {"starts_at": "2026-03-10T21:00:00", "ends_at": "2026-03-10T20:00:00"},
            "ends_at must not be before starts_at",
        ),
        ({"starts_at": "morgen"}, "starts_at"),
        ({"colour": "green"}, "colour"),
    ]:
        response = staff.patch(url, json=body)
        assert response.status_code == 422, (body, response.text)
        assert text in response.json()["detail"], (body, response.text)
    # one end past the other, stored one: the body is fine, the workshop as it is conflicts
    moved = staff.patch(url, json={"ends_at": "2026-03-10T16:00:00"})
    assert moved.status_code == 409, moved.text
    assert "send both" in moved.json()["detail"]
    assert staff.patch("/api/v1/workshops/999", json={"title": "X"}).status_code == 404
    assert staff.ok(staff.get(url))["sequence"] == 0
