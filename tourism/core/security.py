"""Security headers on every response."""

from flask import Flask, current_app, request, session

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

PRIVATE_BLUEPRINTS = ("accounts.", "backoffice.")
STATIC_ENDPOINTS = frozenset({"static", "bootstrap.static"})


def set_security_headers(response):
    """Add CSP, content-type, referrer and framing protections."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    # Pages for a signed-in person, and account pages, may show personal data: never store them.
    endpoint = request.endpoint or ""
    personal = "_user_id" in session and endpoint not in STATIC_ENDPOINTS
    if personal or endpoint.startswith(PRIVATE_BLUEPRINTS):
        headers["Cache-Control"] = "no-store"
        headers.add("Vary", "Cookie")
    if endpoint == "accounts.reset_password":
        # The token is in the path; keep it out of any Referer header.
        headers["Referrer-Policy"] = "no-referrer"
    if current_app.config.get("PRODUCTION"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def init_app(app: Flask) -> None:
    """Attach the security headers to every response."""
    app.after_request(set_security_headers)
