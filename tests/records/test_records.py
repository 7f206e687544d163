"""Evidence records (CONTRACT "The programme's rules (issue 9)"): JSON or multipart with a
file, listed, downloaded as stored; a consultant contract dated before the grant notice is
refused, since the project would have started before approval."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.core.context import Context
from tests.records.programme import NOTICE, grant, record, v2_engagement
from tests.support import Api

MiB = 1024 * 1024


def upload(api: Api, eid: int, content: bytes, name: str = "Vertrag.pdf", **fields: str) -> Any:
    data = {"kind": "consultant_contract", "date": "2026-03-02", **fields}
    files = {"file": (name, content, "application/pdf")}
    return api.post(f"/api/v1/engagements/{eid}/records", data=data, files=files)


def test_a_record_as_json_is_listed_and_in_the_history(staff: Api) -> None:
    eid = v2_engagement(staff)["id"]
    made = staff.created(record(staff, eid, "stocktaking", reference="BA-1", note="vor Ort"))
    assert made["kind"] == "stocktaking"
    assert made["date"] == "2026-03-02"
    assert (made["reference"], made["note"]) == ("BA-1", "vor Ort")
    assert made["file_name"] is None and made["file_sha256"] is None
    assert made["actor"] == "Lena Vogel"
    listed = staff.ok(staff.get(f"/api/v1/engagements/{eid}/records"))
    assert [r["id"] for r in listed] == [made["id"]]
    history = staff.ok(staff.get(f"/api/v1/engagements/{eid}/history"))
    assert history[-1]["summary_de"] == (
        "Nachweis erfasst: Bestandsaufnahme vom 02.03.2026 (Aktenzeichen BA-1)"
    ), history
    # no file: 404
    assert staff.get(f"/api/v1/records/{made['id']}/file").status_code == 404


def test_a_file_is_stored_and_downloaded_byte_for_byte(staff: Api) -> None:
    eid = v2_engagement(staff)["id"]
    content = bytes(range(256)) * 4096 + b"%PDF-end"  # 1 MiB and a bit: not text
    made = staff.created(upload(staff, eid, content, name="Beratervertrag März.pdf"))
    assert made["file_name"] == "Beratervertrag März.pdf"
    assert made["file_size"] == len(content)
    assert made["file_sha256"] == hashlib.sha256(content).hexdigest()
    got = staff.get(f"/api/v1/records/{made['id']}/file")
    assert got.status_code == 200
    assert got.content == content
    assert hashlib.sha256(got.content).hexdigest() == made["file_sha256"]
    assert got.headers["content-type"] == "application/pdf"
    disposition = got.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Beratervertrag%20M%C3%A4rz.pdf" in disposition


@pytest.mark.sqlite_only  # the limits are the app's, not the database's
def test_a_file_of_20_mib_is_taken_and_one_byte_more_is_413(
    staff: Api, ctx: Context, client: TestClient
) -> None:
    assert ctx.settings.max_upload_bytes == 20 * MiB  # the documented default
    eid = v2_engagement(staff)["id"]
    largest = b"x" * (20 * MiB)
    made = staff.created(upload(staff, eid, largest))
    assert made["file_size"] == 20 * MiB
    too_large = upload(staff, eid, largest + b"x")
    assert too_large.status_code == 413, too_large.text
    assert "FOKUS_MAX_UPLOAD_BYTES" in too_large.json()["detail"]
    assert len(staff.ok(staff.get(f"/api/v1/engagements/{eid}/records"))) == 1
    # a JSON body is still held to FOKUS_MAX_BODY_BYTES on this route
    note = "x" * (ctx.settings.max_body_bytes + 10)
    big_json = record(staff, eid, "stocktaking", note=note)
    assert big_json.status_code == 413
    # other routes keep the general limit
    big = client.post(
        f"/api/v1/engagements/{eid}/measures",
        content=b"x" * (ctx.settings.max_body_bytes + 1),
        headers={**staff.headers, "content-type": "application/json"},
    )
    assert big.status_code == 413


def test_a_consultant_contract_before_the_notice_is_refused(staff: Api) -> None:
    eid = v2_engagement(staff)["id"]
    grant(staff, eid)
    early = record(staff, eid, "consultant_contract", NOTICE - timedelta(days=1))
    assert early.status_code == 422, early.text
    detail = early.json()["detail"]
    assert "project started before approval" in detail
    assert "Vorhabenbeginn vor Bewilligung" in detail
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}/records")) == []
    # the same as a form with a file
    refused = upload(staff, eid, b"%PDF", date=(NOTICE - timedelta(days=1)).isoformat())
    assert refused.status_code == 422
    # on the notice's day it is fine
    staff.created(record(staff, eid, "consultant_contract", NOTICE))


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "invoice", "date": "2026-03-02"},
        {"kind": "stocktaking", "date": "2026-02-30"},
        {"kind": "stocktaking"},
        {"kind": "stocktaking", "date": "2026-03-02", "extra": 1},
    ],
)
def test_bad_records_are_422(staff: Api, body: dict[str, object]) -> None:
    eid = v2_engagement(staff)["id"]
    answer = staff.post(f"/api/v1/engagements/{eid}/records", json=body)
    assert answer.status_code == 422, answer.text


def test_a_final_engagement_takes_no_records(staff: Api) -> None:
    eid = v2_engagement(staff)["id"]
    staff.ok(staff.fire(eid, "withdraw", note="Gemeinderat hat abgelehnt"))
    answer = record(staff, eid, "stocktaking")
    assert answer.status_code == 409, answer.text


def test_unknown_engagement_and_record_are_404(staff: Api) -> None:
    assert record(staff, 999_999, "stocktaking").status_code == 404
    assert staff.get("/api/v1/engagements/999999/records").status_code == 404
    assert staff.get("/api/v1/records/999999/file").status_code == 404
