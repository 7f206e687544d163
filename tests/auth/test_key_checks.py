"""The API key is checked before the body (no key or a wrong key: 401, whatever the body
is), and a key revoked on this replica stops working at once, not after the cache's
10 seconds."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session

from service.auth.keys import KeyCache, Principal, Role, hash_key
from service.auth.models import ApiKey
from service.core.context import Context
from tests.support import ENGAGEMENT, Api

MALFORMED = [
    b"{",
    b'{"municipality": ',
    b"\xff\xfe not utf-8",
    b"[" * 1000 + b"]" * 1000,  # deeper than Python's JSON parser goes
    json.dumps({**ENGAGEMENT, "applicant_type": "castle"}).encode(),  # valid JSON, invalid data
]
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
NO_VALID_KEY: list[dict[str, str]] = [
    {},
    {"Authorization": "Bearer fok_wrong"},
    {"Authorization": "Basic dXNlcjpwYXNz"},
]


def _write_routes(eid: int) -> list[tuple[str, str]]:
    return [
        ("POST", "/api/v1/engagements"),
        ("POST", f"/api/v1/engagements/{eid}/transitions"),
        ("PATCH", f"/api/v1/engagements/{eid}"),
        ("PATCH", f"/api/v1/engagements/{eid}/deadline"),
        ("POST", f"/api/v1/engagements/{eid}/participants"),
        ("POST", f"/api/v1/engagements/{eid}/measures"),
        ("POST", f"/api/v1/engagements/{eid}/workshops"),
        ("POST", "/api/v1/api-keys"),
    ]


def test_without_a_valid_key_any_body_is_401_never_422(client: TestClient, staff: Api) -> None:
    eid = staff.engagement()["id"]
    for method, url in _write_routes(eid):
        for headers in NO_VALID_KEY:
            for body in MALFORMED:
                response = client.request(
                    method,
                    url,
                    content=body,
                    headers={**headers, "Content-Type": "application/json"},
                )
                assert response.status_code == 401, (method, url, headers, body[:20])
                assert "API key" in response.json()["detail"]


def test_without_a_key_a_large_allowed_body_is_401(client: TestClient, ctx: Context) -> None:
    body = b'{"municipality": "' + b"x" * (ctx.settings.max_body_bytes - 100) + b'"}'
    assert len(body) <= ctx.settings.max_body_bytes
    response = client.post(
        "/api/v1/engagements", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 401


def test_path_and_query_are_checked_after_the_key_too(client: TestClient) -> None:
    assert client.get("/api/v1/engagements/not-an-id").status_code == 401
    assert client.get("/api/v1/engagements?limit=-5").status_code == 401


def test_with_a_valid_key_the_body_is_still_checked(staff: Api) -> None:
    eid = staff.engagement()["id"]
    for body in MALFORMED:
        response = staff.client.post(
            f"/api/v1/engagements/{eid}/transitions",
            content=body,
            headers={**staff.headers, "Content-Type": "application/json"},
        )
        assert 400 <= response.status_code < 500, (body[:20], response.status_code)
        assert response.json()["detail"]
    assert staff.ok(staff.fire(eid, "approve"))["state"] == "onboarding"


@pytest.mark.parametrize("depth", [100, 900, 1000, 5000, 100_000])
def test_deeply_nested_json_is_a_4xx_on_every_api_route(staff: Api, depth: int) -> None:
    eid = staff.engagement()["id"]
    nested = "[" * depth + "]" * depth
    as_object = '{"a": ' * depth + "1" + "}" * depth
    inside = json.dumps({**ENGAGEMENT})[:-1] + ', "owner": ' + nested + "}"
    for method, url in _write_routes(eid):
        for body in (nested, as_object, inside):
            response = staff.client.request(
                method,
                url,
                content=body.encode(),
                headers={**staff.headers, "Content-Type": "application/json"},
            )
            assert 400 <= response.status_code < 500, (method, url, depth, response.status_code)
            assert isinstance(response.json()["detail"], str)


def test_a_revoked_key_stops_at_once_on_the_replica_that_revoked_it(
    admin: Api, client: TestClient
) -> None:
    created = admin.ok(admin.post("/api/v1/api-keys", json={"name": "Jonas", "role": "staff"}), 201)
    jonas = Api(client, created["key"])
    assert jonas.get("/api/v1/engagements").status_code == 200  # now in the key cache
    assert admin.delete(f"/api/v1/api-keys/{created['id']}").status_code == 204
    response = jonas.get("/api/v1/engagements")
    assert response.status_code == 401, "the revoked key still worked from the cache"
    assert jonas.post("/api/v1/engagements", json=ENGAGEMENT).status_code == 401
    assert admin.get("/api/v1/engagements").status_code == 200  # other keys stay cached


def test_a_bulk_revocation_in_this_process_also_ends_cached_keys(staff: Api, ctx: Context) -> None:
    assert staff.get("/api/v1/engagements").status_code == 200
    with ctx.db.write() as session:
        session.execute(update(ApiKey).values(revoked_at=ctx.clock.now()))
    assert staff.get("/api/v1/engagements").status_code == 401


def test_a_rolled_back_revocation_changes_nothing(staff: Api, ctx: Context) -> None:
    assert staff.get("/api/v1/engagements").status_code == 200
    with pytest.raises(RuntimeError), ctx.db.write() as session:
        session.execute(update(ApiKey).values(revoked_at=ctx.clock.now()))
        raise RuntimeError("changed my mind")
    assert staff.get("/api/v1/engagements").status_code == 200


class _RevokedDuringLookup:
    """A session whose key lookup finds the key active, while the revocation commits
    (and empties the cache) before the lookup's result is stored."""

    def __init__(self, cache: KeyCache) -> None:
        self.cache = cache

    def exec(self, _statement: Any) -> _RevokedDuringLookup:
        return self

    def first(self) -> ApiKey:
        self.cache.forget({hash_key("fok_k")})
        return ApiKey(name="Jonas", role="staff", key_hash="h", key_prefix="fok_k", created_at=NOW)


def test_a_lookup_racing_a_revocation_does_not_cache_the_old_answer() -> None:
    cache = KeyCache(ttl=60)
    session: Any = _RevokedDuringLookup(cache)
    assert cache.verify(session, "fok_k") == Principal("Jonas", Role.staff)
    assert cache.cached("fok_k") == (False, None)  # the next request asks the database


def test_a_lookup_without_a_revocation_is_cached() -> None:
    class Found:
        def exec(self, _statement: Any) -> Found:
            return self

        def first(self) -> ApiKey:
            return ApiKey(
                name="Jonas", role="staff", key_hash="h", key_prefix="fok_k", created_at=NOW
            )

    cache = KeyCache(ttl=60)
    session = cast(Session, Found())  # a stand-in that answers the one query
    assert cache.verify(session, "fok_k") == Principal("Jonas", Role.staff)
    assert cache.cached("fok_k") == (True, Principal("Jonas", Role.staff))
