"""The portal's tests send mail to a real SMTP sink and run the dispatcher themselves."""

from __future__ import annotations

import re
from collections.abc import Callable
from email.message import EmailMessage

import pytest

from service.core.context import Context
from service.mail.dispatch import DispatchResult, dispatch
from tests.mail.conftest import parts
from tests.support import SmtpSink, wait_until

Send = Callable[[], DispatchResult]


@pytest.fixture
def settings_overrides(smtp_sink: SmtpSink) -> dict[str, object]:
    return {
        "smtp_url": smtp_sink.url,
        "privacy_url": "https://agentur.example/datenschutz",
        "imprint_url": "https://agentur.example/impressum",
    }


@pytest.fixture
def send(ctx: Context) -> Send:
    """Runs the dispatcher sweep once, as the scheduler would."""

    def run() -> DispatchResult:
        return dispatch(ctx)

    return run


def portal_path(message: EmailMessage) -> str:
    """The path of the portal link in a received letter's text part (the HTML part
    carries the same)."""
    found = parts(message)
    match = re.search(r"http://fokus\.example(/portal/prt_[A-Za-z0-9_\-]+)", found["text"])
    assert match, found["text"]
    assert match.group(0) in found["html"]
    return match.group(1)


def portal_letters(sink: SmtpSink, count: int) -> list[EmailMessage]:
    """Waits until `count` letters with a portal link have arrived (the sink may also hold
    other mail, e.g. a stage notice) and returns them in the order they came."""

    def letters() -> list[EmailMessage]:
        with sink.lock:
            return [m for m in sink.messages if "/portal/prt_" in parts(m)["text"]]

    wait_until(lambda: len(letters()) >= count)
    return letters()
