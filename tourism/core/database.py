"""SQLite connection settings that make it behave like the production database."""

import sqlite3

import sqlalchemy as sa


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
