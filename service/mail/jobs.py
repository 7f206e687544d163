"""Sweeps of the mail feature (the outbox dispatcher)."""

from __future__ import annotations

from service.mail.dispatch import dispatch
from service.sweep import Sweep

# "dispatch_mail" is the job id the Sweeper nudges after a commit that queued mail.
SWEEPS: list[Sweep] = [Sweep(name="dispatch_mail", run=dispatch)]
