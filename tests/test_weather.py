"""Weather from a real local HTTP server standing in for Open-Meteo."""

import json
import threading
import time
from datetime import date, timedelta

import pytest
from werkzeug import Response

from tourism.extensions import cache
from tourism.portal import weather


def open_meteo_location(lat, lon, temperature):
    today = date(2026, 11, 22)
    days = [(today + timedelta(days=i)).isoformat() for i in range(4)]
    return {
        "latitude": lat,
        "longitude": lon,
        "timezone": "Asia/Ho_Chi_Minh",
        "current": {
            "time": "2026-11-22T10:00",
            "temperature_2m": temperature,
            "relative_humidity_2m": 81,
            "weather_code": 61,
            "wind_speed_10m": 7.4,
        },
        "daily": {
            "time": days,
            "weather_code": [3, 0, 2, 95],
            "temperature_2m_max": [23.0, 24.5, 22.1, 21.0],
            "temperature_2m_min": [15.0, 14.2, 15.5, 16.0],
            "precipitation_probability_max": [80, 10, 30, 90],
        },
    }


NORMAL = [open_meteo_location(11.94, 108.46, 18.3), open_meteo_location(10.93, 108.10, 29.6)]


@pytest.fixture
def weather_server(app, httpserver):
    app.config["WEATHER_URL"] = httpserver.url_for("").rstrip("/")
    cache.clear()
    yield httpserver
    app.config["WEATHER_URL"] = "http://127.0.0.1:9"
    cache.clear()


def test_normal_answer_shows_current_and_three_days(client, weather_server):
    weather_server.expect_request("/v1/forecast").respond_with_json(NORMAL)
    html = client.get("/en/").get_data(as_text=True)
    assert "18.3 °C" in html and "29.6 °C" in html
    assert "Rain" in html and "Thunderstorm" in html
    assert "weather service is unavailable" not in html
    request, _ = weather_server.log[0]
    assert request.args["latitude"] == "11.9404,10.928"
    assert "temperature_2m" in request.args["current"]
    assert request.args["forecast_days"] == "4"


def test_weather_is_localized(client, weather_server):
    weather_server.expect_request("/v1/forecast").respond_with_json(NORMAL)
    html = client.get("/fr/").get_data(as_text=True)
    assert "18,3" in html  # French decimal comma


def test_answers_are_cached(client, weather_server):
    weather_server.expect_request("/v1/forecast").respond_with_json(NORMAL)
    for locale in ("en", "vi", "ko"):
        client.get(f"/{locale}/")
    assert len(weather_server.log) == 1


def test_cache_lasts_at_least_ten_minutes(app):
    assert app.config["WEATHER_CACHE_SECONDS"] >= 600


def test_slow_service_gives_unavailable(client, weather_server, app):
    answered = threading.Event()

    def slow(request):
        time.sleep(app.config["WEATHER_TIMEOUT"] + 1.5)
        answered.set()
        return Response(json.dumps(NORMAL), content_type="application/json")

    weather_server.expect_request("/v1/forecast").respond_with_handler(slow)
    html = client.get("/en/").get_data(as_text=True)
    answered.wait(10)  # let the late answer finish before the next test reuses the server
    # Had we waited, the server would have answered with real figures.
    assert "weather service is unavailable" in html
    assert "18.3 °C" not in html


def test_server_error_gives_unavailable_and_is_not_retried_at_once(client, weather_server):
    weather_server.expect_request("/v1/forecast").respond_with_data("boom", status=500)
    assert "weather service is unavailable" in client.get("/en/").get_data(as_text=True)
    client.get("/ko/")
    assert len(weather_server.log) == 1


@pytest.mark.parametrize(
    "body",
    [
        "not json at all",
        "{}",
        "[]",
        json.dumps([{"current": {}}, {"current": {}}]),
        json.dumps([{**NORMAL[0], "current": {**NORMAL[0]["current"], "temperature_2m": "hot"}}, NORMAL[1]]),
        json.dumps([{**NORMAL[0], "daily": {**NORMAL[0]["daily"], "time": ["2026-11-22"]}}, NORMAL[1]]),
        json.dumps(NORMAL[0]),
        json.dumps([NORMAL[0], NORMAL[1], NORMAL[1]]),
        json.dumps([{**NORMAL[0], "daily": {**NORMAL[0]["daily"], "time": ["x"] * 4}}, NORMAL[1]]),
    ],
)
def test_malformed_answers_give_unavailable(client, weather_server, body):
    weather_server.expect_request("/v1/forecast").respond_with_data(body, content_type="application/json")
    response = client.get("/en/")
    assert response.status_code == 200
    assert "weather service is unavailable" in response.get_data(as_text=True)


def test_parse_location_reads_three_following_days():
    city = weather.parse_location(NORMAL[0], "da-lat")
    assert city.temperature == 18.3
    assert [d.day.isoformat() for d in city.forecast] == ["2026-11-23", "2026-11-24", "2026-11-25"]
    assert city.forecast[2].code == 95
