"""Configuration read from the environment when the app is created, never at import."""

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DEFAULT_WEATHER_URL = "https://api.open-meteo.com"
DEFAULT_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_TILE_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)


class ConfigurationError(RuntimeError):
    """Raised when the environment cannot run the app safely."""


def normalise_database_url(url: str) -> str:
    """Point PostgreSQL URLs at the psycopg 3 driver that requirements.txt installs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _instance_secret(instance_path: Path, name: str) -> str:
    """Return a random development secret kept in `instance/`, creating it on first use."""
    path = instance_path / name
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def from_environment(instance_path: Path, environ=None) -> dict:
    """Build the settings dictionary from environment variables."""
    env = os.environ if environ is None else environ
    production = env.get("TOURISM_ENV", "development") == "production"
    if production and not env.get("SECRET_KEY"):
        raise ConfigurationError("SECRET_KEY must be set in production")
    if production and not env.get("DATA_KEY"):
        raise ConfigurationError("DATA_KEY must be set in production")

    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'tourism.db'}"
    redis_url = env.get("REDIS_URL", "")
    settings = {
        "PRODUCTION": production,
        "SECRET_KEY": env.get("SECRET_KEY") or _instance_secret(instance_path, "secret_key"),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        "CACHE_TYPE": "RedisCache" if redis_url else "SimpleCache",
        "CACHE_REDIS_URL": redis_url or None,
        "CACHE_DEFAULT_TIMEOUT": 600,
        "CACHE_KEY_PREFIX": "tourism:",
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        "BOOTSTRAP_SERVE_LOCAL": True,
        "WEATHER_URL": env.get("WEATHER_URL", DEFAULT_WEATHER_URL).rstrip("/"),
        "WEATHER_TIMEOUT": float(env.get("WEATHER_TIMEOUT", "1.5")),
        "WEATHER_CACHE_SECONDS": int(env.get("WEATHER_CACHE_SECONDS", "900")),
        "WEATHER_RETRY_SECONDS": int(env.get("WEATHER_RETRY_SECONDS", "60")),
        "TILE_URL": env.get("TILE_URL", DEFAULT_TILE_URL),
        "TILE_ATTRIBUTION": env.get("TILE_ATTRIBUTION", DEFAULT_TILE_ATTRIBUTION),
        "PAGE_CACHE_SECONDS": int(env.get("PAGE_CACHE_SECONDS", "300")),
        "SITE_URL": env.get("SITE_URL", "").rstrip("/"),
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
    }
    return settings
