"""The warehouse: the refresh of 1,000,000 stays, and dashboard and API queries at 10,000,000 stays.

Prints, on SQLite and on PostgreSQL (when it answers):
1. ETL. `flask warehouse refresh --full` over BENCH_ETL_STAYS synthetic stays (default 1,000,000; 0 skips it;
   made by `demo-data --stays`, the same bulk path real imports use), in its own process: wall time,
   guest stays/s, rows written and the process's peak memory (judged: under 1 GB); against a plain
   `INSERT … SELECT` of the same guest-stay rows (stay joined with guest, cancelled ones left out)
   into a scratch table of the same database, the limit of any load (judged: the ratio ETL / limit).
   Then an incremental refresh with nothing changed, and one after 1,000 stays were corrected.
2. Queries. At BENCH_QUERY_STAYS stays (default 10,000,000; `BENCH_QUERY_STAYS=0` skips it), the
   dashboard's and the open-data API's questions asked through `indicators.query` (no cache), each
   BENCH_REPEAT times: p50 and p95 (judged: p95 under 100 ms); the open-data API and the dashboard
   page through the Flask test client with the cache off; and, for each question, the same arrivals
   and same-day visitors computed by `GROUP BY` over the raw stay and guest tables (what a BI tool
   pointed at the lodging tables would do; it cannot even give nights by the month they fall in),
   with the ratio raw / warehouse.

BENCH_BACKENDS (default "sqlite,postgresql") chooses the databases. Databases: throwaway SQLite files in a temporary directory; PostgreSQL at BENCH_DATABASE_URL
(default postgresql://postgres@127.0.0.1:5432/bench_warehouse) and the same name + `_wh` for the
warehouse, created if missing and emptied, so the name must contain "bench". Generated data is kept
between runs when BENCH_KEEP is set (BENCH_WORK names the directory): `demo-data --stays` with the
same N and seed adds nothing the second time, so a kept history is reused. With
BENCH_SQLITE_FROM_POSTGRESQL set, an empty SQLite query database gets a copy of PostgreSQL's history
instead of generating its own (the same rows, in minutes rather than over an hour). Run with
`make bench` or `python -m bench.warehouse`.
"""

import gc
import importlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from bench.portal import ROOT
from tourism.config import normalise_database_url

VENV_BIN = Path(sys.executable).parent
ETL_STAYS = int(os.environ.get("BENCH_ETL_STAYS", "1000000"))
QUERY_STAYS = int(os.environ.get("BENCH_QUERY_STAYS", "10000000"))
# PostgreSQL's history is generated apart (an hour at 10,000,000); at the ETL's size it reuses that data.
PG_QUERY_STAYS = int(os.environ.get("BENCH_PG_QUERY_STAYS", str(QUERY_STAYS)))
REPEAT = int(os.environ.get("BENCH_REPEAT", "40"))
RAW_REPEAT = int(os.environ.get("BENCH_RAW_REPEAT", "3"))
PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench_warehouse")
DATA_KEY = "bench-data-key-0123456789abcdef0123456789"
GB = 1024 ** 3
BACKENDS = os.environ.get("BENCH_BACKENDS", "sqlite,postgresql").split(",")
# Generating 10,000,000 stays into SQLite takes over an hour; the same seeded history can be copied instead.
SQLITE_FROM_POSTGRESQL = bool(os.environ.get("BENCH_SQLITE_FROM_POSTGRESQL"))
COPY_BATCH = 20_000
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
MODEL_MODULES = ("tourism.accounts.models", "tourism.core.audit", "tourism.core.mail", "tourism.lodging.models",
                 "tourism.map.models", "tourism.portal.models", "tourism.sites.models")


