"""SQLite connection settings that make it behave like the production database."""

import sqlite3
from datetime import UTC, datetime

import sqlalchemy as sa


def utcnow() -> datetime:
    """Return the current time in UTC, timezone-aware."""
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware, on SQLite too."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        # SQLite has no time zones; keep the stored text comparable by storing plain UTC.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _on_connect(dbapi_connection, connection_record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    # WAL lets readers (several gunicorn workers) proceed while one writer commits.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _on_begin(connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")


def init_app(app) -> None:
    """Install the SQLite connection hooks once per process."""
    if not sa.event.contains(sa.engine.Engine, "connect", _on_connect):
        sa.event.listen(sa.engine.Engine, "connect", _on_connect)
        sa.event.listen(sa.engine.Engine, "begin", _on_begin)
