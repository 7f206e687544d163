"""One-click RSVP from the link in the received email, without an account: the page,
the answer (changeable), JSON too; forged, tampered or erased tokens are a 404 that
reveals nothing; a cross-site POST is refused."""

from __future__ import annotations

from email.message import EmailMessage

from fastapi import FastAPI
from fastapi.testclient import TestClient
from itsdangerous import URLSafeSerializer

from service.core.context import Context
from service.mail import tokens
from tests.mail.conftest import Send, rsvp_path, setup_workshop
from tests.support import Api, LiveServer, SmtpSink


def _invited(
    staff: Api, send: Send, smtp_sink: SmtpSink, people: int = 2
) -> tuple[int, list[EmailMessage], int]:
    eid, _pids, wid = setup_workshop(staff, people=people)
    staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202)
    send()
    return eid, smtp_sink.wait_for(people), wid


def test_rsvp_link_from_the_email_works_end_to_end_over_http(
    staff: Api, send: Send, smtp_sink: SmtpSink, app: FastAPI
) -> None:
    _eid, received, wid = _invited(staff, send, smtp_sink)
    message = next(m for m in received if "person0" in str(m["To"]))
    path = rsvp_path(message)
    server = LiveServer(app).start()
    try:
        import httpx

        with httpx.Client(base_url=server.url) as browser:
            page = browser.get(path)
            assert page.status_code == 200
            assert page.headers["content-type"].startswith("text/html")
            html = page.text
            assert '<html lang="de"' in html
            assert "Auftaktworkshop" in html and "Dienstag, 10. März 2026" in html
            assert "Rathaus, Sitzungssaal" in html
            assert 'name="response" value="accepted"' in html
            assert 'name="response" value="declined"' in html
            assert "Petra Klein" not in html  # the other invitee is nobody's business

            answered = browser.post(path, data={"response": "accepted"})
            assert answered.status_code == 200
            assert "Ihre Antwort ist gespeichert" in answered.text
            invitations = staff.ok(staff.get(f"/api/v1/workshops/{wid}"))["invitations"]
            assert [i["rsvp"] for i in invitations] == ["accepted", "pending"]

            changed = browser.post(path, data={"response": "declined"})
            assert changed.status_code == 200 and "nicht teil" in changed.text
            workshop = staff.ok(staff.get(f"/api/v1/workshops/{wid}"))
            assert workshop["rsvp_counts"] == {
                "pending": 1,
                "accepted": 0,
                "waitlisted": 0,
                "declined": 1,
            }
            assert workshop["invitations"][0]["responded_at"] is not None
    finally:
        server.stop()


def test_rsvp_by_json_and_bad_answers(
    staff: Api, send: Send, smtp_sink: SmtpSink, client: TestClient
) -> None:
    _eid, received, wid = _invited(staff, send, smtp_sink, people=1)
    path = rsvp_path(received[0])
    assert client.post(path, json={"response": "accepted"}).json() == {"rsvp": "accepted"}
    bad = client.post(path, json={"response": "maybe"})
    assert bad.status_code == 422 and "accepted" in bad.json()["detail"]
    assert client.post(path, json=["accepted"]).status_code == 422
    form = client.post(path, data={"response": "vielleicht"})
    assert form.status_code == 422 and "Bitte wählen Sie" in form.text
    assert client.post(path, data={}).status_code == 422
    assert staff.ok(staff.get(f"/api/v1/workshops/{wid}"))["invitations"][0]["rsvp"] == "accepted"


def test_forged_tampered_and_unknown_tokens_are_404_revealing_nothing(
    staff: Api, send: Send, smtp_sink: SmtpSink, client: TestClient, ctx: Context
) -> None:
    _eid, received, _wid = _invited(staff, send, smtp_sink, people=1)
    path = rsvp_path(received[0])
    token = path.rsplit("/", 1)[1]
    signed = tokens.read(ctx, token)
    assert signed is not None
    invitation_id, nonce = signed
    forged = [
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # tampered signature
        tokens.sign(ctx, invitation_id, "wrong-nonce"),  # right key, wrong nonce
        tokens.sign(ctx, invitation_id + 1, nonce),  # someone else's id
        URLSafeSerializer("other-key", salt=tokens.SALT).dumps([invitation_id, nonce]),
        "x" * 400,
        "%00",
        "",
    ]
    for bad in forged:
        for response in (
            client.get(f"/rsvp/{bad}"),
            client.post(f"/rsvp/{bad}", data={"response": "accepted"}),
        ):
            assert response.status_code == 404, (bad, response.status_code)
            assert "Jürgen" not in response.text and "Auftaktworkshop" not in response.text
    assert client.get(path).status_code == 200


