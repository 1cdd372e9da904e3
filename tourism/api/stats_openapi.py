"""The open statistics' part of the OpenAPI document (tourism.api.stats)."""

from tourism.warehouse.disclosure import MIN_ESTABLISHMENTS, MIN_GUESTS
from tourism.warehouse.indicators import MAX_MONTHS
from tourism.warehouse.opendata import FILTER_KEYS, PUBLIC_KEYS

JSON_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
MONTH = {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$", "example": "2026-03"}
FILTER_DESCRIPTIONS = {
    "area": "Portal area (ward or commune) slugs.",
    "locality": "Locality slugs (da-lat, mui-ne…).",
    "former_province": "The province before July 2025: lam-dong, binh-thuan or dak-nong.",
    "type": "Establishment types (hotel, homestay…).",
    "class": "Star classes, 1 to 5, or `unrated`.",
    "residence": "Countries of residence, ISO 3166-1 alpha-2.",
    "nationality": "Nationalities, ISO 3166-1 alpha-2.",
    "origin": "`domestic` or `international`, by country of residence.",
    "age_band": "Age bands: 0-14, 15-24, 25-34, 35-44, 45-54, 55-64, 65+.",
    "sex": "F, M or X.",
    "purpose": "Purposes of the visit, as declared at check-in.",
}
SUPPRESSION = (
    f"A cell is suppressed (`suppressed: true`, every figure `null`) when fewer than {MIN_ESTABLISHMENTS} "
    f"establishments contribute to it or it counts fewer than {MIN_GUESTS} guests (arrivals plus same-day "
    "visitors); further cells are suppressed so that no total, published or derivable by asking without one "
    "of the `by` keys, reveals a suppressed cell by subtraction."
)

STATS_ROW = {
    "type": "object",
    "description": "One combination of the `by` keys (each present as its own property: month `YYYY-MM`, "
    "quarter `YYYY-Qn`, year `YYYY`, area, locality, former_province, type, class `1`…`5` or `unrated`, "
    "residence and nationality ISO alpha-2, origin `domestic`|`international`, age_band, sex, purpose). "
    + SUPPRESSION,
    "required": ["arrivals", "same_day", "nights", "average_length_of_stay", "suppressed"],
    "properties": {
        **{key: {"type": "string"} for key in PUBLIC_KEYS},
        "arrivals": {"type": "integer", "minimum": 0, "nullable": True,
                     "description": "Guests staying at least one night, counted on the arrival day."},
        "same_day": {"type": "integer", "minimum": 0, "nullable": True,
                     "description": "Same-day visitors (no night), never included in arrivals."},
        "nights": {"type": "integer", "minimum": 0, "nullable": True,
                   "description": "Nights spent, each in the month it falls in."},
        "average_length_of_stay": {"type": "number", "nullable": True,
                                   "description": "nights / arrivals, 2 decimals; null without arrivals."},
        "room_occupancy": {"type": "number", "minimum": 0, "nullable": True,
                           "description": "Net room occupancy (0–1, 4 decimals): rooms occupied / rooms "
                           "available, days closed excluded. Only when no guest characteristic is asked for."},
        "bed_occupancy": {"type": "number", "minimum": 0, "nullable": True,
                          "description": "Net bed-place occupancy (0–1, 4 decimals): nights / bed places "
                          "available. Only when no guest characteristic is asked for."},
        "suppressed": {"type": "boolean"},
    },
}

STATS_ANSWER = {
    "type": "object",
    "required": ["from", "to", "by", "refreshed_at", "as_of", "rows"],
    "properties": {
        "from": MONTH,
        "to": MONTH,
        "by": {"type": "array", "items": {"type": "string", "enum": list(PUBLIC_KEYS)}},
        "filters": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        "refreshed_at": {"type": "string", "format": "date-time",
                         "description": "When the last successful warehouse refresh finished."},
        "as_of": {"type": "string", "format": "date", "description": "The last day that refresh counted."},
        "suppression": {"type": "object", "properties": {
            "min_establishments": {"type": "integer"}, "min_guests": {"type": "integer"}}},
        "rows": {"type": "array", "items": {"$ref": "#/components/schemas/AccommodationRow"}},
    },
}

STATS_PARAMETERS = [
    {"name": "from", "in": "query", "schema": MONTH,
     "description": "First month, included; by default 11 months before `to`."},
    {"name": "to", "in": "query", "schema": MONTH,
     "description": f"Last month, included; by default the last full month of the last refresh. At most "
     f"{MAX_MONTHS} months from `from`; not before 2000."},
    {"name": "by", "in": "query", "style": "form", "explode": False,
     "description": "Breakdown, comma-separated; one row per combination. By `month` when left out; empty for "
     "one total. At most one of month, quarter, year and one guest characteristic (residence, nationality, "
     "origin, age_band, sex, purpose). Individual establishments are never published.",
     "schema": {"type": "array", "items": {"type": "string", "enum": list(PUBLIC_KEYS)}}},
    *({"name": key, "in": "query", "style": "form", "explode": False, "description": "Only these values: "
       + FILTER_DESCRIPTIONS.get(key, ""), "schema": {"type": "array", "items": {"type": "string"}}}
      for key in FILTER_KEYS),
    {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json", "csv"], "default": "json"},
     "description": "`csv`: the same rows as UTF-8 CSV with a header row, suppressed figures as empty cells."},
    {"name": "lang", "in": "query", "description": "Language of error messages.",
     "schema": {"type": "string"}},
]

STATS_PATHS = {
    "/stats/accommodation": {
        "get": {
            "operationId": "accommodationStatistics",
            "summary": "Arrivals, nights, length of stay and occupancy of the province's establishments",
            "description": "Official indicators (UNWTO IRTS 2008, Eurostat) from the statistics warehouse, as of "
            "its last refresh. " + SUPPRESSION,
            "parameters": STATS_PARAMETERS,
            "responses": {
                "200": {"description": "The figures.", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/AccommodationStatistics"}},
                    "text/csv": {"schema": {"type": "string"}},
                }, "headers": {"ETag": {"description": "Names this answer; it changes with each refresh.",
                                        "schema": {"type": "string"}}}},
                "304": {"description": "Not modified since the answer whose ETag was sent in If-None-Match: "
                        "no refresh has happened since."},
                "400": {"description": "A parameter cannot be used: a malformed month, an unknown, repeated or "
                        "private breakdown, a reversed, too early, too long or future range, an unknown format "
                        "or parameter.", "content": JSON_ERROR},
                "429": {"description": "Too many requests; see Retry-After.", "content": JSON_ERROR},
                "503": {"description": "No statistics yet: the warehouse has never been refreshed.",
                        "content": JSON_ERROR},
            },
        }
    },
}

