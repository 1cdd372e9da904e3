"""The public API: places as GeoJSON, its OpenAPI document and its JSON errors."""

import pytest
import sqlalchemy as sa
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from tourism.portal.models import CATEGORIES, PROVINCE_BOUNDS, Place


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def schema_validator(spec, name):
    schema = {**spec["components"]["schemas"][name], "components": spec["components"]}
    return OAS30Validator(schema)


def test_openapi_document_is_valid(spec):
    validate(spec)
    assert "/places" in spec["paths"]


def test_places_are_valid_geojson_inside_the_province(client, db, spec):
    response = client.get("/api/v1/places?lang=en")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    collection = response.get_json()
    errors = list(schema_validator(spec, "PlaceCollection").iter_errors(collection))
    assert errors == []
    assert len(collection["features"]) == db.session.scalar(sa.select(sa.func.count(Place.id)))
    (lat_min, lat_max), (lon_min, lon_max) = PROVINCE_BOUNDS["lat"], PROVINCE_BOUNDS["lon"]
    for feature in collection["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert lat_min <= lat <= lat_max and lon_min <= lon <= lon_max
        assert feature["properties"]["url"].endswith(f"/en/places/{feature['properties']['slug']}")
        assert feature["properties"]["category"] in CATEGORIES


def test_category_and_bbox_filter(client):
    nature = client.get("/api/v1/places?category=nature").get_json()["features"]
    assert nature and all(f["properties"]["category"] == "nature" for f in nature)
    two = client.get("/api/v1/places?category=nature,food").get_json()["features"]
    assert {f["properties"]["category"] for f in two} == {"nature", "food"}
    assert client.get("/api/v1/places?category=nature&category=food").get_json()["features"] == two
    box = client.get("/api/v1/places?bbox=108.2,10.9,108.35,11.0").get_json()["features"]
    assert box
    for feature in box:
        lon, lat = feature["geometry"]["coordinates"]
        assert 108.2 <= lon <= 108.35 and 10.9 <= lat <= 11.0
    assert client.get("/api/v1/places?bbox=0,0,1,1").get_json()["features"] == []


def test_lang_chooses_names_and_links(client):
    korean = client.get("/api/v1/places?lang=ko&category=sights").get_json()["features"]
    lake = next(f for f in korean if f["properties"]["slug"] == "ho-xuan-huong")
    assert lake["properties"]["name_lang"] == "ko"
    assert "/ko/places/ho-xuan-huong" in lake["properties"]["url"]
    default = client.get("/api/v1/places", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert "/fr/places/" in default.get_json()["features"][0]["properties"]["url"]
    assert "Accept-Language" in default.headers["Vary"]


@pytest.mark.parametrize(
    "query, code",
    [
        ("category=volcanoes", "invalid_category"),
        ("category=nature,", None),
        ("category=events", "invalid_category"),
        ("bbox=1,2,3", "invalid_bbox"),
        ("bbox=a,b,c,d", "invalid_bbox"),
        ("bbox=nan,1,2,3", "invalid_bbox"),
        ("bbox=108.5,11,108.2,12", "invalid_bbox"),
        ("bbox=200,0,201,1", "invalid_bbox"),
        ("bbox=", "invalid_bbox"),
        ("lang=xx", "invalid_lang"),
        ("lang=", "invalid_lang"),
    ],
)
def test_bad_parameters_get_a_json_400(client, spec, query, code):
    response = client.get(f"/api/v1/places?{query}")
    if code is None:
        assert response.status_code == 200
        return
    assert response.status_code == 400
    body = response.get_json()
    assert list(schema_validator(spec, "Error").iter_errors(body)) == []
    assert body["error"]["code"] == code
    assert body["error"]["fields"]


def test_errors_speak_the_callers_language(client):
    english = client.get("/api/v1/places?bbox=1,2,3&lang=en").get_json()["error"]["message"]
    french = client.get("/api/v1/places?bbox=1,2,3&lang=fr").get_json()["error"]["message"]
    assert english != french
    assert "bbox" in french
    missing = client.get("/api/v1/nothing", headers={"Accept-Language": "ja"})
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"
    assert missing.get_json()["error"]["message"] != "Nothing was found at this address."


def test_api_is_rate_limited(app, client):
    app.config["RATELIMIT_API"] = "3 per minute"
    try:
        responses = [client.get("/api/v1/places?category=food") for _ in range(4)]
    finally:
        app.config["RATELIMIT_API"] = "600 per minute"
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert responses[-1].get_json()["error"]["code"] == "too_many_requests"
    assert responses[-1].headers["Retry-After"]
