"""Current weather and a 3-day forecast from Open-Meteo, cached, degrading to "unavailable"."""

import logging
import time
from dataclasses import dataclass
from datetime import date

import requests
from flask import current_app
from flask_babel import lazy_gettext as _l

from tourism.extensions import cache

log = logging.getLogger(__name__)

CACHE_KEY = "weather:v1"
CONNECT_TIMEOUT = 0.5
FORECAST_DAYS = 3

# (slug, latitude, longitude). Names are translated in the template.
CITIES = (
    ("da-lat", 11.9404, 108.4583),
    ("phan-thiet", 10.9280, 108.1020),
)

# WMO weather interpretation codes, as Open-Meteo documents them, grouped for people.
CONDITIONS = (
    ({0}, "clear", _l("Clear sky"), "☀️"),
    ({1, 2}, "partly-cloudy", _l("Partly cloudy"), "⛅"),
    ({3}, "overcast", _l("Overcast"), "☁️"),
    ({45, 48}, "fog", _l("Fog"), "🌫️"),
    ({51, 53, 55, 56, 57}, "drizzle", _l("Drizzle"), "🌦️"),
    ({61, 63, 65, 66, 67}, "rain", _l("Rain"), "🌧️"),
    ({80, 81, 82}, "showers", _l("Rain showers"), "🌦️"),
    ({71, 73, 75, 77, 85, 86}, "snow", _l("Snow"), "🌨️"),
    ({95, 96, 99}, "thunderstorm", _l("Thunderstorm"), "⛈️"),
)


@dataclass(frozen=True)
class DayForecast:
    day: date
    code: int
    temperature_min: float
    temperature_max: float
    precipitation_probability: int | None


@dataclass(frozen=True)
class CityWeather:
    city: str
    temperature: float
    code: int
    wind_speed: float
    humidity: int | None
    forecast: tuple[DayForecast, ...]


def condition(code: int) -> tuple[str, object, str]:
    """Return (css name, translated label, symbol) for a WMO weather code."""
    for codes, name, label, symbol in CONDITIONS:
        if code in codes:
            return name, label, symbol
    return "unknown", _l("Unknown"), "·"


class WeatherError(ValueError):
    """The weather service answered something we cannot use."""


def _number(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise WeatherError(f"not a number: {value!r}")
    return float(value)


def parse_location(payload: dict, city: str) -> CityWeather:
    """Turn one Open-Meteo location object into a CityWeather, or raise WeatherError."""
    try:
        current, daily = payload["current"], payload["daily"]
        days = daily["time"]
        if not isinstance(days, list) or len(days) < FORECAST_DAYS + 1:
            raise WeatherError("forecast too short")
        forecast = []
        # Index 0 is today; the forecast shows the three days after it.
        for index in range(1, FORECAST_DAYS + 1):
            probability = (daily.get("precipitation_probability_max") or [None] * len(days))[index]
            forecast.append(
                DayForecast(
                    day=date.fromisoformat(days[index]),
                    code=int(_number(daily["weather_code"][index])),
                    temperature_min=_number(daily["temperature_2m_min"][index]),
                    temperature_max=_number(daily["temperature_2m_max"][index]),
                    precipitation_probability=None if probability is None else int(_number(probability)),
                )
            )
        humidity = current.get("relative_humidity_2m")
        return CityWeather(
            city=city,
            temperature=_number(current["temperature_2m"]),
            code=int(_number(current["weather_code"])),
            wind_speed=_number(current["wind_speed_10m"]),
            humidity=None if humidity is None else int(_number(humidity)),
            forecast=tuple(forecast),
        )
    except (KeyError, IndexError, TypeError, AttributeError) as error:
        raise WeatherError(f"unexpected shape: {error!r}") from error


def fetch_weather() -> list[CityWeather]:
    """Ask Open-Meteo for every city in one request; raise on any failure."""
    config = current_app.config
    params = {
        "latitude": ",".join(str(lat) for _, lat, _ in CITIES),
        "longitude": ",".join(str(lon) for _, _, lon in CITIES),
        "current": "temperature_2m,relative_humidity_2m,weather_code,wind_speed_10m",
        "daily": "weather_code,temperature_2m_max,temperature_2m_min,precipitation_probability_max",
        "timezone": "Asia/Ho_Chi_Minh",
        "forecast_days": FORECAST_DAYS + 1,
    }
    response = requests.get(
        f"{config['WEATHER_URL']}/v1/forecast",
        params=params,
        timeout=(CONNECT_TIMEOUT, config["WEATHER_TIMEOUT"]),
    )
    response.raise_for_status()
    payload = response.json()
    # One location comes back as an object, several as a list of objects.
    locations = payload if isinstance(payload, list) else [payload]
    if len(locations) != len(CITIES) or not all(isinstance(p, dict) for p in locations):
        raise WeatherError("wrong number of locations")
    return [parse_location(p, slug) for p, (slug, _, _) in zip(locations, CITIES, strict=True)]


def current_weather() -> list[CityWeather] | None:
    """Return cached weather for the cities, or None while the service is unavailable."""
    cached = cache.get(CACHE_KEY)
    if cached is not None:
        return cached["cities"]
    config = current_app.config
    started = time.monotonic()
    try:
        cities = fetch_weather()
    except (requests.RequestException, ValueError) as error:
        log.warning("weather unavailable after %.2fs: %s", time.monotonic() - started, error)
        # Remember the failure briefly so a down service does not slow every page.
        cache.set(CACHE_KEY, {"cities": None}, timeout=config["WEATHER_RETRY_SECONDS"])
        return None
    cache.set(CACHE_KEY, {"cities": cities}, timeout=config["WEATHER_CACHE_SECONDS"])
    return cities
