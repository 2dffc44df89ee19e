"""The OpenAPI document declares what the API answers: every error status of every operation
(with the error shape), the closed sets of values, the real media types of files; and every
route under an event answers 404 for an unknown event."""

from __future__ import annotations

import re

import pytest
from litestar.routes import HTTPRoute

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# bodies never refused with 422: none (a field missing or of the wrong type is 422 for every body,
# app/web/errors.py; only malformed JSON is Litestar's 400, declared for every operation)
NO_INVALID_BODY: set[tuple[str, str]] = set()


@pytest.fixture
def openapi(client) -> dict:
    response = client.get("/schema/openapi.json")
    assert response.status_code == 200, response.text
    return response.json()


def _api_operations(app):
    """(route path, OpenAPI path, method, handler) of every JSON API operation."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith("/api/v1"):
            continue
        for handler in route.route_handlers:
            if not handler.include_in_schema:
                continue
            for method in handler.http_methods:
                if method not in ("HEAD", "OPTIONS"):
                    yield route.path, re.sub(r":[^}]+}", "}", route.path), method.lower(), handler


def _resolve(doc: dict, schema: dict) -> dict:
    ref = schema.get("$ref")
    return doc["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else schema


def test_every_api_operation_declares_its_error_answers(app, openapi):
    """Guarded operations declare 401 and 403, operations on an id 404, operations with a
    body 422; every declared error answer has the error shape ``{"status_code", "detail", ...}``."""
    problems = []
    operations = list(_api_operations(app))
    assert len(operations) > 60
    for path, doc_path, method, handler in operations:
        operation = openapi["paths"][doc_path][method]
        declared = {int(s) for s in operation["responses"] if s.isdigit() and 400 <= int(s) < 600}
        expected = set()
        if handler.resolve_guards():
            expected |= {401, 403}
        if "{" in path:
            expected.add(404)
        if "data" in handler.parsed_fn_signature.parameters and (method, path) not in NO_INVALID_BODY:
            expected.add(422)
        if not declared - {400}:
            problems.append(f"{method.upper()} {path}: no error answers declared")
        elif expected - declared:
            problems.append(f"{method.upper()} {path}: missing {sorted(expected - declared)}")
        for status in declared - {400}:
            schema = _resolve(openapi, operation["responses"][str(status)]["content"]["application/json"]["schema"])
            if not {"status_code", "detail"} <= set(schema.get("properties", {})):
                problems.append(f"{method.upper()} {path}: {status} is not an error answer")
    assert not problems, "\n".join(problems)


def test_error_answer_schema(openapi):
    error = openapi["components"]["schemas"]["ErrorOut"]
    assert set(error["required"]) == {"status_code", "detail"}
    assert {"status_code", "detail", "extra", "errors"} <= set(error["properties"])


def _body_schema(doc: dict, path: str, method: str) -> dict:
    body = doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    return _resolve(doc, body)


def test_enums_are_listed(openapi):
    event_in = _body_schema(openapi, "/api/v1/events", "post")
    assert event_in["properties"]["kind"]["enum"] == ["innovation", "robotics", "camp", "talent"]
    patch = _body_schema(openapi, "/api/v1/events/{event_id}", "patch")
    assert patch["properties"]["aggregation"]["enum"] == ["mean", "trimmed_mean", "zscore"]
    assert patch["properties"]["kind"]["enum"] == ["innovation", "robotics", "camp", "talent"]
    assert set(patch["properties"]["award_quotas"]["properties"]) == {"first", "second", "third"}
    review = _body_schema(openapi, "/api/v1/entries/{entry_id}/review", "post")
    assert review["properties"]["decision"]["enum"] == ["approve", "return"]
    user_in = _body_schema(openapi, "/api/v1/users", "post")
    assert set(user_in["properties"]["role"]["enum"]) >= {"organizer", "city", "school", "judge", "referee", "staff"}
    credential = openapi["paths"]["/api/v1/participants/{member_id}/credential"]["get"]
    format_ = next(p for p in credential["parameters"] if p["name"] == "format")
    assert format_["schema"]["enum"] == ["png", "svg"]
    results = openapi["paths"]["/api/v1/events/{event_id}/results"]["get"]
    method = next(p for p in results["parameters"] if p["name"] == "method")
    assert "trimmed_mean" in str(method["schema"])
    scan = _resolve(
        openapi,
        openapi["paths"]["/api/v1/checkin/scan"]["post"]["responses"]["200"]["content"]["application/json"]["schema"],
    )
    assert scan["properties"]["result"]["enum"] == ["checked_in", "already_checked_in", "revoked", "wrong_event"]


def test_answers_are_typed(openapi):
    """The main resources' answers are documented objects, not ``{}``."""
    for path, method, status, keys in (
        ("/api/v1/schools", "post", "201", {"id", "code", "name", "city"}),
        ("/api/v1/users", "post", "201", {"id", "username", "role"}),
        ("/api/v1/events", "post", "201", {"id", "name", "kind", "year", "award_quotas"}),
        (
            "/api/v1/entries/{entry_id}",
            "get",
            "200",
            {"id", "code", "title", "school_code", "category_code", "division", "status", "members"},
        ),
        ("/api/v1/events/{event_id}/results", "get", "200", {"entries"}),
        ("/api/v1/checkin/scan", "post", "200", {"result", "first_checked_in_at", "participant"}),
        ("/api/v1/certificates/{number}", "get", "200", {"valid", "name", "event", "award", "issued_at"}),
        ("/api/v1/events/{event_id}/certificates/check", "get", "200", {"certificates", "unprintable"}),
        ("/api/v1/events/{event_id}/assignments/generate", "post", "200", {"assignments", "unassigned_entries"}),
    ):
        schema = _resolve(
            openapi, openapi["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
        )
        assert keys <= set(schema["properties"]), (path, sorted(schema["properties"]))
    assignments = openapi["paths"]["/api/v1/judging/assignments"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]
    item = _resolve(openapi, assignments["items"])
    assert {"entry_id", "event_id", "status"} <= set(item["properties"])


@pytest.mark.parametrize(
    "path, media_types",
    [
        ("/api/v1/events/{event_id}/registration-template", {XLSX}),
        ("/api/v1/events/{event_id}/results.xlsx", {XLSX}),
        ("/api/v1/events/{event_id}/certificates.pdf", {"application/pdf"}),
        ("/api/v1/events/{event_id}/badges.pdf", {"application/pdf"}),
        ("/api/v1/participants/{member_id}/credential", {"image/png", "image/svg+xml"}),
    ],
)
def test_files_have_their_media_types(openapi, path, media_types):
    content = openapi["paths"][path]["get"]["responses"]["200"]["content"]
    assert set(content) == media_types
    for media_type in media_types:
        assert content[media_type]["schema"] == {"type": "string", "format": "binary"}


def test_rate_limited_operations_declare_429(openapi):
    assert "429" in openapi["paths"]["/api/v1/certificates/{number}"]["get"]["responses"]
    assert "429" in openapi["paths"]["/api/v1/auth/login"]["post"]["responses"]


def test_unknown_event_is_404_on_every_event_route(app, client, world):
    """Every GET under ``/api/v1/events/{event_id}`` answers 404 with a translated detail for an
    unknown event (lists included: never 200 ``[]``)."""
    headers = world.headers("org")
    seen = []
    for path, _doc_path, method, _handler in _api_operations(app):
        if method != "get" or not path.startswith("/api/v1/events/{event_id:int}"):
            continue
        url = path.replace("{event_id:int}", "999999").replace("{kind:str}", "award").replace("{code:str}", "XX")
        url = url.replace("{entry_id:int}", "1").replace("{mentor_id:int}", "1")
        assert "{" not in url, f"add a value for the parameters of {path}"
        response = client.get(url, headers=headers)
        seen.append(path)
        assert response.status_code == 404, (url, response.status_code, response.text[:200])
        body = response.json()
        assert body["status_code"] == 404
        assert body["detail"] and not body["detail"].isascii(), (url, body)  # translated (Chinese by default)
    assert len(seen) >= 15


def test_unknown_parent_is_404_on_every_route_below_it(app, client, world):
    """Every other GET below an id (an entry, a session, a member, a batch...) answers 404 for an unknown one."""
    headers = world.headers("org")
    for path, _doc_path, method, _handler in _api_operations(app):
        if method != "get" or "{" not in path or path.startswith("/api/v1/events/{event_id:int}"):
            continue
        if path == "/api/v1/entries/{entry_id:int}/scores":
            continue  # the judge's own sheet: an organizer is refused (403) before the entry is looked up
        url = re.sub(r"\{\w+:int\}", "999999", path).replace("{number:str}", "XM-0000-0000")
        response = client.get(url, headers=headers)
        assert response.status_code == 404, (url, response.status_code, response.text[:200])
        assert not response.json()["detail"].isascii()


def test_unknown_event_is_404_in_english_too(client, world):
    headers = {**world.headers("org"), "Accept-Language": "en"}
    response = client.get("/api/v1/events/999999/judges", headers=headers)
    assert response.status_code == 404
    assert response.json()["detail"].isascii() and "999999" in response.json()["detail"]
