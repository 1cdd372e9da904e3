"""Localized error pages, redirects for paths that lack a locale, and what services refuse."""

from flask import Flask, current_app, g, redirect, render_template, request
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import RequestRedirect

from tourism.i18n import LOCALES, negotiate_locale


class ServiceError(Exception):
    """A request a service's rules refuse, with a message for people and fields for forms and the API.

    Nothing of it has been saved. Each package derives its own (LodgingError, SiteError) and
    gives it its code; `status` is the HTTP status the API answers with.
    """

    status = 422
    code = "invalid"

    def __init__(self, message, fields: dict | None = None, code: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _ensure_locale() -> None:
    # Errors raised before routing (unknown paths) have no locale from the URL yet.
    if not getattr(g, "locale", None):
        g.locale = negotiate_locale()


def _redirect_to_locale():
    """Redirect `/places/` to `/<locale>/places/` when that address exists."""
    first = request.path.lstrip("/").split("/", 1)[0]
    if first in LOCALES:
        return None
    locale = negotiate_locale()
    target = f"/{locale}{request.path}"
    adapter = current_app.url_map.bind("")
    try:
        adapter.match(target, method="GET")
    except RequestRedirect as moved:
        target = moved.new_url
    except HTTPException:
        return None
    query = request.query_string.decode("latin-1")
    return redirect(target + (f"?{query}" if query else ""), code=302)


def handle_http_error(error: HTTPException):
    """Render an HTTP error in the visitor's language, or as JSON on the API."""
    if _wants_json():
        from tourism.api.errors import http_error

        return http_error(error.code or 500, error.name.lower().replace(" ", "_"))
    if isinstance(error, NotFound):
        moved = _redirect_to_locale()
        if moved is not None:
            return moved
    _ensure_locale()
    code = error.code or 500
    template = "errors/404.html" if code == 404 else "errors/error.html"
    return render_template(template, error=error, code=code), code


def handle_server_error(error: Exception):
    """Render a localized 500 page without revealing a traceback."""
    if _wants_json():
        from tourism.api.errors import http_error

        return http_error(500, "server_error")
    _ensure_locale()
    return render_template("errors/500.html", code=500), 500


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(500, handle_server_error)
