"""Prometheus metrics, defined once so every feature counts into the same series.
Gauges that are facts of the database (outbox depth, overdue engagements) are collected
at scrape time from the database, not kept in memory, so every replica reports the truth."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

TRANSITIONS = Counter(
    "fokus_transitions_total", "Transitions applied, by process and trigger", ["process", "trigger"]
)
HTTP_REQUESTS = Counter(
    "fokus_http_requests_total", "HTTP requests by route and status", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "fokus_http_request_duration_seconds", "HTTP request latency by route", ["method", "route"]
)
MAIL_SEND_ATTEMPTS = Counter("fokus_mail_send_attempts_total", "Emails handed to the transport")
MAIL_SEND_FAILURES = Counter(
    "fokus_mail_send_failures_total", "Failed sends, by kind of failure", ["kind"]
)  # kind: temporary | permanent
MAIL_SENT = Counter("fokus_mail_sent_total", "Emails accepted by the transport")
SWEEP_DURATION = Histogram("fokus_sweep_duration_seconds", "Duration of one sweep run", ["sweep"])
SWEEP_FAILURES = Counter("fokus_sweep_failures_total", "Sweep runs that raised", ["sweep"])
