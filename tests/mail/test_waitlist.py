"""Capacity and the waiting list (issue 15), through the RSVP links of real invitations
received by the SMTP sink: acceptances beyond the capacity wait in the order they came,
a decline moves the first waiting person up with exactly one mail, and two declines at
once move two different people up."""

from __future__ import annotations

import threading
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import httpx
from fastapi.testclient import TestClient

from service.core.clock import MovableClock
from tests.mail.conftest import Send, parts, rsvp_path, setup_workshop
from tests.support import Api, SmtpSink


def _to(message: EmailMessage) -> str:
    return str(message["To"].addresses[0].addr_spec)


def _invite_all(staff: Api, send: Send, smtp_sink: SmtpSink, wid: int, people: int) -> list[str]:
    """Everyone invited; their RSVP paths in the order they were invited."""
    assert staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202) == {"queued": people}
    send()
    by_address = {_to(m): rsvp_path(m) for m in smtp_sink.wait_for(people)}
    return [by_address[address] for address in sorted(by_address, key=_person_number)]


def _person_number(address: str) -> int:
    return int(address.removeprefix("person").split(".")[0])


def _answer(client: TestClient | httpx.Client, path: str, response: str) -> str:
    answered = client.post(path, json={"response": response})
    assert answered.status_code == 200, answered.text
    rsvp: str = answered.json()["rsvp"]
    return rsvp


def _states(staff: Api, wid: int) -> list[tuple[str, Any]]:
    invitations = staff.ok(staff.get(f"/api/v1/workshops/{wid}"))["invitations"]
    return [(i["rsvp"], i["waitlist_position"]) for i in invitations]


def test_five_accept_three_places_then_a_decline_moves_the_first_waiting_up(
    staff: Api, send: Send, smtp_sink: SmtpSink, clock: MovableClock
) -> None:
    eid, _pids, wid = setup_workshop(staff, people=5, capacity=3)
    links = _invite_all(staff, send, smtp_sink, wid, 5)
    # they answer in the order 0, 1, 2, then 4 before 3: the waiting list keeps that order
    answers = []
    for index in (0, 1, 2, 4, 3):
        clock.advance(timedelta(minutes=5))
        answers.append(_answer(staff.client, links[index], "accepted"))
    assert answers == ["accepted", "accepted", "accepted", "waitlisted", "waitlisted"]
    assert _states(staff, wid) == [
        ("accepted", None),
        ("accepted", None),
        ("accepted", None),
        ("waitlisted", 2),
        ("waitlisted", 1),
    ]
    workshop = staff.ok(staff.get(f"/api/v1/workshops/{wid}"))
    assert workshop["rsvp_counts"] == {"pending": 0, "accepted": 3, "waitlisted": 2, "declined": 0}
    # the page says where one stands
    page = staff.client.get(links[3]).text
    assert 'data-rsvp="waitlisted"><strong>Warteliste, Platz 2</strong>' in page
    # saying yes again keeps one's place
    assert _answer(staff.client, links[3], "accepted") == "waitlisted"

    clock.advance(timedelta(minutes=5))
    assert _answer(staff.client, links[1], "declined") == "declined"
    assert _states(staff, wid) == [
        ("accepted", None),
        ("declined", None),
        ("accepted", None),
        ("waitlisted", 1),  # person 3 said yes after person 4 ...
        ("accepted", None),  # ... so person 4 moved up
    ]
    send()
    [moved_up] = smtp_sink.wait_for(6)[5:]
    assert _to(moved_up) == f"person4.{eid}@example.org"
    assert str(moved_up["Subject"]).startswith("Sie sind nachgerückt: Auftaktworkshop am")
    text = parts(moved_up)["text"]
    assert "Sie sind nachgerückt" in text and "Teilnahme ist jetzt bestätigt" in text
    assert rsvp_path(moved_up) == links[4]  # the invitation's own link
    # exactly one mail: nothing else is queued, and declining again changes nothing
    assert _answer(staff.client, links[1], "declined") == "declined"
    assert send().sent == 0
    assert len(smtp_sink.messages) == 6
    page = staff.client.get(links[4]).text
    assert 'data-rsvp="accepted"><strong>zugesagt</strong>' in page


def test_a_waiting_person_who_declines_leaves_the_list_without_moving_anyone(
    staff: Api, send: Send, smtp_sink: SmtpSink, clock: MovableClock
) -> None:
    _eid, _pids, wid = setup_workshop(staff, people=3, capacity=1)
    links = _invite_all(staff, send, smtp_sink, wid, 3)
    for link in links:
        clock.advance(timedelta(minutes=1))
        _answer(staff.client, link, "accepted")
    assert _answer(staff.client, links[1], "declined") == "declined"
    assert _states(staff, wid) == [("accepted", None), ("declined", None), ("waitlisted", 1)]
    assert send().sent == 0