def environment(database_url: str, warehouse_url: str) -> dict:
    return {**os.environ, "DATABASE_URL": database_url, "WAREHOUSE_DATABASE_URL": warehouse_url,
            "DATA_KEY": DATA_KEY, "FLASK_APP": "app", "SECRET_KEY": "bench-secret-key-0123456789abcdef",
            "RATELIMIT_ENABLED": "0", "REDIS_URL": "", "PAGE_CACHE_SECONDS": "0"}


def flask(env: dict, *args: str) -> tuple[float, int, str]:
    """Run a flask command in its own process; return its wall time, peak RSS in bytes and output."""
    started = time.perf_counter()
    process = subprocess.Popen([str(VENV_BIN / "flask"), *args], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{output}")
    return time.perf_counter() - started, usage.ru_maxrss * 1024, output


def engine_for(url: str) -> sa.engine.Engine:
    return sa.create_engine(normalise_database_url(url))


def reset_postgresql(url: str) -> bool:
    """Create the lodging and warehouse databases; empty them unless BENCH_KEEP asks to reuse the data."""
    url = normalise_database_url(url)
    name = sa.engine.make_url(url).database
    if "bench" not in name:
        raise SystemExit(f"refusing to empty {name}: its name must contain 'bench'")
    admin = sa.create_engine(sa.engine.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            for database in (name, f"{name}_wh"):
                exists = connection.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                            {"name": database}).scalar()
                if exists and os.environ.get("BENCH_KEEP"):
                    continue
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
                connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
    except sa.exc.OperationalError as error:
        print(f"  PostgreSQL does not answer at {url}: {error.orig}; skipped")
        return False
    finally:
        admin.dispose()
    return True


def stay_count(database_url: str) -> int:
    """Return how many stays the lodging database holds (0 when it has no tables yet)."""
    engine = engine_for(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT COUNT(*) FROM stay")).scalar()
    except sa.exc.SQLAlchemyError:
        return 0
    finally:
        engine.dispose()


def copy_history(source_url: str, target_url: str) -> int:
    """Copy every lodging table of the migrated PostgreSQL `source_url` into the migrated SQLite `target_url`; return rows."""
    from tourism.extensions import db

    for module in MODEL_MODULES:
        importlib.import_module(module)
    tables = db.metadatas[None].sorted_tables
    source, target = engine_for(source_url), engine_for(target_url)
    copied = 0
    writing = target.raw_connection()
    try:
        sqlite = writing.driver_connection
        # A scratch copy: no journal and no fsync, so it is written at the disk's pace.
        sqlite.execute("PRAGMA journal_mode=OFF")
        sqlite.execute("PRAGMA synchronous=OFF")
        for table in reversed(tables):
            sqlite.execute(f"DELETE FROM {table.name}")
        with source.connect() as reading:
            for table in tables:
                names = ", ".join(column.name for column in table.columns)
                # Rows are read untyped and written with the SQLite dialect's own bind processing
                # (timestamps, dates, JSON), as the ORM would store them; Core per-row work would be 10× slower.
                processors = [column.type._cached_bind_processor(target.dialect) for column in table.columns]
                insert = (f"INSERT INTO {table.name} ({names}) "
                          f"VALUES ({', '.join('?' * len(table.columns))})")
                result = reading.execution_options(stream_results=True, max_row_buffer=COPY_BATCH).exec_driver_sql(
                    f"SELECT {names} FROM {table.name}")
                for rows in result.partitions(COPY_BATCH):
                    sqlite.executemany(insert, [
                        tuple(value if process is None or value is None else process(value)
                              for process, value in zip(processors, row, strict=True))
                        for row in rows])
                    copied += len(rows)
        sqlite.commit()
    finally:
        writing.close()
        source.dispose()
        target.dispose()
    return copied


def prepare(label: str, database_url: str, warehouse_url: str, stays: int, source_url: str | None = None) -> dict:
    """Migrate, load the demo content and `stays` synthetic stays; return the environment.

    With `source_url`, an empty database first gets a copy of that database's history of the same size.
    """
    env = environment(database_url, warehouse_url)
    flask(env, "db", "upgrade")
    if source_url and not stay_count(database_url):
        if stay_count(source_url) < stays:
            raise SystemExit(f"{source_url} holds no history of {stays:,} stays to copy; generate it first")
        started = time.perf_counter()
        rows = copy_history(source_url, database_url)
        print(f"  {label}: {rows:,} rows of the same history copied from {source_url} "
              f"in {time.perf_counter() - started:.0f} s")
    seconds, _, _ = flask(env, "demo-data", "--stays", str(stays), "--seed", "7")
    print(f"  {label}: {stays:,} stays generated (or found from an earlier run) in {seconds:.0f} s")
    return env


def insert_select_seconds(database_url: str) -> tuple[float, int]:
    """Copy the same guest-stay rows with one INSERT … SELECT in the lodging database; return time and rows."""
    engine = engine_for(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS bench_stay_copy"))
            connection.execute(sa.text(
                "CREATE TABLE bench_stay_copy (stay_id INTEGER, position INTEGER, establishment_id INTEGER, "
                "arrival DATE, departure DATE, residence VARCHAR(2), nationality VARCHAR(2), birth_year INTEGER, "
                "sex VARCHAR(1), purpose VARCHAR(20))"))
        with engine.begin() as connection:
            started = time.perf_counter()
            rows = connection.execute(sa.text(
                "INSERT INTO bench_stay_copy SELECT s.id, g.position, s.establishment_id, s.arrival, s.departure, "
                "g.residence_country, g.nationality, g.birth_year, g.sex, g.purpose "
                "FROM stay s JOIN guest g ON g.stay_id = s.id WHERE s.status <> 'cancelled'")).rowcount
            seconds = time.perf_counter() - started
        with engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE bench_stay_copy"))
        return seconds, rows
    finally:
        engine.dispose()


def correct_stays(database_url: str, count: int = 1000) -> None:
    """Touch `count` past stays as a desk correcting them would (updated_at moves)."""
    engine = engine_for(database_url)
    try:
        with engine.begin() as connection:
            ids = connection.execute(sa.text(
                "SELECT id FROM stay WHERE status = 'checked_out' ORDER BY id LIMIT :count"), {"count": count}).scalars().all()
            connection.execute(sa.text("UPDATE stay SET status = 'cancelled', updated_at = CURRENT_TIMESTAMP "
                                       "WHERE id IN (" + ",".join(str(int(i)) for i in ids) + ")"))
    finally:
        engine.dispose()


def age_history(database_url: str, days: int = 1) -> None:
    """Date the generated stays' last change `days` back, as a history written before the last refresh would be."""
    engine = engine_for(database_url)
    try:
        with engine.begin() as connection:
            then = datetime.now(UTC) - timedelta(days=days)
            if engine.dialect.name == "sqlite":
                then = then.replace(tzinfo=None)  # stored as naive UTC text, as UTCDateTime does
            connection.execute(sa.text("UPDATE stay SET updated_at = :then WHERE updated_at > :then"), {"then": then})
    finally:
        engine.dispose()


def bench_etl(label: str, database_url: str, warehouse_url: str) -> None:
    env = prepare(label, database_url, warehouse_url, ETL_STAYS)
    # Generated stays are stamped with the time they were written, minutes before this refresh:
    # inside the commit margin (an hour), the next incremental run would read them all again.
    age_history(database_url)
    seconds, peak, output = flask(env, "warehouse", "refresh", "--full")
    summary = output.strip().splitlines()[-1]
    engine = engine_for(warehouse_url)
    with engine.connect() as connection:
        guest_stays = connection.execute(sa.text("SELECT COUNT(*) FROM fact_stay")).scalar()
        written = connection.execute(sa.text("SELECT rows_written FROM refresh_run ORDER BY id DESC LIMIT 1")).scalar()
    engine.dispose()
    limit, copied = insert_select_seconds(database_url)
    verdict = "under" if peak < GB else "OVER"
    print(f"  {label} ETL (full): {seconds:.1f} s for {ETL_STAYS:,} stays = {guest_stays:,} guest stays "
          f"({guest_stays / seconds:,.0f} guest stays/s), {written:,} rows written, peak memory "
          f"{peak / 2**20:,.0f} MB ({verdict} 1 GB)")
    print(f"  {label} INSERT … SELECT of the same {copied:,} rows: {limit:.1f} s ({copied / limit:,.0f} rows/s)"
          f" — ratio ETL / INSERT…SELECT = {seconds / limit:.1f}")
    print(f"    ({summary})")
    idle, _, _ = flask(env, "warehouse", "refresh")
    correct_stays(database_url)
    corrected, _, output = flask(env, "warehouse", "refresh")
    print(f"  {label} incremental refresh: {idle:.1f} s with nothing changed, {corrected:.1f} s after "
          f"1,000 corrections ({output.strip().splitlines()[-1]})")


# The dashboard's and the open-data API's questions, as (name, by, filters).
QUESTIONS = (
    ("province by month", ["month"], {}),
    ("by month and origin", ["month", "origin"], {}),
    ("by area", ["area"], {}),
    ("by type in one locality", ["type"], {"locality": ["da-lat"]}),
    ("by establishment of one type in one locality", ["establishment"], {"locality": ["da-lat"], "type": ["hotel"]}),
    ("top countries of residence", ["residence"], {}),
    ("API example: month, residence, area, type", ["month", "residence", "area", "type"], {}),
    ("by quarter and age band", ["quarter", "age_band"], {}),
)

RAW = {
    # The same arrivals and same-day visitors from the raw rows; area, locality and type need the
    # establishment and area tables, as a BI tool's join would.
    "month": "strftime('%Y-%m', s.arrival)",
    "quarter": None,
    "origin": "CASE WHEN g.residence_country = 'VN' THEN 'domestic' ELSE 'international' END",
    "area": "a.slug",
    "type": "e.kind",
    "establishment": "e.slug",
    "residence": "g.residence_country",
    "age_band": "(CAST(strftime('%Y', s.arrival) AS INTEGER) - g.birth_year) / 10",
}


def raw_sql(by: list[str], filters: dict, dialect: str) -> str:
    keys = []
    for key in by:
        expression = RAW.get(key)
        if key == "quarter":
            expression = "strftime('%Y', s.arrival) || '-' || ((CAST(strftime('%m', s.arrival) AS INTEGER) + 2) / 3)"
        if dialect == "postgresql":
            expression = (expression.replace("strftime('%Y-%m', s.arrival)", "to_char(s.arrival, 'YYYY-MM')")
                          .replace("CAST(strftime('%Y', s.arrival) AS INTEGER)", "EXTRACT(YEAR FROM s.arrival)::int")
                          .replace("strftime('%Y', s.arrival) || '-' || ((CAST(strftime('%m', s.arrival) AS INTEGER) + 2) / 3)",
                                   "to_char(s.arrival, 'YYYY-\"Q\"Q')"))
        keys.append(expression)
    where = ["s.status <> 'cancelled'", "s.arrival >= :start", "s.arrival < :end"]
    if "locality" in filters:
        where.append("l.slug IN ('" + "','".join(filters["locality"]) + "')")
    if "type" in filters:
        where.append("e.kind IN ('" + "','".join(filters["type"]) + "')")
    group = ", ".join(keys) or "1"
    select = ", ".join([*keys, ""]) if keys else ""
    return (
        f"SELECT {select} SUM(CASE WHEN s.departure > s.arrival THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN s.departure = s.arrival THEN 1 ELSE 0 END) "
        "FROM stay s JOIN guest g ON g.stay_id = s.id JOIN establishment e ON e.id = s.establishment_id "
        "LEFT JOIN area a ON a.id = e.area_id LEFT JOIN locality l ON l.id = a.locality_id "
        f"WHERE {' AND '.join(where)} GROUP BY {group}"
    )


def loaded(warehouse_url: str) -> bool:
    """Say whether the warehouse has had a successful refresh."""
    engine = engine_for(warehouse_url)
    try:
        with engine.connect() as connection:
            return bool(connection.execute(sa.text("SELECT COUNT(*) FROM refresh_run WHERE status = 'succeeded'")).scalar())
    except sa.exc.SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(function, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return times


def bench_queries(label: str, database_url: str, warehouse_url: str, stays: int, source_url: str | None = None) -> None:
    env = prepare(label, database_url, warehouse_url, stays, source_url)
    if os.environ.get("BENCH_KEEP") and loaded(warehouse_url):
        # Kept data loaded by an earlier run is queried as it is (its refresh was measured then).
        print(f"  {label}: the warehouse of {stays:,} stays kept from an earlier run")
    else:
        seconds, peak, _ = flask(env, "warehouse", "refresh", "--full")
        print(f"  {label}: full refresh of {stays:,} stays took {seconds:.0f} s, peak {peak / 2**20:,.0f} MB")
    os.environ.update({key: value for key, value in env.items() if key != "FLASK_APP"})
    from tourism import create_app
    from tourism.extensions import db
    from tourism.warehouse import indicators

    app = create_app({"CACHE_TYPE": "NullCache", "PAGE_CACHE_SECONDS": 0, "RATELIMIT_ENABLED": False,
                      "WTF_CSRF_ENABLED": False})
    # As app.py does for the server: the app's objects are left out of the collector's full passes.
    gc.freeze()
    with app.app_context():
        sizes = {table: db.session.execute(sa.text(f"SELECT COUNT(*) FROM {table}"),
                                           bind_arguments={"bind": db.engines["warehouse"]}).scalar()
                 for table in ("fact_stay", "agg_establishment_month", "agg_guest_month", "agg_guest_place_month")}
        print(f"  {label} warehouse rows: " + ", ".join(f"{table} {count:,}" for table, count in sizes.items()))
        run = indicators.freshness()
        end = run.as_of.replace(day=1)
        start = date(end.year - 1, end.month, 1)
        raw_engine = db.engines[None]
        dialect = raw_engine.dialect.name
        print(f"  {label} queries over {start:%Y-%m} … {end:%Y-%m}, {REPEAT} times each (raw: {RAW_REPEAT}):")
        for name, by, filters in QUESTIONS:
            ours = timed(lambda by=by, filters=filters: indicators.query(start, end, by, filters), REPEAT)
            db.session.remove()
            raw_end = date(end.year + (end.month == 12), end.month % 12 + 1, 1)
            statement = sa.text(raw_sql(by, filters, dialect))

            def raw(statement=statement, raw_end=raw_end):
                with raw_engine.connect() as connection:
                    connection.execute(statement, {"start": start, "end": raw_end}).all()

            theirs = timed(raw, RAW_REPEAT)
            p95, raw_p95 = percentile(ours, 0.95), percentile(theirs, 0.95)
            verdict = "under" if p95 < 100 else "OVER"
            print(f"    {name:<46} p50 {statistics.median(ours):7.1f} ms  p95 {p95:7.1f} ms ({verdict} 100)"
                  f"  | raw GROUP BY p95 {raw_p95:9.1f} ms  ratio raw / warehouse {raw_p95 / p95:7.0f}×")
        client = app.test_client()
        api = f"/api/v1/stats/accommodation?from={start:%Y-%m}&to={end:%Y-%m}&by=month,residence,area,type"
        api_times = timed(lambda: client.get(api), REPEAT)
        print(f"    {'HTTP GET ' + api[:44] + '…':<46} p50 {statistics.median(api_times):7.1f} ms  "
              f"p95 {percentile(api_times, 0.95):7.1f} ms (status {client.get(api).status_code})")
        served(api)
        client.post("/vi/account/sign-in", data={"email": "officer@demo.lamdong.travel",
                                                   "password": "lamdong-demo-2026"})
        page = f"/vi/statistics/dashboard/?from={start:%Y-%m}&to={end:%Y-%m}"
        page_times = timed(lambda: client.get(page), max(5, REPEAT // 4))
        print(f"    {'HTTP GET the dashboard page (officer)':<46} p50 {statistics.median(page_times):7.1f} ms  "
              f"p95 {percentile(page_times, 0.95):7.1f} ms (status {client.get(page).status_code})")
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


def served(api: str) -> None:
    """Time the API answer as production serves it: computed once per refresh run, then from Redis."""
    import redis

    from tourism import create_app
    from tourism.extensions import db

    prefix = f"bench-warehouse-{os.getpid()}-{time.time_ns()}:"
    app = create_app({"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": REDIS_URL, "CACHE_KEY_PREFIX": prefix,
                      "PAGE_CACHE_SECONDS": 0, "RATELIMIT_ENABLED": False})
    try:
        with app.app_context():
            client = app.test_client()
            started = time.perf_counter()
            status = client.get(api).status_code
            first = (time.perf_counter() - started) * 1000
            if status != 200:
                print(f"    (not served from the cache: status {status}; does Redis answer at {REDIS_URL}?)")
                return
            times = timed(lambda: client.get(api), REPEAT)
            print(f"    {'  the same, served (per-run cache in Redis)':<46} p50 {statistics.median(times):7.1f} ms  "
                  f"p95 {percentile(times, 0.95):7.1f} ms (first request, which computes it: {first:.0f} ms)")
    finally:
        with app.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()
        connection = redis.Redis.from_url(REDIS_URL)
        try:
            for key in connection.scan_iter(f"{prefix}*"):
                connection.delete(key)
        except redis.RedisError:
            pass


def main() -> None:
    keep = os.environ.get("BENCH_KEEP")
    work = Path(os.environ.get("BENCH_WORK") or tempfile.mkdtemp(prefix="bench-warehouse-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"Warehouse benchmark (data in {work}; peak memory from getrusage of the refresh process)")
    if ETL_STAYS:
        print(f"1. ETL of {ETL_STAYS:,} stays")
        if "sqlite" in BACKENDS:
            bench_etl("SQLite", f"sqlite:///{work / 'etl.db'}", f"sqlite:///{work / 'etl-wh.db'}")
        if "postgresql" in BACKENDS and reset_postgresql(PG_URL):
            bench_etl("PostgreSQL", PG_URL, f"{PG_URL}_wh")
    if QUERY_STAYS:
        print(f"2. Queries at {QUERY_STAYS:,} stays")
        pg_url = PG_URL if PG_QUERY_STAYS == ETL_STAYS else PG_URL + "_q"
        sqlite = ("SQLite", f"sqlite:///{work / 'query.db'}", f"sqlite:///{work / 'query-wh.db'}", QUERY_STAYS,
                  pg_url if SQLITE_FROM_POSTGRESQL else None)
        if "sqlite" in BACKENDS and not SQLITE_FROM_POSTGRESQL:
            bench_queries(*sqlite)
        if PG_QUERY_STAYS and "postgresql" in BACKENDS and (pg_url == PG_URL or reset_postgresql(pg_url)):
            bench_queries("PostgreSQL", pg_url, f"{pg_url}_wh", PG_QUERY_STAYS)
        if "sqlite" in BACKENDS and SQLITE_FROM_POSTGRESQL:
            bench_queries(*sqlite)  # after PostgreSQL's, whose history it copies
    if not keep:
        for path in work.glob("*.db*"):
            path.unlink()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"Done (children's CPU: {usage.ru_utime + usage.ru_stime:,.0f} s).")


if __name__ == "__main__":
    main()
