"""Rate limits, redirects, headers, cookies, body limits and production settings."""

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import ROLE_EMAILS, csrf_token, settings_for, sign_in
from tourism import create_app
from tourism.config import ConfigurationError, from_environment
from tourism.core.audit import AuditEvent
from tourism.core.pages import safe_next


def _post_sign_in(client, email, password, address, token, forwarded=None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post(
        "/ko/account/sign-in",
        data={"email": email, "password": password, "csrf_token": token},
        headers=headers,
        environ_base={"REMOTE_ADDR": address},
    )


def test_sign_in_is_limited_per_address_and_spoofed_forwarded_for_does_not_reset_it(app, client, db):
    token = csrf_token(client, "/ko/account/sign-in")
    allowed = int(app.config["RATELIMIT_SIGN_IN_IP"].split()[0])
    for attempt in range(allowed):
        # A different account each time, so only the per-address limit can trip.
        response = _post_sign_in(client, f"guess{attempt}@example.com", "wrong-password-1", "203.0.113.9", token,
                                 forwarded=f"198.51.100.{attempt}")
        assert response.status_code == 200, attempt
    response = _post_sign_in(client, "guess-last@example.com", "wrong-password-1", "203.0.113.9", token,
                             forwarded="198.51.100.250")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert 'lang="ko"' in response.get_data(as_text=True)
    # Another address is not affected.
    assert _post_sign_in(client, "other@example.com", "wrong-password-1", "203.0.113.10", token).status_code == 200


def test_sign_in_is_limited_per_account_across_addresses(app, client, db):
    token = csrf_token(client, "/ko/account/sign-in")
    allowed = int(app.config["RATELIMIT_SIGN_IN_ACCOUNT"].split()[0])
    email = ROLE_EMAILS["officer"]
    for attempt in range(allowed):
        response = _post_sign_in(client, email, "wrong-password-1", f"203.0.113.{attempt + 20}", token)
        assert response.status_code == 200, attempt
    # Even the right password from a fresh address waits now: the account is being guessed at.
    response = _post_sign_in(client, email.upper(), "lamdong-demo-2026", "203.0.113.99", token)
    assert response.status_code == 429 and "Retry-After" in response.headers
    failures = db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "sign_in_failed", AuditEvent.subject == email)
    )
    assert failures == allowed


def test_sign_up_and_reset_are_limited(app, client, db):
    token = csrf_token(client, "/en/account/forgot-password")
    allowed = int(app.config["RATELIMIT_EMAIL"].split()[0])
    statuses = [
        client.post("/en/account/forgot-password", data={"email": f"x{n}@example.com", "csrf_token": token}).status_code
        for n in range(allowed + 1)
    ]
    assert statuses == [200] * allowed + [429]

    token = csrf_token(client, "/en/account/sign-up")
    allowed = int(app.config["RATELIMIT_SIGN_UP"].split()[0])
    statuses = [
        client.post("/en/account/sign-up", data={"email": "bad", "csrf_token": token}).status_code
        for _ in range(allowed + 1)
    ]
    assert statuses == [200] * allowed + [429]


