"""Sweeps of the engagement feature (reminders, escalations, funding warnings).

Each is idempotent and safe with several processes (see reminders.py); the Sweeper in
service/scheduling.py runs them in every `fokus serve` and in `fokus scheduler`."""

from __future__ import annotations

from service.core.sweep import Sweep
from service.engagements.reminders import (
    sweep_escalations,
    sweep_funding_warnings,
    sweep_reminders,
)

SWEEPS: list[Sweep] = [
    Sweep("deadline_reminders", sweep_reminders),
    Sweep("deadline_escalations", sweep_escalations),
    Sweep("funding_warnings", sweep_funding_warnings),
]
