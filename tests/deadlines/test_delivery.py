"""End to end: the reminder and the escalation leave the outbox through the real
dispatcher and arrive at a real SMTP server, each once, as text and HTML."""

from __future__ import annotations

from datetime import datetime

import pytest

from service.core.clock import MovableClock
from service.core.context import Context
from service.engagements.reminders import sweep_all
from service.mail.dispatch import dispatch
from tests.conftest import BERLIN
from tests.deadlines.conftest import SUPERVISORS
from tests.support import Api, SmtpSink


@pytest.fixture
def settings_overrides(smtp_sink: SmtpSink) -> dict[str, object]:
    return {"supervisor_emails": SUPERVISORS, "smtp_url": smtp_sink.url}


def test_reminder_and_escalation_arrive_once(
    staff: Api, ctx: Context, clock: MovableClock, smtp_sink: SmtpSink
) -> None:
    staff.engagement(language="en")
    clock.set(datetime(2026, 3, 24, 9, 0, tzinfo=BERLIN))
    sweep_all(ctx)
    dispatch(ctx)
    clock.set(datetime(2026, 3, 31, 9, 0, tzinfo=BERLIN))
    sweep_all(ctx)
    dispatch(ctx)
    sweep_all(ctx)
    dispatch(ctx)
    messages = smtp_sink.wait_for(2)
    assert len(messages) == 2
    reminder, escalation = messages
    assert reminder["To"] == "Anna Schmidt <anna.schmidt@example.org>"
    assert (
        reminder["Subject"]
        == 'Gemeinde Beispielstadt: the stage "Application" is due on 30 March 2026'
    )
    text = reminder.get_body(("plain",))
    html = reminder.get_body(("html",))
    assert text is not None and "4 working days left" in text.get_content()
    assert html is not None and "Dear Anna Schmidt," in html.get_content()
    assert escalation["To"] == SUPERVISORS[0]
    assert escalation["Subject"].startswith("Überfällig: Gemeinde Beispielstadt")
    body = escalation.get_body(("plain",))
    assert body is not None and "1 Kalendertag (1 Arbeitstag)" in body.get_content()
