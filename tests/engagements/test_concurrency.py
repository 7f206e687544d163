"""Must show 3: sixteen clients fire `approve` on the same `expected_version` at once,
over real sockets: exactly one wins, fifteen get 409, one history entry is written."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
from fastapi import FastAPI

from tests.support import Api, LiveServer

CLIENTS = 16


def test_sixteen_concurrent_approvals_have_exactly_one_winner(app: FastAPI, staff: Api) -> None:
    eid = staff.engagement()["id"]
    server = LiveServer(app).start()
    barrier = threading.Barrier(CLIENTS)

    def approve(_: int) -> httpx.Response:
        with httpx.Client(base_url=server.url, headers=staff.headers, timeout=30) as http:
            http.get("/health")  # connect first, so the race is on the transition alone
            barrier.wait()
            return http.post(
                f"/api/v1/engagements/{eid}/transitions",
                json={"trigger": "approve", "expected_version": 1},
            )

    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            responses = list(pool.map(approve, range(CLIENTS)))
    finally:
        server.stop()

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * (CLIENTS - 1)
    for refused in (r for r in responses if r.status_code == 409):
        detail = refused.json()["detail"]
        assert "version" in detail or "concurrently" in detail, detail
    engagement = staff.ok(staff.get(f"/api/v1/engagements/{eid}"))
    assert engagement["state"] == "onboarding"
    assert engagement["version"] == 2
    history = staff.ok(staff.get(f"/api/v1/engagements/{eid}/history"))
    assert [h["trigger"] for h in history] == ["approve"]


def test_a_stale_expected_version_is_refused_and_names_the_current_one(staff: Api) -> None:
    eid = staff.engagement()["id"]
    staff.ok(staff.patch(f"/api/v1/engagements/{eid}", json={"owner": "Jonas Berg"}))
    stale = staff.fire(eid, "approve", expected_version=1)
    assert stale.status_code == 409
    assert "version" in stale.json()["detail"]
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}"))["state"] == "application"
    assert staff.ok(staff.fire(eid, "approve", expected_version=2))["version"] == 3
