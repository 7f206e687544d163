"""Logs never contain an API key, an RSVP token or SQL parameters (names, email
addresses) (contract, "Hardening"). A real `fokus serve` writes JSON logs to a file while
the test drives it like its users would: keys created, used, mistyped and revoked; an
invitation sent (Maildir) and its RSVP link opened and answered, also tampered with; the
dashboard login; and two database errors that carry a participant's name and address
(one the driver reports as an operational error with the statement's parameters, one a
constraint violation, which PostgreSQL explains in a DETAIL line with the row's values).
Then the whole log is searched for every secret and every address used."""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import secrets
import signal
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from service.auth.keys import Role, create_key
from service.core.context import Context
from tests.support import ENGAGEMENT, free_port, wait_until

FOKUS = str(Path(sys.executable).parent / "fokus")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
RSVP_LINK = re.compile(r"/rsvp/([A-Za-z0-9._-]+)")

# SQLite prepares a trigger's whole body with the INSERT, so while this one exists every
# insert into participants fails ("no such table"): it is installed for one request only
SQLITE_OPERATIONAL = """CREATE TRIGGER test_operational_fault BEFORE INSERT ON participants
    BEGIN INSERT INTO no_such_table VALUES (NEW.email); END"""
SQLITE_CONSTRAINT = """CREATE TRIGGER test_constraint_fault BEFORE INSERT ON participants
    WHEN NEW.email LIKE '%@constraint.example'
    BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"""
# PostgreSQL: only rows with these addresses hit the faults (57P03: an OperationalError)
POSTGRES_FAULTS = [
    """CREATE FUNCTION test_operational_fault() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.email LIKE '%@operational.example' THEN
           RAISE EXCEPTION 'simulated outage' USING ERRCODE = '57P03';
         END IF;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER test_operational_fault BEFORE INSERT ON participants
       FOR EACH ROW EXECUTE FUNCTION test_operational_fault()""",
    """ALTER TABLE participants ADD CONSTRAINT test_constraint_fault
       CHECK (email NOT LIKE '%@constraint.example')""",
]


def execute(ctx: Context, *statements: str) -> None:
    with ctx.db.write_engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def mails(folder: Path) -> list[EmailMessage]:
    found = []
    for path in sorted((folder / "new").glob("*")) if (folder / "new").is_dir() else []:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        found.append(message)
    return found


def rsvp_tokens(message: EmailMessage) -> set[str]:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return set(RSVP_LINK.findall(body.get_content()))


def tampered(token: str) -> str:
    """The token with one character changed. Not the last one: in unpadded base64 its low
    bits are padding, so "B" → "A" there can decode to the same bytes and stay valid."""
    kept = token[-2]
    return token[:-2] + ("A" if kept != "A" else "B") + token[-1]


@pytest.mark.timeout(180)
def test_no_key_token_or_sql_parameter_reaches_the_log(ctx: Context, tmp_path: Path) -> None:
    with ctx.db.write() as session:
        _row, admin_key = create_key(session, ctx.clock, name="Adam Admin", role=Role.admin)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    maildir = tmp_path / "var" / "mail"
    log_path = tmp_path / "serve.log"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),  # to run it against another checkout
        "FOKUS_DATABASE_URL": ctx.settings.database_url,
        "FOKUS_SECRET_KEY": "no-secrets-in-logs",
        "FOKUS_VAR_DIR": str(tmp_path / "var"),
        "FOKUS_BASE_URL": base,
        "FOKUS_SCHEDULER_INTERVAL_SECONDS": "0.5",
        "FOKUS_LOG_FORMAT": "json",
    }
    secrets_used = {"admin key": admin_key}
    people: dict[str, str] = {}  # what an SQL error could carry: names and addresses
    with log_path.open("w") as log_file:
        proc = subprocess.Popen(
            [FOKUS, "serve", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=log_file,
            stderr=log_file,
        )
        try:
            with httpx.Client(base_url=base, timeout=10) as client:
                wait_until(lambda: _answers(client, proc), timeout=30)
                _drive(client, ctx, admin_key, maildir, secrets_used, people)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=40)

    log = log_path.read_text()
    entries = [json.loads(line) for line in log.splitlines() if line.strip()]
    messages = [str(e["msg"]) for e in entries]
    access = {(e.get("method"), e.get("route"), e.get("status")) for e in entries}
    # the log did record what happened (so the search below searches something)
    assert {
        ("GET", "/rsvp/{token}", 200),
        ("POST", "/rsvp/{token}", 200),
        ("GET", "/rsvp/{token}", 404),
        ("POST", "/rsvp/{token}", 404),
        ("GET", "unmatched", 404),
        ("POST", "/login", 303),
        ("POST", "/login", 401),
    } <= access, sorted(map(str, access))
    refused = [
        e for e in entries if e.get("path") == "/api/v1/engagements" and e.get("status") == 401
    ]
    assert len(refused) == 3, refused  # unknown, truncated and revoked key
    assert any(m.startswith("database error") for m in messages), messages
    assert any(m.startswith("integrity error") for m in messages), messages

    for what, value in secrets_used.items():
        assert value not in log, f"{what} is in the log"
    for what, value in people.items():
        assert value not in log, f"{what} ({value}) is in the log"
    assert "[parameters:" not in log
    assert "Failing row contains" not in log
    if ctx.db.is_postgres:  # PostgreSQL explained the violation: with the row, masked
        assert "DETAIL: (hidden)" in log
    # what the access lines show instead of a token
    assert any(m.startswith("GET /rsvp/*** 200") for m in messages), messages


def _answers(client: httpx.Client, proc: subprocess.Popen[bytes]) -> bool:
    assert proc.poll() is None, "fokus serve exited"
    try:
        return client.get("/health").status_code == 200
    except httpx.TransportError:
        return False


