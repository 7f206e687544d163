"""Sweeps of the mail feature (the outbox dispatcher)."""

from __future__ import annotations

import threading

from service.core.context import Context
from service.core.sweep import Sweep
from service.mail.dispatch import dispatch


def _mail_wakeup(ctx: Context) -> threading.Event:
    return ctx.mail_wakeup


# woken by ctx.mail_queued() after a commit that queued mail, else every interval
SWEEPS: list[Sweep] = [Sweep(name="dispatch_mail", run=dispatch, wakeup=_mail_wakeup)]
