"""JSON errors in the caller's language: {"error": {"code", "message", "fields"}}."""

from flask import g, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tourism.i18n import LOCALES, negotiate_locale
from tourism.portal.models import CATEGORIES

HTTP_MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("Authentication is required."),
    403: _l("You are not allowed to do this."),
    404: _l("Nothing was found at this address."),
    405: _l("This method is not allowed here."),
    413: _l("The request is too large."),
    429: _l("Too many requests. Please wait and try again."),
    500: _l("Something went wrong on our side."),
}


class ApiError(Exception):
    """A request the API refuses, with a code for programs and a message for people."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


class Unauthorized(ApiError):
    """No usable bearer token for the API of `realm` (lodging, sites); answered with WWW-Authenticate."""

    def __init__(self, realm: str, code: str, message):
        super().__init__(401, code, message)
        self.realm = realm


def choose_locale() -> None:
    """Answer in the `lang` the caller asked for when it is ours, else by Accept-Language."""
    lang = request.args.get("lang")
    g.locale = lang if lang in LOCALES else negotiate_locale()


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    """Return the JSON body of an error, its messages as text."""
    return {"error": {"code": code, "message": str(message), "fields": {k: str(v) for k, v in (fields or {}).items()}}}


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    """Return the JSON response and status of an error."""
    return jsonify(error_body(code, message, fields)), status


def http_error(status: int, code: str):
    """Return a JSON error for an HTTP status, in the caller's language."""
    if not getattr(g, "locale", None):
        choose_locale()
    return error_response(status, code, HTTP_MESSAGES.get(status) or _("Request failed."))


def filter_message(field: str, code: str = "unknown") -> str:
    """Explain, in the caller's language, what is wrong with a query parameter."""
    messages = {
        ("lang", "unknown"): _("Unknown language. Use one of: %(choices)s.", choices=", ".join(LOCALES)),
        ("category", "unknown"): _("Unknown category. Use one of: %(choices)s.", choices=", ".join(CATEGORIES)),
        ("bbox", "malformed"): _("bbox must be four numbers: west,south,east,north."),
        ("bbox", "reversed"): _("bbox is reversed: west must not exceed east, nor south exceed north."),
        ("bbox", "out_of_range"): _(
            "bbox must lie within longitudes -180 to 180 and latitudes -90 to 90."
        ),
    }
    return messages.get((field, code), _("This value is not accepted."))