def _drive(
    client: httpx.Client,
    ctx: Context,
    admin_key: str,
    maildir: Path,
    secrets_used: dict[str, str],
    people: dict[str, str],
) -> None:
    def call(method: str, url: str, key: str, status: int, **kw: Any) -> Any:
        response = client.request(
            method,
            url,
            headers={"Authorization": f"Bearer {key}"},
            **kw,
        )
        assert response.status_code == status, (method, url, response.status_code, response.text)
        return response.json() if response.content else None

    created = call(
        "POST", "/api/v1/api-keys", admin_key, 201, json={"name": "Lena Vogel", "role": "staff"}
    )
    staff_key = str(created["key"])
    secrets_used["staff key"] = staff_key
    doomed = call(
        "POST", "/api/v1/api-keys", admin_key, 201, json={"name": "Temp", "role": "supervisor"}
    )
    secrets_used["revoked key"] = str(doomed["key"])

    # wrong keys: unknown, truncated, and a revoked one
    unknown = "fok_" + secrets.token_urlsafe(32)
    secrets_used["unknown key"] = unknown
    call("GET", "/api/v1/engagements", unknown, 401)
    call("GET", "/api/v1/engagements", staff_key[:-3], 401)
    call("DELETE", f"/api/v1/api-keys/{doomed['id']}", admin_key, 204)
    call("GET", "/api/v1/engagements", secrets_used["revoked key"], 401)
    # a malformed body with a valid key
    call("POST", "/api/v1/engagements", staff_key, 422, content=b"{not json")

    eid = call("POST", "/api/v1/engagements", staff_key, 201, json=ENGAGEMENT)["id"]
    call(
        "POST",
        f"/api/v1/engagements/{eid}/transitions",
        staff_key,
        200,
        json={"trigger": "approve"},
    )
    for n, (name, address) in enumerate(
        [("Petra Klein", "petra.klein@example.org"), ("Jonas Weber", "jonas.weber@example.org")]
    ):
        call(
            "POST",
            f"/api/v1/engagements/{eid}/participants",
            staff_key,
            201,
            json={"name": name, "email": address},
        )
        people[f"participant {n}"] = address
    call(
        "POST",
        f"/api/v1/engagements/{eid}/transitions",
        staff_key,
        200,
        json={"trigger": "start_workshops"},
    )
    wid = call(
        "POST",
        f"/api/v1/engagements/{eid}/workshops",
        staff_key,
        201,
        json={
            "title": "Zukunftswerkstatt",
            "starts_at": "2030-03-10T17:00:00",
            "ends_at": "2030-03-10T20:00:00",
            "location": "Rathaus",
        },
    )["id"]
    call("POST", f"/api/v1/workshops/{wid}/invitations", staff_key, 202, json={})

    # the invitations go out through the sweeps into the Maildir; take their links
    wait_until(lambda: sum(bool(rsvp_tokens(m)) for m in mails(maildir)) >= 2, timeout=30)
    tokens = set().union(*(rsvp_tokens(m) for m in mails(maildir)))
    assert len(tokens) == 2
    for n, token in enumerate(sorted(tokens)):
        secrets_used[f"rsvp token {n}"] = token
        secrets_used[f"tampered rsvp token {n}"] = tampered(token)
        assert client.get(f"/rsvp/{token}").status_code == 200
        assert client.post(f"/rsvp/{token}", data={"response": "accepted"}).status_code == 200
        answer = client.post(f"/rsvp/{token}", json={"response": "declined"})
        assert answer.status_code == 200, answer.text
        assert client.get(f"/rsvp/{tampered(token)}").status_code == 404
        assert (
            client.post(f"/rsvp/{tampered(token)}", json={"response": "accepted"}).status_code
            == 404
        )
        assert client.get(f"/rsvp/{token}/more").status_code == 404

    # the dashboard login: a wrong key, then the right one
    form = client.get("/login")
    csrf = CSRF.search(form.text)
    assert csrf is not None, form.text
    secrets_used["csrf token"] = csrf.group(1)
    wrong = "fok_" + secrets.token_urlsafe(32)
    secrets_used["wrong login key"] = wrong
    refused = client.post("/login", data={"csrf_token": csrf.group(1), "api_key": wrong})
    assert refused.status_code == 401
    csrf = CSRF.search(refused.text) or csrf
    signed_in = client.post("/login", data={"csrf_token": csrf.group(1), "api_key": staff_key})
    assert signed_in.status_code == 303, signed_in.text
    for cookie in client.cookies.jar:
        if cookie.value:
            secrets_used[f"cookie {cookie.name}"] = cookie.value
    assert client.get("/").status_code == 200

    # database errors carrying a person's name and address
    operational = {"name": "Gerda Geheim", "email": "gerda.geheim@operational.example"}
    constraint = {"name": "Otto Verborgen", "email": "otto.verborgen@constraint.example"}
    people.update(
        {
            "name in a failed insert": operational["name"],
            "address in a failed insert": operational["email"],
            "name in a refused insert": constraint["name"],
            "address in a refused insert": constraint["email"],
        }
    )
    url = f"/api/v1/engagements/{eid}/participants"
    if ctx.db.is_postgres:
        execute(ctx, *POSTGRES_FAULTS)
        call("POST", url, staff_key, 503, json=operational)
        call("POST", url, staff_key, 409, json=constraint)
    else:
        execute(ctx, SQLITE_OPERATIONAL)
        try:
            call("POST", url, staff_key, 503, json=operational)
        finally:
            execute(ctx, "DROP TRIGGER test_operational_fault")
        execute(ctx, SQLITE_CONSTRAINT)
        call("POST", url, staff_key, 409, json=constraint)