def test_raising_the_capacity_moves_waiting_people_up_without_a_calendar_update(
    staff: Api, send: Send, smtp_sink: SmtpSink, clock: MovableClock
) -> None:
    eid, _pids, wid = setup_workshop(staff, people=3, capacity=1)
    links = _invite_all(staff, send, smtp_sink, wid, 3)
    for link in links:
        clock.advance(timedelta(minutes=1))
        _answer(staff.client, link, "accepted")
    changed = staff.ok(staff.patch(f"/api/v1/workshops/{wid}", json={"capacity": 2}))
    assert changed["capacity"] == 2 and changed["sequence"] == 0
    assert _states(staff, wid) == [("accepted", None), ("accepted", None), ("waitlisted", 1)]
    send()
    [moved_up] = smtp_sink.wait_for(4)[3:]
    assert _to(moved_up) == f"person1.{eid}@example.org"
    # no limit any more: everyone waiting moves up
    staff.ok(staff.patch(f"/api/v1/workshops/{wid}", json={"capacity": None}))
    assert [state for state, _ in _states(staff, wid)] == ["accepted"] * 3
    send()
    assert len(smtp_sink.wait_for(5)) == 5


def test_two_declines_at_once_move_two_different_people_up(
    staff: Api, send: Send, smtp_sink: SmtpSink, clock: MovableClock, client: TestClient
) -> None:
    eid, _pids, wid = setup_workshop(staff, people=4, capacity=2)
    links = _invite_all(staff, send, smtp_sink, wid, 4)
    for link in links:
        clock.advance(timedelta(minutes=1))
        _answer(staff.client, link, "accepted")
    barrier = threading.Barrier(2)
    results: list[str] = []

    def decline(path: str) -> None:
        barrier.wait()
        results.append(_answer(client, path, "declined"))

    threads = [threading.Thread(target=decline, args=(path,)) for path in links[:2]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == ["declined", "declined"]
    assert [state for state, _ in _states(staff, wid)] == [
        "declined",
        "declined",
        "accepted",
        "accepted",
    ]
    send()
    promoted = smtp_sink.wait_for(6)[4:]
    assert sorted(_to(m) for m in promoted) == [
        f"person2.{eid}@example.org",
        f"person3.{eid}@example.org",
    ]


def test_capacity_is_validated(staff: Api) -> None:
    eid = staff.engagement()["id"]
    for bad in (0, -1, 10_001, "drei", 1.5):
        refused = staff.post(
            f"/api/v1/engagements/{eid}/workshops",
            json={
                "title": "Auftaktworkshop",
                "starts_at": "2026-03-10T17:00:00",
                "ends_at": "2026-03-10T20:00:00",
                "location": "Rathaus",
                "capacity": bad,
            },
        )
        assert refused.status_code == 422, (bad, refused.text)
        assert "capacity" in refused.text
    made = staff.workshop(eid, capacity=12, agenda="1. Begrüßung\n2. Ideen sammeln")
    assert made["capacity"] == 12 and made["agenda"] == "1. Begrüßung\n2. Ideen sammeln"


def test_the_history_says_who_waits_and_who_moved_up(
    staff: Api, send: Send, smtp_sink: SmtpSink, clock: MovableClock
) -> None:
    eid, _pids, wid = setup_workshop(staff, people=2, capacity=1)
    links = _invite_all(staff, send, smtp_sink, wid, 2)
    for link in links:
        clock.advance(timedelta(minutes=1))
        _answer(staff.client, link, "accepted")
    _answer(staff.client, links[0], "declined")
    history = staff.ok(staff.get(f"/api/v1/engagements/{eid}/history"))
    summaries = [item["summary_de"] for item in history if item["kind"] == "change"]
    assert "Petra Klein ist für Workshop „Auftaktworkshop“ von der Warteliste nachgerückt" in (
        summaries
    )
    assert any("steht auf der Warteliste" in summary for summary in summaries)


def test_erasing_someone_with_a_place_moves_the_first_waiting_up(
    staff: Api, send: Send, smtp_sink: SmtpSink, clock: MovableClock
) -> None:
    eid, pids, wid = setup_workshop(staff, people=3, capacity=1)
    links = _invite_all(staff, send, smtp_sink, wid, 3)
    for link in links:
        clock.advance(timedelta(minutes=1))
        _answer(staff.client, link, "accepted")
    assert staff.delete(f"/api/v1/participants/{pids[0]}").status_code in (200, 204)
    assert _states(staff, wid) == [("accepted", None), ("waitlisted", 1)]
    send()
    [moved_up] = smtp_sink.wait_for(4)[3:]
    assert _to(moved_up) == f"person1.{eid}@example.org"


def test_two_acceptances_at_once_for_the_last_place_take_it_once(
    staff: Api, send: Send, smtp_sink: SmtpSink, client: TestClient
) -> None:
    _eid, _pids, wid = setup_workshop(staff, people=3, capacity=2)
    links = _invite_all(staff, send, smtp_sink, wid, 3)
    _answer(client, links[0], "accepted")
    barrier = threading.Barrier(2)
    results: list[str] = []

    def accept(path: str) -> None:
        barrier.wait()
        results.append(_answer(client, path, "accepted"))

    threads = [threading.Thread(target=accept, args=(path,)) for path in links[1:]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["accepted", "waitlisted"]
    counts = staff.ok(staff.get(f"/api/v1/workshops/{wid}"))["rsvp_counts"]
    assert counts == {"pending": 0, "accepted": 2, "waitlisted": 1, "declined": 0}
