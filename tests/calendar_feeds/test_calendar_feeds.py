"""Calendar feeds (CONTRACT "The portfolio"): a secret URL per user with every upcoming
workshop, open stage deadline and milestone; parsed with icalendar, fetched twice (same
UIDs, a moved deadline at its new date), revocable (then 404)."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from icalendar import Calendar

from service.core.clock import MovableClock
from tests.records.programme import grant, v2_engagement
from tests.support import Api


def _feed(client: TestClient, url: str) -> dict[str, Any]:
    """The feed's events by UID (fetched without any credentials)."""
    response = client.get(urlsplit(url).path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_feed_lists_workshops_deadlines_and_milestones(
    staff: Api, client: TestClient, clock: MovableClock
) -> None:
    v1 = staff.engagement(municipality="Gemeinde Ahorn")["id"]
    workshop = staff.workshop(v1)
    v2 = v2_engagement(staff, municipality="Markt Birke")["id"]
    grant(staff, v2)
    staff.ok(staff.fire(v2, "approve"))  # the funding starts: milestones are dated
    feed = staff.created(staff.post("/api/v1/calendar-feeds", json={"label": "Meine Termine"}))
    assert urlsplit(feed["url"]).path.startswith("/calendar/cal_")

    events = _feed(client, feed["url"])
    stage_deadlines = {uid for uid in events if uid.startswith("deadline-")}
    assert stage_deadlines == {
        f"deadline-{v1}-application@fokus",
        f"deadline-{v2}-contracting@fokus",
    }
    assert any(uid.startswith(f"milestone-{v2}-") for uid in events)
    ws = events[workshop["uid"]]  # the invitation's UID: one entry, not two
    assert "Gemeinde Ahorn" in str(ws["SUMMARY"])
    assert ws.decoded("DTSTART").isoformat().startswith("2026-03-10T17:00:00")
    summary = str(events[f"deadline-{v2}-contracting@fokus"]["SUMMARY"])
    assert summary.startswith("Frist: Markt Birke")

    # a final engagement has no open deadline; a past workshop is not upcoming
    staff.ok(staff.fire(v1, "withdraw"))
    clock.advance(days=30)
    again = _feed(client, feed["url"])
    assert f"deadline-{v1}-application@fokus" not in again
    assert not any("Auftaktworkshop" in str(e["SUMMARY"]) for e in again.values())


def test_a_moved_deadline_keeps_its_uid_and_shows_the_new_date(
    staff: Api, client: TestClient
) -> None:
    eid = staff.engagement()["id"]
    url = staff.created(staff.post("/api/v1/calendar-feeds", json={}))["url"]
    uid = f"deadline-{eid}-application@fokus"
    first = _feed(client, url)[uid].decoded("DTSTART")
    staff.ok(
        staff.patch(
            f"/api/v1/engagements/{eid}/deadline",
            json={"due_at": "2026-06-30T12:00:00", "reason": "Ratssitzung verschoben"},
        )
    )
    second = _feed(client, url)
    assert list(second) == list(_feed(client, url))  # the same UIDs each time
    assert second[uid].decoded("DTSTART") == date(2026, 6, 30) != first


def test_a_feed_limited_to_one_owner(staff: Api, client: TestClient) -> None:
    mine = staff.engagement(owner="Lena Vogel")["id"]
    staff.engagement(owner="Sabine Berg")
    url = staff.created(staff.post("/api/v1/calendar-feeds", json={"owner": "Lena Vogel"}))["url"]
    assert [u for u in _feed(client, url) if u.startswith("deadline-")] == [
        f"deadline-{mine}-application@fokus"
    ]


def test_revoked_feed_answers_404_and_others_cannot_revoke_it(
    staff: Api, supervisor: Api, admin: Api, client: TestClient
) -> None:
    staff.engagement()
    feed = staff.created(staff.post("/api/v1/calendar-feeds", json={"label": "Büro"}))
    path = urlsplit(feed["url"]).path
    assert [f["label"] for f in staff.ok(staff.get("/api/v1/calendar-feeds"))] == ["Büro"]
    assert supervisor.ok(supervisor.get("/api/v1/calendar-feeds")) == []
    assert supervisor.delete(f"/api/v1/calendar-feeds/{feed['id']}").status_code == 404
    assert client.get(path).status_code == 200
    staff.ok(staff.delete(f"/api/v1/calendar-feeds/{feed['id']}"), 204)
    assert client.get(path).status_code == 404
    assert client.get(path.replace("cal_", "cal_x")).status_code == 404
    assert admin.delete(f"/api/v1/calendar-feeds/{feed['id']}").status_code == 204  # already ended
    listed = staff.ok(staff.get("/api/v1/calendar-feeds"))
    assert listed[0]["revoked_at"] is not None
    assert "url" not in listed[0]  # the secret is shown once, at creation
