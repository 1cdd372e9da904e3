"""The OpenAPI 3 document of /api/v1, which clients and the tests read."""

from tourism.i18n import LOCALES
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


def document() -> dict:
    """Return the OpenAPI document."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Lâm Đồng tourism API",
            "version": "1",
            "description": "Open data of the Lâm Đồng tourism portal. Errors are JSON "
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
        },
        "components": {
            "schemas": {
                "Error": ERROR,
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
