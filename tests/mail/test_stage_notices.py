"""Every transition notifies each participant, in their language, over real SMTP."""

from __future__ import annotations

from tests.mail.conftest import Send, parts
from tests.support import Api, SmtpSink


def test_each_transition_mails_every_participant_once_in_their_language(
    staff: Api, send: Send, smtp_sink: SmtpSink
) -> None:
    eid = staff.engagement(municipality="Markt Schönau")["id"]
    staff.ok(staff.fire(eid, "approve"))
    staff.participant(eid, name="Jürgen Größe-Weiß", email="juergen@example.org")
    staff.participant(eid, name="Jane Doe", email="jane@example.org", language="en")
    staff.ok(staff.fire(eid, "start_workshops"))
    send()
    received = smtp_sink.wait_for(2)
    send()
    assert len(smtp_sink.messages) == 2
    german = next(m for m in received if "juergen" in str(m["To"]))
    english = next(m for m in received if "jane" in str(m["To"]))
    subject = str(german["Subject"])
    assert subject.startswith("Markt Schönau: Die Fokusberatung ist jetzt in der Phase „Workshop")
    text = parts(german)["text"]
    assert text.startswith("Guten Tag Jürgen Größe-Weiß,")
    assert "Datenschutz" in text
    assert parts(english)["text"].startswith("Dear Jane Doe,")
    assert not german.is_multipart() or parts(german).get("calendar") is None
    messages = staff.ok(staff.get(f"/api/v1/engagements/{eid}/messages"))
    assert [(m["kind"], m["status"]) for m in messages] == [("stage_notice", "sent")] * 2