VISIT_KEYS = ("month", "quarter", "year", "site", "area", "locality")
VISITS_ANSWER = {
    "type": "object",
    "required": ["from", "to", "by", "refreshed_at", "as_of", "rows"],
    "properties": {
        "from": MONTH,
        "to": MONTH,
        "by": {"type": "array", "items": {"type": "string", "enum": list(VISIT_KEYS)}},
        "filters": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        "refreshed_at": {"type": "string", "format": "date-time"},
        "as_of": {"type": "string", "format": "date"},
        "rows": {"type": "array", "items": {
            "type": "object",
            "required": ["visitors", "international_visitors"],
            "properties": {
                **{key: {"type": "string"} for key in VISIT_KEYS},
                "visitors": {"type": "integer", "minimum": 0},
                "international_visitors": {"type": "integer", "minimum": 0,
                                           "description": "Of `visitors`, those from abroad."},
            },
        }},
    },
}
STATS_PATHS["/stats/site-visits"] = {
    "get": {
        "operationId": "siteVisitStatistics",
        "summary": "Visitors of ticketed tourist sites, as their gates counted them",
        "description": "Daily counts the sites report, as of the last warehouse refresh. Never add them to "
        "accommodation guests: one tourist is often both. Sites are public places and nobody is named, so "
        "these figures are not suppressed.",
        "parameters": [
            STATS_PARAMETERS[0], STATS_PARAMETERS[1],
            {"name": "by", "in": "query", "style": "form", "explode": False,
             "description": "Breakdown, comma-separated; by `month` when left out, empty for one total.",
             "schema": {"type": "array", "items": {"type": "string", "enum": list(VISIT_KEYS)}}},
            *({"name": key, "in": "query", "style": "form", "explode": False,
               "description": f"Only these {key} slugs.", "schema": {"type": "array", "items": {"type": "string"}}}
              for key in ("site", "area", "locality")),
            STATS_PARAMETERS[-2], STATS_PARAMETERS[-1],
        ],
        "responses": {
            "200": {"description": "The visits.", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/SiteVisitStatistics"}},
                "text/csv": {"schema": {"type": "string"}},
            }},
            "400": {"description": "A parameter cannot be used.", "content": JSON_ERROR},
            "429": {"description": "Too many requests; see Retry-After.", "content": JSON_ERROR},
            "503": {"description": "No statistics yet: the warehouse has never been refreshed.",
                    "content": JSON_ERROR},
        },
    }
}

STATS_SCHEMAS = {"AccommodationStatistics": STATS_ANSWER, "AccommodationRow": STATS_ROW,
                 "SiteVisitStatistics": VISITS_ANSWER}
