"""Bearer API keys with three roles: 401 without a valid key, 403 for a role that may
not, keys stored only as hashes, admins manage keys over HTTP."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from service.auth.keys import hash_key
from service.auth.models import ApiKey
from service.core.context import Context
from tests.support import ENGAGEMENT, Api


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer fok_wrong", "fok_no_scheme"],
)
def test_no_valid_key_is_401(client: TestClient, header: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    response = client.get("/api/v1/engagements", headers=headers)
    assert response.status_code == 401
    assert "API key" in response.json()["detail"]


def test_open_routes_need_no_key(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/docs").status_code == 200
    assert client.get("/openapi.json").json()["info"]["title"] == "fokus"


def test_a_supervisor_reads_everything_but_changes_nothing(staff: Api, supervisor: Api) -> None:
    eid = staff.engagement()["id"]
    assert supervisor.ok(supervisor.get(f"/api/v1/engagements/{eid}"))["id"] == eid
    assert supervisor.ok(supervisor.get("/api/v1/overdue")) == []
    assert supervisor.ok(supervisor.get(f"/api/v1/engagements/{eid}/history")) == []
    for response in (
        supervisor.post("/api/v1/engagements", json=ENGAGEMENT),
        supervisor.fire(eid, "approve"),
        supervisor.patch(f"/api/v1/engagements/{eid}", json={"owner": "Sabine"}),
        supervisor.post(
            f"/api/v1/engagements/{eid}/participants",
            json={"name": "Petra Klein", "email": "petra@example.org"},
        ),
    ):
        assert response.status_code == 403, response.text
        assert "supervisor" in response.json()["detail"]
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}"))["version"] == 1


def test_keys_are_stored_as_hashes_only(ctx: Context, staff: Api) -> None:
    key = staff.headers["Authorization"].removeprefix("Bearer ")
    with ctx.db.read() as session:
        rows = [(r.key_hash, r.key_prefix, r.name) for r in session.exec(select(ApiKey)).all()]
    assert [row[0] for row in rows] == [hash_key(key)]
    assert all(key not in row for row in rows)


def test_admins_create_list_and_revoke_keys(admin: Api, staff: Api, client: TestClient) -> None:
    assert staff.post("/api/v1/api-keys", json={"name": "X", "role": "admin"}).status_code == 403
    created = admin.ok(
        admin.post("/api/v1/api-keys", json={"name": "Jonas Berg", "role": "staff"}), 201
    )
    assert created["key"].startswith(created["key_prefix"])
    jonas = Api(client, created["key"])
    assert jonas.engagement()["state"] == "application"
    listed = admin.ok(admin.get("/api/v1/api-keys"))
    assert "key" not in listed[-1]
    assert [k["name"] for k in listed][-1] == "Jonas Berg"
    bad = admin.post("/api/v1/api-keys", json={"name": "Evil", "role": "root"})
    assert bad.status_code == 422 and "role" in bad.json()["detail"]
    assert admin.delete(f"/api/v1/api-keys/{created['id']}").status_code == 204
    assert admin.delete("/api/v1/api-keys/999999").status_code == 404
    revoked = admin.ok(admin.get("/api/v1/api-keys"))[-1]
    assert revoked["revoked_at"] is not None