def test_reading_pages_is_not_limited(client):
    assert all(client.get("/en/account/sign-in").status_code == 200 for _ in range(40))


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "https:evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        " //evil.example",
        "evil.example",
    ],
)
def test_open_redirects_fail(client, db, target):
    assert safe_next(target) is None
    token = csrf_token(client, "/en/account/sign-in")
    response = client.post(
        "/en/account/sign-in",
        query_string={"next": target},
        data={"email": ROLE_EMAILS["tourist"], "password": "lamdong-demo-2026", "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/en/account/"


def test_next_on_this_site_is_followed(client, db):
    token = csrf_token(client, "/en/account/sign-in")
    response = client.post(
        "/en/account/sign-in",
        query_string={"next": "/en/places/?category=nature"},
        data={"email": ROLE_EMAILS["tourist"], "password": "lamdong-demo-2026", "csrf_token": token},
    )
    assert response.headers["Location"] == "/en/places/?category=nature"


def test_private_page_sends_anonymous_visitor_to_sign_in_and_back(client, db):
    response = client.get("/en/account/password")
    assert response.status_code == 302
    assert response.headers["Location"] == "/en/account/sign-in?next=/en/account/password"


PAGES = ["/", "/en/", "/en/places/", "/en/account/sign-in", "/nope", "/en/nope", "/static/css/site.css",
         "/healthz", "/sitemap.xml", "/api/v1/nothing"]


@pytest.mark.parametrize("path", PAGES)
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"]
    assert "Strict-Transport-Security" not in headers  # development serves plain HTTP


def test_personal_pages_are_not_stored(client, db, sign_in_as):
    assert client.get("/en/").headers.get("Cache-Control") != "no-store"
    assert client.get("/en/account/sign-in").headers["Cache-Control"] == "no-store"
    sign_in_as("admin")
    for path in ("/en/account/", "/en/backoffice/users/", "/en/backoffice/audit/", "/en/"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    # Static files stay cacheable for everyone.
    assert client.get("/static/css/site.css").headers.get("Cache-Control") != "no-store"


def test_session_cookie_flags_in_development(client, db):
    response = sign_in(client, ROLE_EMAILS["tourist"], remember=True)
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("session="))
    remember = next(c for c in cookies if c.startswith("remember_token="))
    for cookie in (session, remember):
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_request_body_limit(client):
    big = b"x" * (client.application.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/en/account/sign-in", data=big, content_type="application/octet-stream")
    assert response.status_code == 413


def test_huge_form_field_is_a_form_error_not_a_crash(client, db):
    token = csrf_token(client, "/en/account/sign-in")
    response = client.post("/en/account/sign-in", data={"email": "a" * 100_000, "password": "p" * 100_000,
                                                        "csrf_token": token})
    assert response.status_code in (200, 413)


PRODUCTION_ENV = {"TOURISM_ENV": "production", "SECRET_KEY": "s" * 16 + "e" * 32, "DATA_KEY": "k" * 44}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "test-secret-key"}, "default or too short"),
        ({"SECRET_KEY": "changeme"}, "default or too short"),
        ({"SECRET_KEY": "short-but-random"}, "default or too short"),
        ({"DATA_KEY": ""}, "DATA_KEY must be set"),
    ],
)
def test_production_refuses_default_secrets(tmp_path: Path, change, message):
    with pytest.raises(ConfigurationError, match=message):
        from_environment(tmp_path, {**PRODUCTION_ENV, **change})


def test_production_settings(tmp_path: Path):
    settings = from_environment(tmp_path, PRODUCTION_ENV)
    assert settings["SESSION_COOKIE_NAME"] == "__Host-session"
    assert settings["REMEMBER_COOKIE_NAME"] == "__Host-remember"
    assert settings["SESSION_COOKIE_SECURE"] and settings["REMEMBER_COOKIE_SECURE"]
    assert not (tmp_path / "secret_key").exists()  # no development secret is made


def test_production_app_sends_hsts_and_secure_host_cookies(database_url, tmp_path, monkeypatch):
    for key, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(key, value)
    app = create_app({**settings_for(database_url), "SECRET_KEY": PRODUCTION_ENV["SECRET_KEY"]})
    assert app.config["PRODUCTION"] and not app.debug
    client = app.test_client()
    response = client.get("/en/account/sign-in", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("__Host-session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/" in cookie and "Domain" not in cookie


def test_production_refuses_the_debugger(database_url, monkeypatch):
    for key, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigurationError, match="debugger"):
        create_app({**settings_for(database_url), "SECRET_KEY": PRODUCTION_ENV["SECRET_KEY"], "DEBUG": True})


def test_rate_limits_use_the_configured_storage(app):
    import os

    expected = "RedisStorage" if os.environ.get("TEST_REDIS_URL") else "MemoryStorage"
    from tourism.extensions import limiter

    assert type(limiter.storage).__name__ == expected
