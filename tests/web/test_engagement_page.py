"""The engagement page itself (issue 12): a final engagement is a closed case file (no
form that changes it, every such POST refused with a 409 in German, viewing and
downloading stay); reject and withdraw need a reason and a confirmation; the programme's
daily tasks (grant notice, evidence with a file, consulting days) are forms that accept
and refuse what the API does, in German, with the typed values kept; the page speaks
German (mail kinds, process version, federal state)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support import Api
from tests.web.conftest import form, login

LATEST: dict[str, Any] = {"process_version": None}  # fokusberatung version 2
GRANT = {
    "funding_reference": "67K12345",
    "notice_date": "2026-03-20",
    "period_start": "2026-04-01",
    "period_end": "2027-09-30",
    "eligible_costs": 30_000,
    "grant_amount": 27_000,
    "funding_rate_percent": 90,
}
CHANGING_FORMS = (
    "/transition",
    "/owner",
    "/deadline",
    "/grant",
    "/records",
    "/consulting",
    "/participants",
    "/workshops",
    "/measures",
    "/portal-link",  # service/web/portal_form.py
    "/portal-links/revoke",
)


def _page(client: TestClient, eid: int) -> str:
    response = client.get(f"/engagements/{eid}")
    assert response.status_code == 200, response.text
    return str(response.text)


def _approved(staff: Api) -> int:
    """A version-2 Fokusberatung with its grant notice, approved (contracting)."""
    eid = staff.engagement(**LATEST)["id"]
    staff.ok(staff.put(f"/api/v1/engagements/{eid}/grant", json=GRANT))
    staff.ok(staff.fire(eid, "approve"))
    return int(eid)


def _record(staff: Api, eid: int, content: bytes) -> int:
    response = staff.post(
        f"/api/v1/engagements/{eid}/records",
        data={"kind": "consultant_contract", "date": "2026-04-02"},
        files={"file": ("Vertrag Grünau.pdf", content, "application/pdf")},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


# --- a final engagement is read-only ------------------------------------------------


def test_a_final_engagement_shows_no_form_and_refuses_every_change_in_german(
    client: TestClient, staff: Api
) -> None:
    eid = _approved(staff)
    rid = _record(staff, eid, b"%PDF-1.4 Vertrag")
    staff.ok(staff.fire(eid, "withdraw", note="Gemeinderat hat den Antrag zurückgenommen"))
    before = staff.ok(staff.get(f"/api/v1/engagements/{eid}"))
    csrf = login(client, staff)

    page = _page(client, eid)
    assert "abgeschlossen" in page
    assert f'action="/engagements/{eid}/' not in page  # no form that changes it
    assert '<details class="confirm' not in page
    # viewing and downloading stay
    assert f'href="/engagements/{eid}/records/{rid}/file"' in page
    download = client.get(f"/engagements/{eid}/records/{rid}/file")
    assert download.status_code == 200
    assert download.content == b"%PDF-1.4 Vertrag"

    for path in CHANGING_FORMS:
        response = form(
            client,
            f"/engagements/{eid}{path}",
            csrf,
            trigger="approve",
            note="trotzdem",
            owner="Jemand",
            expected_version=before["version"],
        )
        assert response.status_code == 409, (path, response.text)
        assert "kann nicht mehr geändert werden" in response.text, path
        assert "Zurückgezogen" in response.text, path
    after = staff.ok(staff.get(f"/api/v1/engagements/{eid}"))
    assert (after["version"], after["owner"], after["state"]) == (
        before["version"],
        before["owner"],
        "withdrawn",
    )


def test_the_refusal_is_in_english_on_the_english_page(client: TestClient, staff: Api) -> None:
    eid = staff.engagement()["id"]
    staff.ok(staff.fire(eid, "reject"))  # version 1: the API needs no note
    csrf = login(client, staff)
    client.get("/?lang=en")
    response = form(client, f"/engagements/{eid}/owner", csrf, owner="Jemand")
    assert response.status_code == 409
    assert "can no longer be changed" in response.text


# --- reject and withdraw need a reason and a confirmation --------------------------


def test_withdraw_is_a_confirmation_with_a_required_reason(client: TestClient, staff: Api) -> None:
    eid = staff.engagement(**LATEST)["id"]
    login(client, staff)
    page = _page(client, eid)
    # no plain submit button for the final steps
    assert not re.search(r'<button[^>]*name="trigger"[^>]*value="(withdraw|reject)"', page)
    for trigger, label in (("withdraw", "Zurückziehen"), ("reject", "Ablehnen")):
        block = page.split(f'id="confirm-{trigger}"', 1)[1].split("</details>", 1)[0]
        assert f'<input type="hidden" name="trigger" value="{trigger}">' in block
        assert re.search(rf'<textarea id="note-{trigger}" name="note"[^>]* required', block)
        assert f"Begründung für „{label}“" in block
        assert f"{label} bestätigen" in block


@pytest.mark.parametrize("version", [1, None], ids=["fokusberatung-v1", "fokusberatung-v2"])
def test_withdraw_without_a_reason_is_refused_in_german_with_one_it_works(
    client: TestClient, staff: Api, version: int | None
) -> None:
    """Version 1 lets API clients withdraw without a note; the dashboard asks anyway."""
    eid = staff.engagement(process_version=version)["id"]
    csrf = login(client, staff)
    url = f"/engagements/{eid}/transition"
    for note in ("", "   "):
        refused = form(client, url, csrf, trigger="withdraw", note=note, expected_version=1)
        assert refused.status_code == 409, refused.text
        assert "„Zurückziehen“ braucht eine Begründung" in refused.text
        assert 'id="confirm-withdraw" open' in refused.text  # the confirmation stays open
        block = refused.text.split('id="confirm-withdraw"', 1)[1].split("</details>", 1)[0]
        assert "„Zurückziehen“ braucht eine Begründung" in block
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}"))["state"] == "application"

    done = form(client, url, csrf, trigger="withdraw", note="Kein Personal", expected_version=1)
    assert done.status_code == 303
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}"))["state"] == "withdrawn"
    history = staff.ok(staff.get(f"/api/v1/engagements/{eid}/history"))
    assert history[-1]["note"] == "Kein Personal"


# --- the grant notice -----------------------------------------------------------------

GRANT_FORM = {
    "form": "grant",
    "funding_reference": "67K12345",
    "notice_date": "2026-03-20",
    "period_start": "2026-04-01",
    "period_end": "2027-09-30",
    "eligible_costs": "30.000,00",
    "grant_amount": "27.000",
    "funding_rate_percent": "90",
}


def test_the_grant_notice_is_recorded_and_changed_through_the_form(
    client: TestClient, staff: Api
) -> None:
    eid = staff.engagement(**LATEST)["id"]
    csrf = login(client, staff)
    assert 'id="grant-form"' in _page(client, eid)
    url = f"/engagements/{eid}/grant"
    done = form(client, url, csrf, **GRANT_FORM)
    assert done.status_code == 303, done.text
    grant = staff.ok(staff.get(f"/api/v1/engagements/{eid}/grant"))
    assert (grant["eligible_costs"], grant["grant_amount"]) == (30_000, 27_000)
    page = client.get(done.headers["location"]).text
    assert "Zuwendungsbescheid gespeichert" in page
    assert "27.000,00 €" in page

    # a change needs a reason; then it is taken
    changed = {**GRANT_FORM, "period_end": "2027-11-30"}
    refused = form(client, url, csrf, **changed)
    assert refused.status_code == 422
    assert 'value="2027-11-30"' in refused.text  # what was typed is kept
    ok = form(client, url, csrf, **changed, grant_reason="Verlängerung bewilligt")
    assert ok.status_code == 303
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}/grant"))["period_end"] == "2027-11-30"


def test_a_grant_above_the_eligible_costs_is_refused_with_the_values_kept(
    client: TestClient, staff: Api
) -> None:
    eid = staff.engagement(**LATEST)["id"]
    csrf = login(client, staff)
    refused = form(
        client, f"/engagements/{eid}/grant", csrf, **{**GRANT_FORM, "grant_amount": "31.000,50"}
    )
    assert refused.status_code == 422
    assert 'id="page-error"' in refused.text
    assert 'value="31.000,50"' in refused.text
    assert 'id="grant-form-details" open' in refused.text
    grant_form = refused.text.split('id="grant-form"', 1)[1].split("</form>", 1)[0]
    assert '<p class="field-error">' in grant_form  # the refusal next to the form too
    assert staff.get(f"/api/v1/engagements/{eid}/grant").status_code == 404
    unreadable = form(
        client, f"/engagements/{eid}/grant", csrf, **{**GRANT_FORM, "eligible_costs": "viel"}
    )
    assert unreadable.status_code == 422
    assert 'value="viel"' in unreadable.text


# --- evidence records with a file ---------------------------------------------------------


def test_a_record_with_a_file_is_added_and_downloads_as_the_same_bytes(
    client: TestClient, staff: Api
) -> None:
    eid = _approved(staff)
    csrf = login(client, staff)
    page = _page(client, eid)
    assert 'enctype="multipart/form-data"' in page
    content = bytes(range(256)) * 40  # binary, not text
    response = client.post(
        f"/engagements/{eid}/records",
        data={
            "csrf_token": csrf,
            "form": "record",
            "record_kind": "consultant_contract",
            "record_date": "2026-04-02",
            "record_reference": "V-17",
            "record_note": "unterschrieben",
        },
        files={"file": ("Vertrag Grünau.pdf", content, "application/pdf")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    (record,) = staff.ok(staff.get(f"/api/v1/engagements/{eid}/records"))
    assert (record["kind"], record["reference"], record["note"]) == (
        "consultant_contract",
        "V-17",
        "unterschrieben",
    )
    page = client.get(response.headers["location"]).text
    assert "Nachweis erfasst" in page
    link = f"/engagements/{eid}/records/{record['id']}/file"
    assert f'href="{link}"' in page

    download = client.get(link)
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["content-type"] == "application/pdf"
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Vertrag%20Gr%C3%BCnau.pdf" in disposition

    # the file only through its own engagement, and only with a login
    other = staff.engagement(**LATEST)["id"]
    assert client.get(f"/engagements/{other}/records/{record['id']}/file").status_code == 404
    client.post("/logout", data={"csrf_token": csrf})
    anonymous = client.get(link, follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/login"


def test_a_record_without_a_file_and_a_refused_one(client: TestClient, staff: Api) -> None:
    eid = _approved(staff)
    csrf = login(client, staff)
    url = f"/engagements/{eid}/records"
    fields = {"csrf_token": csrf, "form": "record", "record_date": "2026-04-02"}
    missing_kind = client.post(url, data={**fields, "record_note": "ohne Art"})
    assert missing_kind.status_code == 422
    assert "ohne Art" in missing_kind.text  # kept
    assert 'id="record-form-details" open' in missing_kind.text
    # the contract dated before the notice: the service's rule, refused on the page
    early = client.post(
        url, data={**fields, "record_kind": "consultant_contract", "record_date": "2026-03-01"}
    )
    assert early.status_code == 422
    assert 'value="2026-03-01"' in early.text
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}/records")) == []
    plain = client.post(
        url,
        data={**fields, "record_kind": "stocktaking"},
        files={"file": ("", b"", "application/octet-stream")},  # no file chosen
        follow_redirects=False,
    )
    assert plain.status_code == 303
    (record,) = staff.ok(staff.get(f"/api/v1/engagements/{eid}/records"))
    assert (record["kind"], record["file_name"]) == ("stocktaking", None)


@pytest.mark.parametrize("settings_overrides", [{"max_upload_bytes": 2048}])
def test_a_too_large_file_is_refused_on_the_page(
    client: TestClient, staff: Api, settings_overrides: dict[str, object]
) -> None:
    eid = _approved(staff)
    csrf = login(client, staff)
    limit = 2048
    response = client.post(
        f"/engagements/{eid}/records",
        data={
            "csrf_token": csrf,
            "form": "record",
            "record_kind": "stocktaking",
            "record_date": "2026-04-02",
        },
        files={"file": ("gross.bin", b"x" * (limit + 1), "application/octet-stream")},
    )
    assert response.status_code == 413
    assert 'id="page-error"' in response.text  # on the page, with the form open again
    assert 'id="record-form-details" open' in response.text
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}/records")) == []


# --- consulting days ------------------------------------------------------------------------


def test_consulting_days_are_added_in_german_numbers_and_refused_outside_the_period(
    client: TestClient, staff: Api
) -> None:
    eid = _approved(staff)
    csrf = login(client, staff)
    url = f"/engagements/{eid}/consulting"
    day = {
        "form": "consulting",
        "day_date": "2026-04-14",
        "days": "1,5",
        "mode": "on_site",
        "consultant": "Klima & Co. GmbH",
        "activity": "Bestandsaufnahme im Rathaus",
    }
    done = form(client, url, csrf, **day)
    assert done.status_code == 303, done.text
    ledger = staff.ok(staff.get(f"/api/v1/engagements/{eid}/consulting-days"))
    assert (ledger["total_days"], ledger["direct_days"]) == (1.5, 1.5)
    page = client.get(done.headers["location"]).text
    assert "Beratertag erfasst" in page
    assert "Bestandsaufnahme im Rathaus" in page

    before = form(client, url, csrf, **{**day, "day_date": "2026-03-15"})
    assert before.status_code == 422
    assert 'value="2026-03-15"' in before.text
    assert 'id="consulting-form-details" open' in before.text
    too_many = form(client, url, csrf, **{**day, "days": "19"})
    assert too_many.status_code == 422
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}/consulting-days"))["total_days"] == 1.5


# --- words -------------------------------------------------------------------------------------


def test_the_page_speaks_german(client: TestClient, staff: Api) -> None:
    eid = _approved(staff)  # approve sends the contact a stage notice (version 2)
    login(client, staff)
    page = _page(client, eid)
    assert "Fokusberatung Klimaschutz (Fassung 2)" in page
    assert "<dd>Bayern</dd>" in page
    assert "KRL 2024" in page
    assert "Phasen-Mitteilung" in page
    assert "stage_notice" not in page
    assert not re.search(r"<dt>Version</dt>", page)
    # the milestone waits for its record, and says which
    assert "Erledigt, sobald der Nachweis „Verwendungsnachweis“ erfasst ist." in page


def test_no_500_for_odd_programme_input(client: TestClient, staff: Api) -> None:
    eid = _approved(staff)
    record = _record(staff, eid, b"x")
    csrf = login(client, staff)
    base = f"/engagements/{eid}"
    odd_values = ("", "1e400", "nan", "-5", "€ 1.2.3,4", "\x00", "9" * 400, "2026-02-30")
    for value in odd_values:
        for path, fields in (
            ("/grant", {**GRANT_FORM, "eligible_costs": value, "notice_date": value}),
            ("/consulting", {"form": "consulting", "days": value, "day_date": value}),
            ("/records", {"form": "record", "record_kind": value, "record_date": value}),
            ("/transition", {"trigger": value, "note": value}),
        ):
            response = form(client, base + path, csrf, **fields)
            assert 400 <= response.status_code < 500, (path, value, response.status_code)
    # a multipart body that is not one, two files, a file field given as text
    broken = client.post(
        base + "/records",
        content=b"--x\r\nnot a part",
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    assert 400 <= broken.status_code < 500
    two = client.post(
        base + "/records",
        data={"csrf_token": csrf, "record_kind": "stocktaking", "record_date": "2026-04-02"},
        files=[("file", ("a.txt", b"a", "text/plain")), ("file", ("b.txt", b"b", "text/plain"))],
    )
    assert 400 <= two.status_code < 500
    for url in (
        f"{base}/records/abc/file",
        f"{base}/records/99999999999999999999/file",
        f"/engagements/0/records/{record}/file",
    ):
        assert client.get(url).status_code == 404, url
    no_file = staff.ok(
        staff.post(
            f"/api/v1/engagements/{eid}/records", json={"kind": "stocktaking", "date": "2026-04-02"}
        ),
        201,
    )
    assert client.get(f"{base}/records/{no_file['id']}/file").status_code == 404
