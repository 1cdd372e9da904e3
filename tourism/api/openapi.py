"""The OpenAPI 3 document of /api/v1, which clients and the tests read."""

from tourism.api.stats_openapi import STATS_PATHS, STATS_SCHEMAS
from tourism.i18n import LOCALES
from tourism.lodging.models import DOCUMENT_TYPES, PURPOSES, ROOM_TYPES, SEXES, STAY_STATUSES
from tourism.map.points import BBOX_PATTERN
from tourism.portal.models import CATEGORIES

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "example": "invalid_bbox"},
                "message": {"type": "string", "description": "For people, in the language asked for."},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    },
}

PLACE_FEATURE = {
    "type": "object",
    "required": ["type", "id", "geometry", "properties"],
    "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "id": {"type": "integer"},
        "geometry": {
            "type": "object",
            "required": ["type", "coordinates"],
            "properties": {
                "type": {"type": "string", "enum": ["Point"]},
                "coordinates": {
                    "type": "array",
                    "description": "Longitude, then latitude (WGS 84), as RFC 7946 orders them.",
                    "items": {"type": "number"},
                    "minItems": 2,
                    "maxItems": 2,
                },
            },
        },
        "properties": {
            "type": "object",
            "required": ["slug", "name", "name_lang", "category", "category_label", "step_free", "url", "image"],
            "properties": {
                "slug": {"type": "string"},
                "name": {"type": "string"},
                "name_lang": {
                    "type": "string",
                    "description": "BCP 47 tag of the name's language; differs from `lang` when no "
                    "translation exists yet and English or Vietnamese stands in.",
                },
                "category": {"type": "string", "enum": list(CATEGORIES)},
                "category_label": {"type": "string"},
                "step_free": {"type": "boolean"},
                "url": {"type": "string", "format": "uri", "description": "The place's page in `lang`."},
                "image": {"type": "string", "format": "uri", "nullable": True},
            },
        },
    },
}

JSON_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}

# -- the hotels' API (tourism.api.lodging) ---------------------------------------------------

GUEST_FIELDS = {
    "full_name": {"type": "string", "maxLength": 200, "example": "Kim Min-ji"},
    "birth_date": {"type": "string", "format": "date", "example": "1990-05-01"},
    "sex": {"type": "string", "enum": list(SEXES)},
    "nationality": {"type": "string", "minLength": 2, "maxLength": 2, "example": "KR",
                    "description": "ISO 3166-1 alpha-2 code."},
    "residence_country": {"type": "string", "minLength": 2, "maxLength": 2, "example": "KR",
                          "description": "ISO 3166-1 alpha-2 code; the nationality when left out."},
    "document_type": {"type": "string", "enum": list(DOCUMENT_TYPES)},
    "purpose": {"type": "string", "enum": list(PURPOSES), "default": "leisure"},
}

GUEST_INPUT = {
    "type": "object",
    "required": ["full_name", "birth_date", "sex", "nationality", "document_type", "document_number"],
    "properties": {
        **GUEST_FIELDS,
        "document_number": {
            "type": "string", "maxLength": 40, "example": "M12345678",
            "description": "A Vietnamese citizen ID has 12 digits; a passport 5 to 12 letters and digits.",
        },
    },
}

GUEST_OUTPUT = {
    "type": "object",
    "required": ["full_name", "birth_date", "sex", "nationality", "residence_country", "document_type",
                 "document_number", "purpose"],
    "properties": {
        **GUEST_FIELDS,
        "full_name": {"type": "string", "nullable": True, "description": "null once purged."},
        "birth_date": {"type": "string", "format": "date", "nullable": True, "description": "null once purged."},
        "document_number": {
            "type": "string", "nullable": True, "example": "•••••678",
            "description": "Masked: only the last three characters; never the full number. null once purged.",
        },
    },
}

STAY_INPUT = {
    "type": "object",
    "required": ["room", "check_in", "check_out", "guests"],
    "properties": {
        "room": {"type": "string", "minLength": 1, "maxLength": 20, "example": "101",
                 "description": "The room's number in the establishment."},
        "check_in": {"type": "string", "format": "date", "description": "Arrival; no later than tomorrow."},
        "check_out": {"type": "string", "format": "date",
                      "description": "Planned departure, on or after check_in (the same day is a same-day stay)."},
        "guests": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/GuestInput"}},
        "group_name": {"type": "string", "maxLength": 120, "description": "For a tour group."},
    },
}

STAY = {
    "type": "object",
    "required": ["id", "room", "check_in", "check_out", "status", "same_day", "nights", "group_name", "guests"],
    "properties": {
        "id": {"type": "integer"},
        "room": {"type": "string"},
        "check_in": {"type": "string", "format": "date"},
        "check_out": {"type": "string", "format": "date"},
        "status": {"type": "string", "enum": list(STAY_STATUSES)},
        "same_day": {"type": "boolean"},
        "nights": {"type": "integer", "minimum": 0},
        "group_name": {"type": "string"},
        "guests": {"type": "array", "items": {"$ref": "#/components/schemas/GuestOutput"}},
    },
}

