"""Security headers on every response."""

from urllib.parse import urlsplit

from flask import Flask, current_app, request, session

CSP_DIRECTIVES = (
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

PRIVATE_BLUEPRINTS = ("accounts.", "backoffice.")
STATIC_ENDPOINTS = frozenset({"static", "bootstrap.static", "vendor.asset"})


def content_security_policy(tile_url: str) -> str:
    """Return the policy: everything from this site, but map tiles from the tile server."""
    directives = list(CSP_DIRECTIVES)
    parts = urlsplit(tile_url)
    if parts.scheme in {"http", "https"} and parts.netloc:
        # Leaflet's {s} picks one of several subdomains.
        origin = f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"
        directives = [d + f" {origin}" if d.startswith("img-src") else d for d in directives]
    return "; ".join(directives)


def set_security_headers(response):
    """Add CSP, content-type, referrer and framing protections."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", current_app.config["CONTENT_SECURITY_POLICY"])
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
    app.config["CONTENT_SECURITY_POLICY"] = content_security_policy(app.config["TILE_URL"])
    app.after_request(set_security_headers)
