"""Public API endpoints: places as GeoJSON, and the OpenAPI document."""

import json

from flask import Blueprint, Response, current_app, g, request

from tourism.api import openapi as openapi_spec
from tourism.api.errors import ApiError, Unauthorized, choose_locale, error_response, filter_message
from tourism.extensions import cache, limiter
from tourism.i18n import LOCALES
from tourism.map import geojson
from tourism.map.points import BadFilter, MapFilters, parse_bbox, parse_layers, place_points
from tourism.portal.models import CATEGORIES
from tourism.portal.services import content_version

bp = Blueprint("api", __name__, url_prefix="/api/v1")
limiter.limit(lambda: current_app.config["RATELIMIT_API"])(bp)


@bp.before_request
def _locale():
    choose_locale()


@bp.after_request
def _open_to_other_sites(response):
    # Read-only open data: any site may call it from the browser (no cookies are involved).
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    return error_response(error.status, error.code, error.message, error.fields)


@bp.errorhandler(Unauthorized)
def _unauthorized(error: Unauthorized):
    body, status = error_response(error.status, error.code, error.message)
    body.headers["WWW-Authenticate"] = f'Bearer realm="{error.realm}"'
    return body, status


@bp.get("/places")
def places():
    lang = request.args.get("lang")
    if lang is not None and lang not in LOCALES:
        raise ApiError(400, "invalid_lang", filter_message("lang"), {"lang": filter_message("lang")})
    try:
        layers = parse_layers(request.args.getlist("category"))
        if set(layers) - set(CATEGORIES):
            raise BadFilter("category", "unknown")
        bbox = parse_bbox(request.args["bbox"]) if request.args.get("bbox") is not None else None
    except BadFilter as bad:
        message = filter_message(bad.field, bad.code)
        raise ApiError(400, f"invalid_{bad.field}", message, {bad.field: message}) from None
    # Without `lang`, names come in the caller's Accept-Language, as on the site's front door.
    locale = g.locale
    filters = MapFilters(layers=layers, bbox=bbox)
    key = f"api:places:{content_version()}:{locale}:{filters.key()}:{request.host}"
    body = cache.get(key)
    if body is None:
        collection = geojson.feature_collection(place_points(filters, None, locale), locale)
        body = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
        cache.set(key, body, timeout=3600)
    response = Response(body, mimetype="application/geo+json")
    if lang is None:
        response.vary.add("Accept-Language")
    return response


@bp.get("/openapi.json")
def openapi():
    return Response(json.dumps(openapi_spec.document(), ensure_ascii=False, indent=1), mimetype="application/json")