ROOM = {
    "type": "object",
    "required": ["number", "type", "capacity", "bed_places", "status"],
    "properties": {
        "number": {"type": "string"},
        "type": {"type": "string", "enum": list(ROOM_TYPES)},
        "capacity": {"type": "integer", "minimum": 1},
        "bed_places": {"type": "integer", "minimum": 0},
        "status": {"type": "string", "enum": ["available", "occupied", "out_of_service", "inactive"],
                   "description": "Today's: occupied when a guest sleeps there tonight."},
    },
}

STAY_JSON = {"application/json": {"schema": {"$ref": "#/components/schemas/Stay"}}}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Makes a retry safe: the same key with the same body gets the first answer again "
    "(with `Idempotent-Replayed: true`); with another body, 422; while the first is still running, 409. "
    "Keys are per establishment.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
}
STAY_ID = {"name": "stay_id", "in": "path", "required": True,
           "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647}}
BEARER = [{"bearerAuth": []}]


def _errors(*statuses: int) -> dict:
    descriptions = {
        400: "The body is not a JSON object, or a header is malformed.",
        401: "No token, or an unknown or revoked one.",
        404: "No such stay in this establishment.",
        409: "The room is full, closed or out of service, the guest is already staying, "
        "or a request with this Idempotency-Key is still running.",
        422: "A field is not valid (see `fields`), or the Idempotency-Key was used for another request.",
        429: "Too many requests; see Retry-After.",
    }
    return {str(status): {"description": descriptions[status], "content": JSON_ERROR} for status in statuses}


REPLAYED = {"Idempotent-Replayed": {"description": "Present, `true`, on a replayed answer.",
                                    "schema": {"type": "string", "enum": ["true"]}}}

LODGING_PATHS = {
    "/stays": {
        "post": {
            "operationId": "createStay",
            "summary": "Check guests into a room",
            "security": BEARER,
            "parameters": [IDEMPOTENCY_KEY],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/StayInput"}}}},
            "responses": {
                "201": {"description": "Checked in.", "content": STAY_JSON, "headers": {
                    "Location": {"description": "The stay's address.", "schema": {"type": "string"}}, **REPLAYED}},
                **_errors(400, 401, 409, 422, 429),
            },
        }
    },
    "/stays/{stay_id}": {
        "get": {
            "operationId": "getStay",
            "summary": "One of the establishment's stays",
            "security": BEARER,
            "parameters": [STAY_ID],
            "responses": {"200": {"description": "The stay.", "content": STAY_JSON}, **_errors(401, 404, 429)},
        }
    },
    "/stays/{stay_id}/checkout": {
        "post": {
            "operationId": "checkOutStay",
            "summary": "Check a stay out today, or on check_out; an early departure frees the room",
            "security": BEARER,
            "parameters": [STAY_ID, IDEMPOTENCY_KEY],
            "requestBody": {"required": False, "content": {"application/json": {"schema": {
                "type": "object",
                "properties": {"check_out": {"type": "string", "format": "date",
                                             "description": "The departure day; today when left out."}},
            }}}},
            "responses": {
                "200": {"description": "Checked out.", "content": STAY_JSON, "headers": REPLAYED},
                **_errors(400, 401, 404, 409, 422, 429),
            },
        }
    },
    "/rooms": {
        "get": {
            "operationId": "listRooms",
            "summary": "The establishment's rooms and their status today",
            "security": BEARER,
            "responses": {
                "200": {"description": "Every room, in use or not.", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["rooms"],
                    "properties": {"rooms": {"type": "array", "items": {"$ref": "#/components/schemas/Room"}}},
                }}}},
                **_errors(401, 429),
            },
        }
    },
}


