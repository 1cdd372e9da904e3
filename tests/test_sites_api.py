"""The tourist sites' API: bearer tokens, single and list bodies, JSON errors, the OpenAPI document."""

import json
from datetime import timedelta

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tourism.extensions import db
from tourism.sites import services, tokens
from tourism.sites.models import Site, SiteVisitDay

SITE_OPERATIONS = [("/site-visits", "POST")]
URL = "/api/v1/site-visits"


@pytest.fixture
def site(app):
    return db.session.scalar(sa.select(Site).where(Site.slug == "langbiang"))


@pytest.fixture
def token(site):
    return tokens.create_token(site, "gate")[1]


def day(days_ago: int = 1) -> str:
    return (services.today() - timedelta(days=days_ago)).isoformat()


def post(client, body, token=None, **headers):
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.post(URL, data=json.dumps(body) if not isinstance(body, bytes) else body,
                       content_type="application/json", headers=headers)


def visit(days_ago=1, **overrides):
    return {"date": day(days_ago), "visitors": 1200, "international_visitors": 150, "revenue": 36_000_000,
            **overrides}


def test_one_day_is_created_then_corrected(client, site, token):
    response = post(client, visit(), token)
    assert response.status_code == 201
    body = response.get_json()
    assert body["date"] == day() and body["visitors"] == 1200 and body["source"] == "api"
    response = post(client, visit(visitors=1300), token)
    assert response.status_code == 200 and response.get_json()["visitors"] == 1300
    db.session.expire_all()
    rows = db.session.scalars(sa.select(SiteVisitDay).where(SiteVisitDay.site_id == site.id)).all()
    assert [(row.visitors, row.source) for row in rows] == [(1300, "api")]


def test_a_list_of_days(client, site, token):
    response = post(client, [visit(3), visit(2), visit(1, revenue=0)], token)
    assert response.status_code == 201
    assert [item["date"] for item in response.get_json()] == [day(3), day(2), day(1)]


def test_a_bad_item_in_a_list_saves_nothing(client, site, token):
    response = post(client, [visit(3), visit(2, international_visitors=5000)], token)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and "1.international_visitors" in error["fields"]
    assert db.session.scalar(sa.select(sa.func.count(SiteVisitDay.id)).where(SiteVisitDay.site_id == site.id)) == 0


def test_duplicate_dates_in_a_list_are_refused(client, token):
    response = post(client, [visit(2), visit(2)], token)
    assert response.status_code == 422 and "date" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("headers, code", [
    ({}, "unauthorized"),
    ({"Authorization": "Basic abc"}, "unauthorized"),
    ({"Authorization": "Bearer site_not-a-real-token"}, "invalid_token"),
])
def test_missing_or_wrong_token_is_401(client, headers, code):
    response = client.post(URL, json=visit(), headers=headers)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == code
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_is_401(client, site, token):
    row = tokens.list_tokens(site.id)[0]
    tokens.revoke_token(site.id, row.id)
    response = post(client, visit(), token)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "invalid_token"


def test_a_hotels_token_does_not_open_it(client, establishment):
    from tourism.lodging import tokens as lodging_tokens

    hotel_token = lodging_tokens.create_token(establishment, "pms")[1]
    assert post(client, visit(), hotel_token).status_code == 401


def test_token_use_is_noted(client, site, token):
    assert tokens.list_tokens(site.id)[0].last_used_at is None
    post(client, visit(), token)
    db.session.expire_all()
    assert tokens.list_tokens(site.id)[0].last_used_at is not None


@pytest.mark.parametrize("body, status, code", [
    (b"{not json", 400, "malformed_json"),
    (b"[]", 400, "not_an_object"),
    (b"42", 400, "not_an_object"),
    (b"[1, 2]", 400, "not_an_object"),
    ({"date": "2026-13-01", "visitors": 1, "international_visitors": 0, "revenue": 0}, 422, "validation_failed"),
    ({"visitors": "1200", "international_visitors": 0, "revenue": 0}, 422, "validation_failed"),
])
def test_json_errors(client, token, body, status, code):
    response = post(client, body, token)
    assert response.status_code == status and response.is_json
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"] and isinstance(error["fields"], dict)


def test_validation_errors_name_fields_in_the_callers_language(client, token):
    future = (services.today() + timedelta(days=1)).isoformat()
    response = post(client, {"date": future, "visitors": "12", "international_visitors": -1, "revenue": 10**10},
                    token, **{"Accept-Language": "vi"})
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"date", "visitors", "international_visitors", "revenue"}
    english = post(client, {"date": future, "visitors": 1, "international_visitors": 0, "revenue": 0}, token,
                   **{"Accept-Language": "en"})
    assert english.get_json()["error"]["fields"]["date"] == "The date cannot be in the future."


def test_wrong_content_type_is_400(client, token):
    response = client.post(URL, data="date=2026-01-01", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "unsupported_content_type"


def test_too_many_days_are_refused(client, token):
    response = post(client, [visit(n) for n in range(1, 402)], token)
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "too_many_items"


def test_rate_limited_per_token(app, client, site, token):
    other = tokens.create_token(site, "other")[1]
    app.config["RATELIMIT_HOTEL_API"] = "2 per minute"
    try:
        assert post(client, visit(1), token).status_code == 201
        assert post(client, visit(2), token).status_code == 201
        limited = post(client, visit(3), token)
        assert limited.status_code == 429 and limited.get_json()["error"]["code"]
        # Another token of the same address has its own allowance.
        assert post(client, visit(3), other).status_code == 201
    finally:
        app.config["RATELIMIT_HOTEL_API"] = "600 per minute"


def test_no_csrf_token_needed(app, client, token):
    app.config["WTF_CSRF_ENABLED"] = True
    assert post(client, visit(), token).status_code == 201


def test_document_describes_it(client):
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    operation = document["paths"]["/site-visits"]["post"]
    assert operation["security"] == [{"siteBearerAuth": []}]
    assert {"200", "201", "400", "401", "422", "429"} <= set(operation["responses"])


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_answers_as_its_document_says(app, site, mode):
    token = tokens.create_token(site, "schemathesis")[1]
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)["/site-visits"]["POST"]
    seen = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case):
        # A schema-valid date may still be in the future or too old, which OpenAPI cannot say.
        response = case.call_and_validate(headers={"Authorization": f"Bearer {token}"},
                                          excluded_checks=[positive_data_acceptance])
        seen.append(response.status_code)

    check()
    assert seen and all(status < 500 for status in seen)
    assert any(status != 401 for status in seen), seen


def test_successful_answers_match_the_document(app, site, token):
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)["/site-visits"]["POST"]
    headers = {"Authorization": f"Bearer {token}"}
    assert operation.Case(body=visit()).call_and_validate(headers=headers).status_code == 201
    assert operation.Case(body=[visit(), visit(2)]).call_and_validate(headers=headers).status_code == 201
    assert operation.Case(body=visit()).call_and_validate(headers=headers).status_code == 200
