"""Sweeps of the mail feature (the outbox dispatcher)."""

from __future__ import annotations

import threading

from service.context import Context
from service.mail.dispatch import dispatch
from service.sweep import Sweep


def _mail_wakeup(ctx: Context) -> threading.Event:
    return ctx.mail_wakeup


# woken by ctx.mail_queued() after a commit that queued mail, else every interval
SWEEPS: list[Sweep] = [Sweep(name="dispatch_mail", run=dispatch, wakeup=_mail_wakeup)]