SITE_VISIT_INPUT = {
    "type": "object",
    "required": ["date", "visitors", "international_visitors", "revenue"],
    "properties": {
        "date": {"type": "string", "format": "date",
                 "description": "The day counted: not in the future, at most 3 years back."},
        "visitors": {"type": "integer", "minimum": 0, "maximum": 999999},
        "international_visitors": {"type": "integer", "minimum": 0, "maximum": 999999,
                                   "description": "Of `visitors`, those from abroad; at most `visitors`."},
        "revenue": {"type": "integer", "minimum": 0, "maximum": 9999999999,
                    "description": "Ticket revenue of the day in đồng."},
    },
}
SITE_VISIT = {
    "type": "object",
    "required": ["date", "visitors", "international_visitors", "revenue", "source", "updated_at"],
    "properties": {
        "date": {"type": "string", "format": "date"},
        "visitors": {"type": "integer", "minimum": 0},
        "international_visitors": {"type": "integer", "minimum": 0},
        "revenue": {"type": "integer", "minimum": 0},
        "source": {"type": "string", "enum": ["form", "csv", "api", "demo"]},
        "updated_at": {"type": "string", "format": "date-time"},
    },
}
_SITE_VISITS_JSON = {"application/json": {"schema": {"oneOf": [
    {"$ref": "#/components/schemas/SiteVisit"},
    {"type": "array", "items": {"$ref": "#/components/schemas/SiteVisit"}},
]}}}
SITE_PATHS = {
    "/site-visits": {
        "post": {
            "operationId": "reportSiteVisits",
            "summary": "Report a ticketed site's visits of one day, or of several days as a list",
            "description": "A day already reported is replaced (a correction). The site is the token's.",
            "security": [{"siteBearerAuth": []}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"oneOf": [
                {"$ref": "#/components/schemas/SiteVisitInput"},
                {"type": "array", "minItems": 1, "maxItems": 400,
                 "items": {"$ref": "#/components/schemas/SiteVisitInput"}},
            ]}}}},
            "responses": {
                "201": {"description": "Stored; at least one day is new. The body echoes the request's shape.",
                        "content": _SITE_VISITS_JSON},
                "200": {"description": "Stored; every day replaced an earlier report.", "content": _SITE_VISITS_JSON},
                "400": {"description": "The body is not JSON, or not an object or a list of objects.",
                        "content": JSON_ERROR},
                "401": {"description": "No site token, or an unknown or revoked one.", "content": JSON_ERROR},
                "422": {"description": "A field is not valid (see `fields`; in a list, `N.field`), "
                        "or the list has more than 400 days.",
                        "content": JSON_ERROR},
                "429": {"description": "Too many requests; see Retry-After.", "content": JSON_ERROR},
            },
        }
    },
}


def document() -> dict:
    """Return the OpenAPI document."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Lâm Đồng tourism API",
            "version": "1",
            "description": "Open data of the Lâm Đồng tourism portal, and the API through which "
            "establishments' property-management software checks guests in and out (with a bearer "
            "token a manager creates). Errors are JSON "
            '`{"error": {"code", "message", "fields"}}` with a 4xx status.',
            "license": {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/places": {
                "get": {
                    "operationId": "listPlaces",
                    "summary": "Places of the province as a GeoJSON FeatureCollection",
                    "parameters": [
                        {
                            "name": "category",
                            "in": "query",
                            "description": "Only these categories; comma-separated or repeated.",
                            "schema": {"type": "array", "items": {"type": "string", "enum": list(CATEGORIES)}},
                            "style": "form",
                            "explode": False,
                        },
                        {
                            "name": "bbox",
                            "in": "query",
                            "description": "Only inside west,south,east,north, in degrees (WGS 84).",
                            "schema": {"type": "string", "pattern": BBOX_PATTERN, "example": "108.3,11.8,108.6,12.1"},
                        },
                        {
                            "name": "lang",
                            "in": "query",
                            "description": "Language of names, labels and links; by default, from "
                            "Accept-Language, else Vietnamese.",
                            "schema": {"type": "string", "enum": list(LOCALES)},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "The places that match.",
                            "content": {
                                "application/geo+json": {
                                    "schema": {"$ref": "#/components/schemas/PlaceCollection"}
                                }
                            },
                        },
                        "400": {"description": "A parameter cannot be used.", "content": JSON_ERROR},
                        "429": {"description": "Too many requests; see Retry-After.", "content": JSON_ERROR},
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapiDocument",
                    "summary": "This document",
                    "responses": {"200": {"description": "OpenAPI 3 document", "content": {"application/json": {}}}},
                }
            },
            **LODGING_PATHS,
            **STATS_PATHS,
            **SITE_PATHS,
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer",
                               "description": "An establishment's API token, from its manager or "
                               "`flask lodging token --establishment SLUG`."},
                "siteBearerAuth": {"type": "http", "scheme": "bearer",
                                   "description": "A ticketed site's API token, from "
                                   "`flask sites token --site SLUG`."},
            },
            "schemas": {
                "Error": ERROR,
                **STATS_SCHEMAS,
                "GuestInput": GUEST_INPUT,
                "GuestOutput": GUEST_OUTPUT,
                "StayInput": STAY_INPUT,
                "Stay": STAY,
                "Room": ROOM,
                "SiteVisitInput": SITE_VISIT_INPUT,
                "SiteVisit": SITE_VISIT,
                "PlaceFeature": PLACE_FEATURE,
                "PlaceCollection": {
                    "type": "object",
                    "required": ["type", "features"],
                    "properties": {
                        "type": {"type": "string", "enum": ["FeatureCollection"]},
                        "features": {"type": "array", "items": {"$ref": "#/components/schemas/PlaceFeature"}},
                    },
                },
            }
        },
    }
