"""Waiting for sweeps instead of sleeping: a process's /metrics counts its finished sweep
runs (`fokus_sweep_duration_seconds_count{sweep=…}`), so a test that must show "nothing
more happens" waits until the processes demonstrably swept again, then looks.

Two further runs are waited for, not one: the first may have begun before the test
looked (and so may still be finishing what the test already saw); the second began
after it."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import httpx
from prometheus_client.parser import text_string_to_metric_families

RUNS = "fokus_sweep_duration_seconds_count"


def metric(metrics_url: str, name: str, **labels: str) -> float:
    """One sample of a process's /metrics (0 when the series does not exist yet)."""
    text = httpx.get(metrics_url, timeout=10).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return 0.0


def sweep_runs(metrics_url: str, sweep: str) -> int:
    """How many runs of `sweep` the process behind `metrics_url` has finished."""
    return int(metric(metrics_url, RUNS, sweep=sweep))


def wait_for_sweeps(
    metrics_urls: Sequence[str],
    sweep: str,
    *,
    more: int = 2,
    timeout: float = 30.0,
    alive: Callable[[], object] | None = None,
) -> None:
    """Returns once every process has finished `more` runs of `sweep` beyond those it had
    finished when called. `alive` is called while waiting and may raise (a process that
    exited)."""
    start = [sweep_runs(url, sweep) for url in metrics_urls]
    deadline = time.monotonic() + timeout
    while True:
        now = [sweep_runs(url, sweep) for url in metrics_urls]
        if all(n >= s + more for n, s in zip(now, start, strict=True)):
            return
        if alive is not None:
            alive()
        if time.monotonic() > deadline:
            raise AssertionError(f"{sweep}: runs {start} -> {now}, wanted {more} more each")
        time.sleep(0.05)
