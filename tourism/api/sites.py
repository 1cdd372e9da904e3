"""The tourist sites' API: a site's ticketing software reports daily visits with a bearer token."""

import json

from flask import Response, current_app, request
from flask_babel import gettext as _

from tourism.api.auth import authenticated, software_key
from tourism.api.errors import ApiError
from tourism.api.views import bp
from tourism.extensions import client_address, csrf, db, limiter
from tourism.sites import services, tokens
from tourism.sites.models import SiteVisitDay

# A list longer than this is refused: a year and a bit fits, which is what a back-fill needs.
MAX_ITEMS = 400


def _software_key() -> str:
    """Rate-limit a site's software by its token, as the hotels' API does."""
    return software_key("site-token", tokens.hash_token)


def _site():
    return authenticated("sites", tokens.authenticate)


def _body():
    if not request.is_json:
        raise ApiError(400, "unsupported_content_type", _("Send the body as application/json."))
    try:
        data = json.loads(request.get_data(cache=True))
    except (ValueError, RecursionError):
        raise ApiError(400, "malformed_json", _("The body is not valid JSON.")) from None
    if isinstance(data, dict):
        return [data], False
    if isinstance(data, list) and data and all(isinstance(item, dict) for item in data):
        if len(data) > MAX_ITEMS:
            raise ApiError(422, "too_many_items", _("Send at most %(max)s days in one request.", max=MAX_ITEMS))
        return data, True
    raise ApiError(400, "not_an_object", _("The body must be a JSON object or a non-empty list of objects."))


def visit_json(row: SiteVisitDay) -> dict:
    """Return a stored day as the API shows it."""
    return {"date": row.day.isoformat(), "visitors": row.visitors,
            "international_visitors": row.international_visitors, "revenue": row.revenue,
            "source": row.source, "updated_at": row.updated_at.isoformat()}


def _json(status: int, payload) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False), status=status, mimetype="application/json")


@bp.post("/site-visits")
@limiter.limit(lambda: current_app.config["RATELIMIT_HOTEL_API_ADDRESS"], key_func=client_address)
@limiter.limit(lambda: current_app.config["RATELIMIT_HOTEL_API"], key_func=_software_key)
def site_visits():
    site = _site()
    items, many = _body()
    checked, fields = [], {}
    for index, item in enumerate(items):
        try:
            checked.append(services.check_visits(item.get("date"), item.get("visitors"),
                                                 item.get("international_visitors"), item.get("revenue"),
                                                 text_numbers=False))
        except services.SiteError as error:
            prefix = f"{index}." if many else ""
            fields.update({prefix + name: str(message) for name, message in error.fields.items()})
    days = [visits.day for visits in checked]
    if not fields and len(set(days)) != len(days):
        fields["date"] = _("Each date may appear only once in a request.")
    if fields:
        raise ApiError(422, "validation_failed",
                       _("Some fields are not valid: %(fields)s.", fields=", ".join(fields)), fields)
    try:
        rows, created = services.record_many(site, checked, "api")
    except services.SiteError as error:
        db.session.rollback()
        raise ApiError(error.status, error.code, error.message, error.fields) from None
    # 201 when the request created a day; 200 when it only corrected days already stored.
    status = 201 if created else 200
    return _json(status, [visit_json(row) for row in rows] if many else visit_json(rows[0]))


# Bearer tokens, never cookies: a cross-site form cannot carry them, so CSRF does not apply.
csrf.exempt(site_visits)
