"""Must show 4: /metrics parsed by prometheus_client.parser, with the counters moving after
a transition and a sent mail; database gauges; HTTP metrics by route template; the token."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from service.core.clock import MovableClock
from service.core.context import Context
from service.core.sweep import Sweep
from service.mail.dispatch import dispatch
from service.scheduling import run_guarded
from tests.support import Api, SmtpSink

FB = {"process": "fokusberatung"}
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(client: TestClient, **kw: object) -> Samples:
    response = client.get("/metrics", **kw)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def settings_overrides(smtp_sink: SmtpSink) -> dict[str, object]:
    return {"smtp_url": smtp_sink.url}


def test_counters_move_after_a_transition_and_a_sent_mail(
    client: TestClient, staff: Api, ctx: Context, smtp_sink: SmtpSink
) -> None:
    eid = staff.engagement()["id"]
    staff.participant(eid)
    before = scrape(client)
    route = "/api/v1/engagements/{engagement_id}/transitions"

    staff.ok(staff.fire(eid, "approve"))
    refused = staff.fire(eid, "draft_vision")  # not allowed in onboarding: counts no transition
    assert refused.status_code == 409

    middle = scrape(client)
    assert value(middle, "fokus_transitions_total", **FB, trigger="approve") == (
        value(before, "fokus_transitions_total", **FB, trigger="approve") + 1
    )
    assert value(middle, "fokus_transitions_total", **FB, trigger="draft_vision") == value(
        before, "fokus_transitions_total", **FB, trigger="draft_vision"
    )
    for status in ("200", "409"):
        key = {"method": "POST", "route": route, "status": status}
        assert value(middle, "fokus_http_requests_total", **key) == (
            value(before, "fokus_http_requests_total", **key) + 1
        )
    latency = {"method": "POST", "route": route}
    assert value(middle, "fokus_http_request_duration_seconds_count", **latency) == (
        value(before, "fokus_http_request_duration_seconds_count", **latency) + 2
    )
    queued = value(middle, "fokus_outbox_messages", status="queued")
    assert queued >= 1  # the stage notice to the participant waits in the outbox
    assert value(middle, "fokus_database_up") == 1

    result = dispatch(ctx)
    assert result.sent == queued
    smtp_sink.wait_for(int(queued))

    after = scrape(client)
    assert value(after, "fokus_mail_sent_total") == value(middle, "fokus_mail_sent_total") + queued
    assert value(after, "fokus_mail_send_attempts_total") == (
        value(middle, "fokus_mail_send_attempts_total") + queued
    )
    assert value(after, "fokus_outbox_messages", status="queued") == 0
    assert value(after, "fokus_outbox_messages", status="sent") == (
        value(middle, "fokus_outbox_messages", status="sent") + queued
    )


def test_send_failures_are_counted(
    client: TestClient, staff: Api, ctx: Context, smtp_sink: SmtpSink
) -> None:
    eid = staff.engagement()["id"]
    staff.participant(eid)
    staff.ok(staff.fire(eid, "approve"))
    before = scrape(client)
    smtp_sink.refuse_with = "451 try later"
    dispatch(ctx)
    after = scrape(client)
    assert value(after, "fokus_mail_send_failures_total", kind="temporary") >= (
        value(before, "fokus_mail_send_failures_total", kind="temporary") + 1
    )
    assert value(after, "fokus_outbox_messages", status="queued") >= 1


def test_overdue_engagements_by_stage(client: TestClient, staff: Api, clock: MovableClock) -> None:
    staff.engagement()
    second = staff.engagement(municipality="Stadt Zweite")
    staff.ok(staff.fire(second["id"], "approve"))
    assert (
        value(
            scrape(client),
            "fokus_overdue_engagements",
            process="fokusberatung",
            stage="application",
        )
        == 0
    )
    clock.advance(timedelta(days=120))
    samples = scrape(client)
    assert value(samples, "fokus_overdue_engagements", **FB, stage="application") == 1
    assert value(samples, "fokus_overdue_engagements", **FB, stage="onboarding") == 1
    assert value(samples, "fokus_overdue_engagements", **FB, stage="workshops") == 0


def test_unmatched_paths_share_one_label(client: TestClient) -> None:
    before = scrape(client)
    for path in ("/no/such/page", "/another/random/path"):
        assert client.get(path).status_code == 404
    after = scrape(client)
    key = {"method": "GET", "route": "unmatched", "status": "404"}
    assert value(after, "fokus_http_requests_total", **key) == (
        value(before, "fokus_http_requests_total", **key) + 2
    )
    assert not any("/no/such/page" in str(labels) for _name, labels in after)


def test_sweep_duration_and_failures_are_observed(client: TestClient, ctx: Context) -> None:
    def boom(_ctx: Context) -> None:
        raise RuntimeError("boom")

    before = scrape(client)
    run_guarded(Sweep(name="test_ok", run=lambda _ctx: None), ctx)
    run_guarded(Sweep(name="test_boom", run=boom), ctx)
    after = scrape(client)
    for name in ("test_ok", "test_boom"):
        assert value(after, "fokus_sweep_duration_seconds_count", sweep=name) == (
            value(before, "fokus_sweep_duration_seconds_count", sweep=name) + 1
        )
    assert value(after, "fokus_sweep_failures_total", sweep="test_boom") == (
        value(before, "fokus_sweep_failures_total", sweep="test_boom") + 1
    )


class TestToken:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, object]:
        return {"metrics_token": "s3cret-scrape"}

    def test_metrics_need_the_token_when_one_is_set(self, client: TestClient) -> None:
        assert client.get("/metrics").status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert client.get("/metrics", headers=wrong).status_code == 401
        right = {"Authorization": "Bearer s3cret-scrape"}
        assert value(scrape(client, headers=right), "fokus_database_up") == 1
        assert client.get("/health").status_code == 200
