"""The public progress page (CONTRACT "The portfolio"): opt-in with PATCH public, HTML
and JSON without a login, stage, guiding vision and measures; never a person's name or
email, whatever was recorded; 404 when not public."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.support import Api

PEOPLE = {
    "contact": ("Anna Schmidt", "anna.schmidt@example.org"),
    "owner": ("Lena Vogel", None),
    "participant": ("Petra Klein", "petra.klein@example.org"),
    "responsible": ("Jonas Berger", None),
}


def _public(staff: Api) -> tuple[int, str]:
    eid = staff.engagement(municipality="Markt Grünau", owner="Lena Vogel")["id"]
    staff.participant(eid, name="Petra Klein", email="petra.klein@example.org")
    staff.measure(eid, title="LED-Straßenbeleuchtung", responsible="Jonas Berger")
    # staff wrote names and addresses into the free texts: they must not leak either
    staff.measure(eid, title="Radwegekonzept mit Petra Klein (petra.klein@example.org)")
    opened = staff.ok(
        staff.patch(
            f"/api/v1/engagements/{eid}",
            json={
                "public": True,
                "vision_summary": "Grünau wird bis 2040 klimaneutral. Fragen an Anna Schmidt, "
                "anna.schmidt@example.org, oder an lena.vogel@rathaus.example",
            },
        )
    )
    assert opened["public"] is True
    assert opened["public_url"].endswith(f"/public/markt-gruenau-{eid}")
    return eid, f"/public/markt-gruenau-{eid}"


def test_public_page_shows_progress_in_html_and_json(staff: Api, client: TestClient) -> None:
    eid, path = _public(staff)
    staff.ok(staff.fire(eid, "approve"))
    page = client.get(path)
    assert page.status_code == 200
    assert "Klimaschutz in Markt Grünau" in page.text
    assert "Auftakt" in page.text and "aktuell" in page.text
    assert "LED-Straßenbeleuchtung" in page.text and "klimaneutral" in page.text
    data = client.get(f"{path}.json").json()
    assert (data["municipality"], data["stage"], data["stage_label"]) == (
        "Markt Grünau",
        "onboarding",
        "Auftaktgespräch und Ist-Analyse",
    )
    assert [s["status"] for s in data["stages"]][:2] == ["done", "current"]
    assert [m["status_label"] for m in data["measures"]] == ["geplant", "geplant"]
    english = client.get(f"{path}.json?lang=en").json()
    assert english["measures"][0]["status_label"] == "planned"
    assert "Climate action in Markt Grünau" in client.get(f"{path}?lang=en").text


def test_no_person_is_ever_on_the_public_page(staff: Api, client: TestClient) -> None:
    _eid, path = _public(staff)
    for text in (client.get(path).text, client.get(f"{path}.json").text):
        for name, email in PEOPLE.values():
            assert name not in text
            assert email is None or email not in text
        # the one address allowed: the controller's (FOKUS_MAIL_FROM here) in the Art. 13
        # notice, an office's address, not a person's
        assert "@" not in text.replace("fokusberatung@agentur.example", "")


def test_not_public_is_404_and_the_address_stays_when_reopened(
    staff: Api, client: TestClient
) -> None:
    eid, path = _public(staff)
    staff.ok(staff.patch(f"/api/v1/engagements/{eid}", json={"public": False}))
    assert client.get(path).status_code == 404
    assert client.get(f"{path}.json").status_code == 404
    other = staff.engagement()["id"]
    assert client.get(f"/public/gemeinde-beispielstadt-{other}").status_code == 404
    again = staff.ok(staff.patch(f"/api/v1/engagements/{eid}", json={"public": True}))
    assert again["public_url"].endswith(path)
    assert client.get(path).status_code == 200


def test_public_flag_is_strict_and_recorded(staff: Api) -> None:
    eid = staff.engagement()["id"]
    assert staff.patch(f"/api/v1/engagements/{eid}", json={"public": "yes"}).status_code == 422
    assert staff.patch(f"/api/v1/engagements/{eid}", json={"public": None}).status_code == 422
    staff.ok(staff.patch(f"/api/v1/engagements/{eid}", json={"public": True}))
    history = staff.ok(staff.get(f"/api/v1/engagements/{eid}/history"))
    assert history[-1]["kind"] == "change"
    assert "Öffentliche Fortschrittsseite" in history[-1]["summary_de"], history[-1]
