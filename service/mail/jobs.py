"""Sweeps of the mail feature (the outbox dispatcher)."""

from __future__ import annotations

from service.sweep import Sweep

SWEEPS: list[Sweep] = []
