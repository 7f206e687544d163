"""Gauges that are facts of the database, read at scrape time with a few GROUP BY
queries, so every replica reports the same truth and nothing is kept in memory."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlmodel import col

from service.core.context import Context
from service.engagements.models import Engagement
from service.mail.models import OutboxMessage

log = logging.getLogger("fokus.metrics")
OUTBOX_STATUSES = ("queued", "sent", "failed", "cancelled")  # cancelled: recipient erased


class DatabaseCollector(Collector):
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def describe(self) -> list[Metric]:
        return []  # collected from the database at scrape time only

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("fokus_database_up", "1 if the database answered this scrape")
        try:
            families = self._from_database()
        except Exception:
            log.warning("metrics: the database did not answer", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _from_database(self) -> list[Metric]:
        now = self.ctx.clock.now()
        with self.ctx.db.read() as session:
            by_status: dict[str, int] = {
                str(status): int(count)
                for status, count in session.execute(
                    select(col(OutboxMessage.status), func.count()).group_by(
                        col(OutboxMessage.status)
                    )
                ).all()
            }
            claimed = session.execute(
                select(func.count()).where(
                    col(OutboxMessage.status) == "queued",
                    col(OutboxMessage.claimed_until) > now,
                )
            ).scalar_one()
            oldest_due = session.execute(
                select(func.min(OutboxMessage.next_attempt_at)).where(
                    col(OutboxMessage.status) == "queued",
                    col(OutboxMessage.next_attempt_at) <= now,
                )
            ).scalar_one()
            overdue: dict[tuple[str, str], int] = {
                (str(process), str(state)): int(count)
                for process, state, count in session.execute(
                    select(col(Engagement.process), col(Engagement.state), func.count())
                    .where(col(Engagement.stage_due_at) < now)
                    .group_by(col(Engagement.process), col(Engagement.state))
                ).all()
            }
        depth = GaugeMetricFamily(
            "fokus_outbox_messages", "Emails in the outbox by status", labels=["status"]
        )
        for status in sorted(set(OUTBOX_STATUSES) | set(by_status)):
            depth.add_metric([status], int(by_status.get(status, 0)))
        claimed_gauge = GaugeMetricFamily(
            "fokus_outbox_claimed_messages", "Queued emails currently leased to a dispatcher"
        )
        claimed_gauge.add_metric([], int(claimed))
        age = GaugeMetricFamily(
            "fokus_outbox_oldest_due_age_seconds",
            "How long the oldest due, unsent email has been waiting (0 if none)",
        )
        age.add_metric([], max(0.0, (now - oldest_due).total_seconds()) if oldest_due else 0.0)
        stages = GaugeMetricFamily(
            "fokus_overdue_engagements",
            "Engagements past their stage deadline, by process and stage",
            labels=["process", "stage"],
        )
        active = {(p.name, s) for p in self.ctx.registry.all_latest() for s in p.active_states}
        for process, stage in sorted(active | set(overdue)):
            stages.add_metric([process, stage], int(overdue.get((process, stage), 0)))
        return [depth, claimed_gauge, age, stages]
