"""The privacy feature's sweep: the retention sweep (service/privacy/retention.py), hourly;
safe with several processes (each engagement is won by a conditional UPDATE)."""

from __future__ import annotations

from service.core.sweep import Sweep
from service.privacy.retention import sweep_retention

SWEEPS: list[Sweep] = [Sweep("retention", sweep_retention, interval=3600.0)]
