"""An address that leads nowhere: a browser (it asks for text/html, outside /api/) gets the
dashboard's error page in its language with a link back; an API client and every path
under /api/ keep the JSON answer."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.support import Api

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_unknown_address_is_a_german_error_page_for_a_browser(client: TestClient) -> None:
    for path in ("/gibt-es-nicht", "/engagements/abc/nothing", "/static/fehlt.css"):
        response = client.get(path, headers=HTML)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html"), path
        assert '<html lang="de"' in response.text
        assert "<title>Fehler 404" in response.text
        assert re.search(r'role="alert">\s*Nicht gefunden\.', response.text)
        assert '<a href="/">Zurück zur Übersicht</a>' in response.text


def test_unknown_address_in_english_by_query_or_cookie(client: TestClient) -> None:
    by_query = client.get("/gibt-es-nicht?lang=en", headers=HTML)
    assert by_query.status_code == 404
    assert '<html lang="en"' in by_query.text
    assert "Not found." in by_query.text
    assert "Back to the overview" in by_query.text
    client.cookies.set("fokus_lang", "en")
    by_cookie = client.get("/nirgendwo", headers=HTML)
    assert by_cookie.status_code == 404
    assert '<html lang="en"' in by_cookie.text
    assert "Not found." in by_cookie.text


def test_method_not_allowed_on_a_page_is_an_error_page(client: TestClient) -> None:
    response = client.request("DELETE", "/login", headers=HTML)
    assert response.status_code == 405
    assert response.headers["content-type"].startswith("text/html")
    assert "GET" in response.headers["Allow"]
    assert "<title>Fehler 405" in response.text
    assert re.search(r'role="alert">\s*Diese Methode ist hier nicht erlaubt', response.text)


def test_api_clients_and_api_paths_keep_json(client: TestClient, staff: Api) -> None:
    plain = client.get("/gibt-es-nicht", headers={"Accept": "application/json"})
    assert plain.status_code == 404
    assert plain.json()["code"] == "not_found"
    no_accept = client.get("/gibt-es-nicht")
    assert no_accept.json()["code"] == "not_found"
    browser_with_key = {**HTML, **staff.headers}
    for path in ("/api/v1/gibt-es-nicht", "/api/v1/engagements/abc/nothing", "/api"):
        answer = client.get(path, headers=browser_with_key)
        assert answer.status_code == 404, path
        assert answer.json()["code"] == "not_found", path
    wrong_method = client.request("DELETE", "/api/v1/engagements", headers=browser_with_key)
    assert wrong_method.status_code == 405
    assert wrong_method.json()["code"] == "method_not_allowed"
