"""Fixtures: one app per database backend, demo content loaded once, each test rolled back."""

import os
import threading

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from werkzeug.serving import make_server

from tourism import create_app
from tourism.config import normalise_database_url
from tourism.extensions import cache, db
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


def settings_for(database_url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "CACHE_TYPE": "SimpleCache",
        "CACHE_REDIS_URL": None,
        "PAGE_CACHE_SECONDS": 0,
        "WEATHER_URL": UNREACHABLE_URL,
        "SERVER_NAME": None,
    }


@pytest.fixture(scope="session", params=backends())
def database_url(request, tmp_path_factory) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    url = normalise_database_url(os.environ["TEST_DATABASE_URL"])
    _reset_postgresql(url)
    return url


@pytest.fixture(scope="session")
def app(database_url):
    """The app on a fresh database, migrated with Alembic and loaded with the demo content."""
    app = create_app(settings_for(database_url))
    with app.app_context():
        upgrade()
        load_demo_content()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _rollback(request, app):
    """Run each test inside a transaction that is rolled back afterwards."""
    with app.app_context():
        engines = db.engines
        engine = engines[None]
        connection = engine.connect()
        transaction = connection.begin()
        original_session = db.session
        # Flask-SQLAlchemy picks binds from its engine map, so point it at our connection.
        engines[None] = connection
        db.session = db._make_scoped_session({"join_transaction_mode": "create_savepoint"})
        cache.clear()
        try:
            yield db
        finally:
            db.session.remove()
            db.session = original_session
            engines[None] = engine
            transaction.rollback()
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
