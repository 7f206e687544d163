"""Sweeps of the engagement feature (reminders, escalations, funding warnings)."""

from __future__ import annotations

from service.sweep import Sweep

SWEEPS: list[Sweep] = []
