"""Accounts through the API, for admins: `POST /api/v1/users` answers the one-time link,
`GET` lists, `DELETE` disables; everyone else hears 403. And an engagement whose owner is
an account's name gets that account's address as Reply-To."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import select

from service.auth.keys import Role, create_key
from service.core.context import Context
from service.engagements.models import Engagement
from service.mail.letters import owner_address
from service.mail.models import OutboxMessage
from tests.accounts.helpers import account
from tests.support import Api

NEW = {"email": "Jan.Berater@Klima.example", "name": "Jan Berater", "role": "staff",
       "firm": "Klima GmbH"}  # fmt: skip


def test_an_admin_creates_lists_and_disables_accounts(
    client: TestClient, admin: Api, staff: Api, supervisor: Api
) -> None:
    created = admin.created(admin.post("/api/v1/users", json=NEW))
    assert created["email"] == "jan.berater@klima.example"
    assert created["firm"] == "Klima GmbH" and created["password_set"] is False
    assert created["password_link"].startswith("http://fokus.example/password/")
    token = created["password_link"].rsplit("/", 1)[1]
    assert client.get(f"/password/{token}").status_code == 200
    taken = admin.post("/api/v1/users", json={**NEW, "email": "jan.berater@klima.EXAMPLE"})
    assert taken.status_code == 409 and taken.json()["code"] == "user_email_taken"
    bad = admin.post("/api/v1/users", json={**NEW, "email": "jan@klima", "role": "boss"})
    assert bad.status_code == 422
    assert {p["field"] for p in bad.json()["errors"]} == {"email", "role"}
    listed = admin.ok(admin.get("/api/v1/users"))
    assert [u["email"] for u in listed] == ["jan.berater@klima.example"]
    assert "password_link" not in listed[0] and "password_hash" not in listed[0]
    for other in (staff, supervisor):
        assert other.post("/api/v1/users", json=NEW).status_code == 403
        assert other.get("/api/v1/users").status_code == 403
        assert other.delete(f"/api/v1/users/{created['id']}").status_code == 403
    disabled = admin.ok(admin.delete(f"/api/v1/users/{created['id']}"))
    assert disabled["disabled_at"] is not None
    assert client.get(f"/password/{token}").status_code == 404  # its link is gone too
    assert admin.ok(admin.delete(f"/api/v1/users/{created['id']}")) == disabled  # once
    assert admin.delete("/api/v1/users/999999").json()["code"] == "user_not_found"


def test_a_key_made_for_an_account_acts_as_it(client: TestClient, ctx: Context) -> None:
    user_id, _ = account(ctx, firm="Klima GmbH")
    with ctx.db.write() as session:
        _row, key = create_key(session, ctx.clock, name="Skript", role=Role.staff,
                               user_id=user_id)  # fmt: skip
    robot = Api(client, key)
    eid = robot.engagement()["id"]
    robot.ok(robot.fire(eid, "withdraw", note="Die Gemeinde zieht zurück."))
    history = robot.ok(robot.get(f"/api/v1/engagements/{eid}/history"))
    assert {entry["actor"] for entry in history} == {"Lena Vogel"}


def test_the_owner_that_is_an_account_gets_the_replies(
    client: TestClient, ctx: Context, staff: Api
) -> None:
    account(ctx, email="jonas.becker@agentur.example", name="Jonas Becker", password=None)
    eid = staff.engagement(owner="Jonas Becker")["id"]
    staff.participant(eid)
    workshop = staff.workshop(eid)
    staff.ok(staff.post(f"/api/v1/workshops/{workshop['id']}/invitations", json={}), 202)
    with ctx.db.read() as session:
        (row,) = session.exec(select(OutboxMessage)).all()
        assert row.reply_to == "jonas.becker@agentur.example"
        engagement = session.get(Engagement, eid)
        assert engagement is not None
        engagement.owner = "Niemand Bekanntes"
        assert owner_address(engagement) is None
    # two accounts of the same name: nobody's address is guessed
    account(ctx, email="jonas.becker@klima.example", name="Jonas Becker", password=None)
    with ctx.db.read() as session:
        engagement = session.get(Engagement, eid)
        assert engagement is not None and owner_address(engagement) is None
