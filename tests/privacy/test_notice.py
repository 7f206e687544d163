"""The Art. 13 GDPR notice: the controller (FOKUS_CONTROLLER, else the sender), the
data-protection officer (FOKUS_DPO_EMAIL), the privacy policy and the imprint appear in
every email, text and HTML, German and English, as it arrives at the SMTP server, and on
the RSVP page, the portal page and the public progress page. A bad value stops start-up
naming it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from email.message import EmailMessage

import pytest
from fastapi.testclient import TestClient

from service.core.clock import MovableClock
from service.core.context import Context
from service.core.settings import SettingsError, load_settings
from service.engagements.reminders import sweep_reminders
from service.mail.dispatch import dispatch
from tests.mail.conftest import parts
from tests.portal.conftest import portal_path
from tests.support import Api, SmtpSink

CONTROLLER = "Klimaberatung Nord GmbH, Hafenstraße 7, 20457 Hamburg"
DPO = "datenschutz@klimaberatung-nord.example"
PRIVACY = "https://klimaberatung-nord.example/datenschutz"
IMPRINT = "https://klimaberatung-nord.example/impressum"


@pytest.fixture
def settings_overrides(smtp_sink: SmtpSink, request: pytest.FixtureRequest) -> dict[str, object]:
    """Every Art. 13 setting, except for a test that takes `unset`."""
    if "unset" in request.fixturenames:
        return {"smtp_url": smtp_sink.url}
    return {
        "smtp_url": smtp_sink.url,
        "controller": CONTROLLER,
        "dpo_email": DPO,
        "privacy_url": PRIVACY,
        "imprint_url": IMPRINT,
    }


@pytest.fixture
def unset() -> None:
    """Marks a test that runs without the Art. 13 settings."""


def _flat(text: str) -> str:
    return " ".join(text.split())


def _kinds(messages: list[EmailMessage]) -> set[str]:
    return {str(m["Message-ID"]).split(".")[0].lstrip("<") for m in messages}


def test_every_kind_of_email_carries_the_notice(
    ctx: Context, clock: MovableClock, staff: Api, smtp_sink: SmtpSink
) -> None:
    eid = staff.engagement()["id"]
    staff.participant(eid, name="Petra Klein", email="petra.klein@example.org")
    staff.participant(eid, name="Tom Baker", email="tom.baker@example.org", language="en")
    workshop = staff.workshop(eid)
    staff.ok(staff.post(f"/api/v1/workshops/{workshop['id']}/invitations"), 202)
    staff.ok(staff.fire(eid, "reject", note="Nicht förderfähig"))
    other = staff.engagement(municipality="Markt Grünau")
    clock.set(datetime.fromisoformat(other["stage_due_at"]) - timedelta(days=1))
    sweep_reminders(ctx)
    dispatch(ctx)
    received = smtp_sink.wait_for(5)
    assert _kinds(received) >= {"invitation", "stage_notice", "reminder"}
    languages = set()
    for message in received:
        found = parts(message)
        for body in (_flat(found["text"]), _flat(found["html"])):
            assert CONTROLLER in body and DPO in body, message["Subject"]
            assert PRIVACY in body and IMPRINT in body, message["Subject"]
        german = "Verantwortlich im Sinne der DSGVO" in found["text"]
        english = "controller under the GDPR" in found["text"]
        assert german != english
        languages.add("de" if german else "en")
        assert f'href="mailto:{DPO}"' in found["html"]
    assert languages == {"de", "en"}


def test_unset_the_notice_names_the_sender(
    unset: None, staff: Api, ctx: Context, smtp_sink: SmtpSink
) -> None:
    eid = staff.engagement()["id"]
    staff.participant(eid, name="Petra Klein", email="petra.klein@example.org")
    staff.ok(staff.fire(eid, "withdraw"))
    dispatch(ctx)
    (message,) = smtp_sink.wait_for(1)
    text = _flat(parts(message)["text"])
    sender = "Fokusberatung Klimaschutz, fokusberatung@agentur.example"
    assert f"Verantwortlich im Sinne der DSGVO ist {sender}." in text
    assert "Datenschutzbeauftragte" not in text and "Impressum" not in text


def _rsvp_path(message: EmailMessage) -> str:
    match = re.search(r"http://fokus\.example(/rsvp/[A-Za-z0-9_.\-]+)", parts(message)["text"])
    assert match
    return match.group(1)


def test_the_rsvp_and_the_public_page_carry_the_notice(
    ctx: Context, staff: Api, client: TestClient, smtp_sink: SmtpSink
) -> None:
    eid = staff.engagement()["id"]
    staff.participant(eid, name="Petra Klein", email="petra.klein@example.org")
    workshop = staff.workshop(eid)
    staff.ok(staff.post(f"/api/v1/workshops/{workshop['id']}/invitations"), 202)
    dispatch(ctx)
    (invitation,) = smtp_sink.wait_for(1)
    staff.ok(staff.post(f"/api/v1/engagements/{eid}/portal-link"), 201)
    dispatch(ctx)
    (portal_letter,) = [m for m in smtp_sink.wait_for(2) if "/portal/" in str(parts(m)["text"])]
    opened = staff.ok(staff.patch(f"/api/v1/engagements/{eid}", json={"public": True}))
    slug = opened["public_url"].rsplit("/", 1)[1]
    pages = (_rsvp_path(invitation), portal_path(portal_letter), f"/public/{slug}")
    for path in (*pages, f"/public/{slug}?lang=en"):
        page = client.get(path)
        assert page.status_code == 200, path
        html = _flat(page.text)
        assert CONTROLLER in html and f'<a href="mailto:{DPO}">{DPO}</a>' in html, path
        assert f'href="{PRIVACY}"' in html and f'href="{IMPRINT}"' in html, path
    assert "Controller under the GDPR" in client.get(f"/public/{slug}?lang=en").text


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("FOKUS_CONTROLLER", "Klimaberatung Nord\nBcc: x@y.example", "one line"),
        ("FOKUS_CONTROLLER", "x" * 301, "at most 300"),
        ("FOKUS_DPO_EMAIL", "Datenschutz <dpo@example.org>", "not an email address"),
        ("FOKUS_RETENTION_MONTHS", "0", "greater than or equal to 1"),
        ("FOKUS_RETENTION_MONTHS", "zwei", "integer"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, says: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as refused:
        load_settings()
    line = str(refused.value)
    assert line.startswith(f"configuration error: {variable}: ") and says in line
    assert "\n" not in line