def test_cross_site_posts_are_refused(
    staff: Api, send: Send, smtp_sink: SmtpSink, client: TestClient
) -> None:
    _eid, received, wid = _invited(staff, send, smtp_sink, people=1)
    path = rsvp_path(received[0])
    evil = client.post(
        path, data={"response": "declined"}, headers={"Origin": "https://evil.example"}
    )
    assert evil.status_code == 403
    fetch = client.post(
        path, data={"response": "declined"}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert fetch.status_code == 403
    same = client.post(
        path, data={"response": "accepted"}, headers={"Origin": "http://fokus.example"}
    )
    assert same.status_code == 200
    assert staff.ok(staff.get(f"/api/v1/workshops/{wid}"))["invitations"][0]["rsvp"] == "accepted"


def test_cancelled_workshop_page_says_so_and_refuses_answers(
    staff: Api, send: Send, smtp_sink: SmtpSink, client: TestClient
) -> None:
    _eid, received, wid = _invited(staff, send, smtp_sink, people=1)
    path = rsvp_path(received[0])
    staff.ok(staff.post(f"/api/v1/workshops/{wid}/cancel"))
    page = client.get(path)
    assert page.status_code == 200 and "abgesagt" in page.text
    assert 'value="accepted"' not in page.text
    assert client.post(path, json={"response": "accepted"}).status_code == 409


def test_erasing_a_participant_cancels_their_mail_and_their_link(
    staff: Api, send: Send, smtp_sink: SmtpSink, client: TestClient
) -> None:
    eid, pids, wid = setup_workshop(staff, people=2)
    staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202)
    send()
    received = smtp_sink.wait_for(2)
    path = rsvp_path(next(m for m in received if "person0" in str(m["To"])))
    staff.ok(staff.post(f"/api/v1/workshops/{wid}/cancel"))  # queues a CANCEL for both
    assert staff.delete(f"/api/v1/participants/{pids[0]}").status_code == 204
    send()
    final = smtp_sink.wait_for(3)
    assert len(final) == 3
    assert "person0" not in str(final[2]["To"])  # the erased person's queued mail was dropped
    assert client.get(path).status_code == 404
    messages = staff.ok(staff.get(f"/api/v1/engagements/{eid}/messages"))
    assert all("person0" not in m["to"] and "Jürgen" not in m["to"] for m in messages)
    assert [m["status"] for m in messages] == ["sent", "sent", "sent"]


def test_deeply_nested_json_is_a_4xx_before_and_after_the_token(
    staff: Api, send: Send, smtp_sink: SmtpSink, client: TestClient
) -> None:
    """JSON nested deeper than Python's parser goes (1 000 levels) was an unauthenticated
    500 with a traceback; it is malformed JSON like any other."""
    _eid, received, wid = _invited(staff, send, smtp_sink, people=1)
    path = rsvp_path(received[0])
    json_headers = {"Content-Type": "application/json"}
    for depth in (1000, 30_000):
        for body in ("[" * depth + "]" * depth, '{"response": ' * depth + "1" + "}" * depth):
            unknown = client.post("/rsvp/unknown-token", content=body, headers=json_headers)
            assert unknown.status_code == 404, (depth, unknown.status_code)
            known = client.post(path, content=body, headers=json_headers)
            assert known.status_code == 422, (depth, known.status_code)
            assert known.json()["detail"] == "malformed JSON: nested too deeply"
    broken = client.post(path, content=b"{", headers=json_headers)
    assert broken.status_code == 422 and "malformed JSON" in broken.json()["detail"]
    assert staff.ok(staff.get(f"/api/v1/workshops/{wid}"))["invitations"][0]["rsvp"] == "pending"


def test_the_rsvp_routes_are_in_the_openapi_document(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    rsvp = document["paths"]["/rsvp/{token}"]
    assert set(rsvp) == {"get", "post"}
    page = rsvp["get"]["responses"]
    assert "text/html" in page["200"]["content"]
    assert {"text/html", "application/json"} <= set(page["404"]["content"])
    answer = rsvp["post"]
    bodies = answer["requestBody"]["content"]
    for kind in ("application/json", "application/x-www-form-urlencoded"):
        assert bodies[kind]["schema"]["properties"]["response"]["enum"] == ["accepted", "declined"]
        assert bodies[kind]["schema"]["required"] == ["response"]
    assert set(answer["responses"]) == {"200", "403", "404", "409", "413", "422", "503"}
    recorded = answer["responses"]["200"]["content"]["application/json"]["schema"]
    assert recorded["properties"]["rsvp"]["enum"] == ["accepted", "waitlisted", "declined"]
    for status in ("403", "404", "409", "422"):
        problem = answer["responses"][status]["content"]["application/json"]["schema"]
        assert sorted(problem["required"]) == ["code", "detail", "detail_de"]
