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


# Secrets that appear in docs, examples or tests; production must not run with them.
KNOWN_WEAK_SECRETS = frozenset({"dev", "secret", "changeme", "change-me", "test-secret-key", "development"})
MIN_SECRET_LENGTH = 32


class ConfigurationError(RuntimeError):
    """Raised when the environment cannot run the app safely."""


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _check_production_secrets(env) -> None:
    secret = env.get("SECRET_KEY", "")
    if not secret:
        raise ConfigurationError("SECRET_KEY must be set in production")
    if secret.lower() in KNOWN_WEAK_SECRETS or len(secret) < MIN_SECRET_LENGTH:
        raise ConfigurationError(
            f"SECRET_KEY is a default or too short; use at least {MIN_SECRET_LENGTH} random characters"
        )
    if not env.get("DATA_KEY"):
        raise ConfigurationError("DATA_KEY must be set in production")
    if len(env["DATA_KEY"]) < MIN_SECRET_LENGTH:
        raise ConfigurationError(f"DATA_KEY is too short; use at least {MIN_SECRET_LENGTH} random characters")


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
    if production:
        _check_production_secrets(env)

    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'tourism.db'}"
    # The statistics warehouse is its own database, so analysts' queries never slow the front desks.
    warehouse_url = env.get("WAREHOUSE_DATABASE_URL") or f"sqlite:///{instance_path / 'warehouse.db'}"
    redis_url = env.get("REDIS_URL", "")
    settings = {
        "PRODUCTION": production,
        "SECRET_KEY": env.get("SECRET_KEY") or _instance_secret(instance_path, "secret_key"),
        # Encrypts guests' document numbers; a laptop gets a random one kept in instance/.
        "DATA_KEY": env.get("DATA_KEY") or _instance_secret(instance_path, "data_key"),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_BINDS": {"warehouse": normalise_database_url(warehouse_url)},
        # Each refresh recomputes at least this many days back (closures, rooms, nights passing), and
        # re-reads rows changed this many minutes before the last one's high-water mark (late commits).
        "WAREHOUSE_LOOKBACK_DAYS": int(env.get("WAREHOUSE_LOOKBACK_DAYS", "7")),
        "WAREHOUSE_COMMIT_MARGIN_MINUTES": int(env.get("WAREHOUSE_COMMIT_MARGIN_MINUTES", "60")),
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
        # `__Host-` cookies must be Secure, host-only and path=/, so only production can use them.
        "SESSION_COOKIE_NAME": "__Host-session" if production else "session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_NAME": "__Host-remember" if production else "remember_token",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "SESSION_IDLE_MINUTES": int(env.get("SESSION_IDLE_MINUTES", "60")),
        "SESSION_ABSOLUTE_HOURS": int(env.get("SESSION_ABSOLUTE_HOURS", "12")),
        "REMEMBER_DAYS": int(env.get("REMEMBER_DAYS", "30")),
        "EMAIL_TOKEN_HOURS": int(env.get("EMAIL_TOKEN_HOURS", "48")),
        "RESET_TOKEN_MINUTES": int(env.get("RESET_TOKEN_MINUTES", "60")),
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        # Number of reverse proxies in front of the app whose X-Forwarded-For may be trusted.
        "PROXY_COUNT": int(env.get("PROXY_COUNT", "0")),
        "RATELIMIT_ENABLED": _flag(env.get("RATELIMIT_ENABLED"), default=True),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_KEY_PREFIX": "tourism-limits",
        "RATELIMIT_SIGN_IN_IP": env.get("RATELIMIT_SIGN_IN_IP", "20 per 10 minutes"),
        "RATELIMIT_SIGN_IN_ACCOUNT": env.get("RATELIMIT_SIGN_IN_ACCOUNT", "5 per 10 minutes"),
        "RATELIMIT_SIGN_UP": env.get("RATELIMIT_SIGN_UP", "10 per hour"),
        "RATELIMIT_EMAIL": env.get("RATELIMIT_EMAIL", "5 per hour"),
        "RATELIMIT_API": env.get("RATELIMIT_API", "600 per minute"),
        # The hotels' API: per token, and per address across all tokens (a PMS vendor's servers).
        "RATELIMIT_HOTEL_API": env.get("RATELIMIT_HOTEL_API", "600 per minute"),
        "RATELIMIT_HOTEL_API_ADDRESS": env.get("RATELIMIT_HOTEL_API_ADDRESS", "6000 per minute"),
        # Without MAIL_SERVER, mail goes to the log and the admins' outbox instead of SMTP.
        "MAIL_SERVER": env.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(env.get("MAIL_PORT", "587")),
        "MAIL_USE_TLS": _flag(env.get("MAIL_USE_TLS"), default=True),
        "MAIL_USE_SSL": _flag(env.get("MAIL_USE_SSL")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "Lâm Đồng Tourism <no-reply@localhost>"),
        "MAIL_TIMEOUT": float(env.get("MAIL_TIMEOUT", "10")),
        # Lodging: personal fields of stays that ended longer ago than this are purged.
        "RETENTION_DAYS": int(env.get("RETENTION_DAYS", str(3 * 365))),
        # The police residence-declaration endpoint; unset means declarations wait in the outbox.
        "DECLARATION_URL": env.get("DECLARATION_URL", "").rstrip("/"),
        "DECLARATION_TOKEN": env.get("DECLARATION_TOKEN", ""),
        "DECLARATION_TIMEOUT": float(env.get("DECLARATION_TIMEOUT", "10")),
        "DECLARATION_MAX_ATTEMPTS": int(env.get("DECLARATION_MAX_ATTEMPTS", "8")),
        "IMPORT_MAX_ROWS": int(env.get("IMPORT_MAX_ROWS", "200000")),
    }
    if env.get("JOBS_INLINE"):
        # Unset, core.jobs runs jobs inline only under TESTING.
        settings["JOBS_INLINE"] = _flag(env["JOBS_INLINE"])
    return settings
