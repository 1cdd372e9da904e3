"""Fixtures: one app per database backend, demo content loaded once, each test rolled back."""

import os
import re
import threading

import pytest
import sqlalchemy as sa
from flask import g, request_started
from flask_migrate import upgrade
from werkzeug.serving import make_server

from tourism import create_app
from tourism.accounts.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo_accounts
from tourism.config import normalise_database_url
from tourism.extensions import cache, db, limiter
from tourism.portal.demo import load_demo_content

# A closed local port: any weather call fails fast unless a test points WEATHER_URL elsewhere.
UNREACHABLE_URL = "http://127.0.0.1:9"


def backends() -> list[str]:
    """SQLite always; PostgreSQL too when TEST_DATABASE_URL is set."""
    return ["sqlite", "postgresql"] if os.environ.get("TEST_DATABASE_URL") else ["sqlite"]


def _reset_postgresql(url: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    except sa.exc.OperationalError as error:
        # CI sets TEST_DATABASE_URL; an unreachable database must fail the run, not skip it.
        pytest.fail(f"TEST_DATABASE_URL is set but PostgreSQL is unreachable: {error}", pytrace=False)
    finally:
        engine.dispose()


def warehouse_url_for(database_url: str) -> str:
    """The warehouse's own database beside the lodging one: a second file, or a second PostgreSQL database."""
    if database_url.startswith("sqlite:///"):
        return database_url.removesuffix(".db") + "-warehouse.db"
    url = sa.engine.make_url(database_url)
    return url.set(database=f"{url.database}_warehouse").render_as_string(hide_password=False)


def _create_postgresql_database(url: str) -> None:
    url = sa.engine.make_url(url)
    engine = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database})
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    finally:
        engine.dispose()


def settings_for(database_url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATA_KEY": "test-data-key-0123456789abcdef0123456789",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_BINDS": {"warehouse": warehouse_url_for(database_url)},
        "CACHE_TYPE": "SimpleCache",
        "CACHE_REDIS_URL": None,
        "PAGE_CACHE_SECONDS": 0,
        "WEATHER_URL": UNREACHABLE_URL,
        "SERVER_NAME": None,
        # CI sets TEST_REDIS_URL so that the rate limits are exercised on Redis too.
        "RATELIMIT_STORAGE_URI": os.environ.get("TEST_REDIS_URL") or "memory://",
        "MAIL_SERVER": "",
    }


@pytest.fixture(scope="session", params=backends())
def database_url(request, tmp_path_factory) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    url = normalise_database_url(os.environ["TEST_DATABASE_URL"])
    _reset_postgresql(url)
    _create_postgresql_database(warehouse_url_for(url))
    _reset_postgresql(warehouse_url_for(url))
    return url


def _check_redis() -> None:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        return
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.fail(f"TEST_REDIS_URL is set but Redis is unreachable: {error}", pytrace=False)


def _fresh_g(sender, **extra):
    # Each test keeps one app context open (for db.session), and Flask reuses an open app
    # context for requests, so `g` would leak from one request to the next. In production
    # every request has its own; give each test request a clean one too.
    g.__dict__.clear()


@pytest.fixture(scope="session")
def app(database_url):
    """The app on a fresh database, migrated with Alembic and loaded with the demo content."""
    app = create_app(settings_for(database_url))
    request_started.connect(_fresh_g, app)
    _check_redis()
    with app.app_context():
        upgrade()
        load_demo_content()
        load_demo_accounts()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture(autouse=True)
def _rollback(request, app):
    """Run each test inside transactions, one per database, that are rolled back afterwards."""
    with app.app_context():
        engines = db.engines
        originals = {key: engines[key] for key in (None, "warehouse")}
        connections = {key: engine.connect() for key, engine in originals.items()}
        transactions = [connection.begin() for connection in connections.values()]
        original_session = db.session
        # Flask-SQLAlchemy picks binds from its engine map, so point it at our connections.
        engines.update(connections)
        db.session = db._make_scoped_session({"join_transaction_mode": "create_savepoint"})
        cache.clear()
        limiter.reset()
        try:
            yield db
        finally:
            db.session.remove()
            db.session = original_session
            engines.update(originals)
            for transaction in transactions:
                transaction.rollback()
            for connection in connections.values():
                connection.close()


@pytest.fixture(scope="session")
def unreachable_db_app():
    """An app whose database does not answer, for readiness checks."""
    return create_app(settings_for("postgresql+psycopg://nobody@127.0.0.1:9/none"))


@pytest.fixture(name="db")
def db_fixture(_rollback):
    """The database extension, its session inside the test's rolled-back transaction."""
    return _rollback


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ctx(app):
    """A request context in English, for calling services and helpers directly."""
    with app.test_request_context("/en/"):
        from flask import g

        g.locale = "en"
        yield


class LiveServer:
    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture(scope="session")
def live_server(app, database_url):
    """The app served over HTTP on 127.0.0.1, on the same database, for the browser."""
    served = create_app(settings_for(database_url))
    server = LiveServer(served).start()
    yield server
    server.stop()
    with served.app_context():
        db.engine.dispose()


# One demo account per role, by role name.
ROLE_EMAILS = {role: email for email, role, _name, _establishment, _locale in DEMO_ACCOUNTS}
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str) -> str:
    """Fetch a page and return the CSRF token of its form."""
    response = client.get(path)
    match = CSRF_FIELD.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({response.status_code})"
    return match.group(1)


def sign_in(client, email: str, password: str = DEMO_PASSWORD, remember: bool = False):
    """Sign in through the real form; return the response."""
    data = {"email": email, "password": password, "csrf_token": csrf_token(client, "/en/account/sign-in")}
    if remember:
        data["remember"] = "y"
    return client.post("/en/account/sign-in", data=data)


@pytest.fixture
def sign_in_as(client):
    """Sign the test client in as the demo account of a role."""

    def _sign_in(role: str):
        response = sign_in(client, ROLE_EMAILS[role])
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _sign_in


# -- lodging ---------------------------------------------------------------------------------

def guest(**overrides) -> dict:
    """A valid guest as the API and the services take it; override any field."""
    data = {
        "full_name": "Kim Min-ji",
        "birth_date": "1990-05-01",
        "sex": "F",
        "nationality": "KR",
        "residence_country": "KR",
        "document_type": "passport",
        "document_number": "M12345678",
        "purpose": "leisure",
    }
    data.update(overrides)
    return data


def vietnamese_guest(number: str = "079190001234", **overrides) -> dict:
    """A valid Vietnamese guest with a citizen ID."""
    return guest(full_name="Nguyễn Văn An", sex="M", nationality="VN", residence_country="VN",
                 document_type="national_id", document_number=number, **overrides)


@pytest.fixture
def establishment(app):
    """Đồi Thông Homestay: approved, six rooms, the demo staff and manager belong to it."""
    from tourism.lodging.models import Establishment

    return db.session.scalar(sa.select(Establishment).where(Establishment.slug == "doi-thong-homestay"))


@pytest.fixture
def other_establishment(app):
    """Mũi Né Sea Breeze Resort: another establishment, whose data the demo staff must never see."""
    from tourism.lodging.models import Establishment

    return db.session.scalar(sa.select(Establishment).where(Establishment.slug == "mui-ne-sea-breeze-resort"))
