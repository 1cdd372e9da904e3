"""Lodging: the CSV import of 100,000 rows, and API check-ins per second against raw inserts.

Prints:
1. the import of a generated 100,000-row CSV (one big establishment, guests spread over the last
   two years so every room-night fits), in-process: validation (the preview) and commit timed
   apart, rows/s, and the peak memory of each phase (RSS above the start, sampled every 20 ms,
   and, on SQLite, tracemalloc's peak of Python allocations in a second validation); on a throwaway SQLite
   database, and on PostgreSQL when it answers;
2. on PostgreSQL, POST /api/v1/stays under gunicorn (2 workers) from BENCH_CLIENTS threads with
   keep-alive sessions for BENCH_SECONDS, every request a distinct room-night and guests so it
   succeeds (201), against the raw rate of inserting the same rows (stay, segment, guests,
   declaration, one transaction per stay as the API does) with SQLAlchemy Core, in the same run on
   the same database: from 2 threads, as two sync workers are at most two transactions at once
   (judged: API / raw >= 0.3), and from BENCH_CLIENTS threads, for comparison. The judged API
   figure comes from wrk (4 threads, each one establishment's software, BENCH_CLIENTS
   connections, distinct room-nights and guests; created stays counted in the database), since 8
   Python client threads take about a core of the two by themselves; the Python clients' figure is
   printed too. Rate limits are switched off (RATELIMIT_ENABLED=0): this measures check-ins, not
   the limiter.

PostgreSQL: BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/bench_lodging); the
database is created if missing and its schema dropped and rebuilt, so it must be a dedicated one
(its name must contain "bench" or "test"). If it does not answer, that part says so and is skipped.
Only loopback traffic. Run with `make bench` or `python -m bench.lodging`.
"""

import csv
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
from datetime import date, timedelta
from pathlib import Path

import psutil

from bench.portal import ROOT, free_port, wait_for

VENV_BIN = Path(sys.executable).parent
ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "12"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench_lodging")
DATA_KEY = "bench-data-key-0123456789abcdef0123456789"
IMPORT_ROOMS = 250
API_ESTABLISHMENTS = CLIENTS
API_ROOMS = 40

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"]
MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Hữu", "Thanh", "Quang", "Thu"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Hà", "Hùng", "Lan", "Long", "Mai", "Nam", "Phương", "Tâm", "Trang"]
FOREIGN = [("KR", "Kim Min-ji"), ("KR", "Park Ji-hoon"), ("CN", "Wang Fang"), ("JP", "Sato Yuki"),
           ("RU", "Ivan Petrov"), ("FR", "Camille Martin"), ("US", "John O'Brien"), ("AU", "Emma Wilson")]
PURPOSES = ["leisure"] * 6 + ["business", "visiting", "conference", "other"]


def environment(database_url: str) -> dict:
    return {**os.environ, "DATABASE_URL": database_url, "DATA_KEY": DATA_KEY, "FLASK_APP": "app",
            "SECRET_KEY": "bench-secret-key", "RATELIMIT_ENABLED": "0", "REDIS_URL": ""}


def migrate(database_url: str) -> None:
    subprocess.run([str(VENV_BIN / "flask"), "db", "upgrade"], cwd=ROOT, env=environment(database_url),
                   check=True, capture_output=True)


def make_app(database_url: str):
    os.environ.update({k: v for k, v in environment(database_url).items() if k != "FLASK_APP"})
    from tourism import create_app

    return create_app()


def make_establishment(slug: str, rooms: int, capacity: int = 2):
    """An approved establishment with numbered rooms."""
    from tourism.extensions import db
    from tourism.lodging.models import Establishment, Room

    establishment = Establishment(slug=slug, name=slug.replace("-", " ").title(), kind="hotel", status="approved")
    establishment.rooms = [Room(number=f"{100 + n}", room_type="double", double_beds=1, capacity=capacity)
                           for n in range(1, rooms + 1)]
    db.session.add(establishment)
    db.session.commit()
    return establishment


def guest_fields(rng: random.Random, serial: int) -> dict:
    """A realistic guest whose document number is unique by `serial`."""
    birth = date(1950, 1, 1) + timedelta(days=rng.randrange(55 * 365))
    if rng.random() < 0.7:
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        return {"full_name": name, "birth_date": birth.isoformat(), "sex": rng.choice("FM"), "nationality": "VN",
                "residence_country": "VN", "document_type": "national_id",
                "document_number": f"{rng.randrange(1, 97):03d}{serial:09d}", "purpose": rng.choice(PURPOSES)}
    country, name = rng.choice(FOREIGN)
    return {"full_name": name, "birth_date": birth.isoformat(), "sex": rng.choice("FMX"), "nationality": country,
            "residence_country": country, "document_type": "passport", "document_number": f"P{serial:08d}",
            "purpose": rng.choice(PURPOSES)}


# -- 1. the import -----------------------------------------------------------------------------

def write_import_file(path: Path, rows: int, rooms: int, today: date, seed: int = 5) -> tuple[int, int]:
    """Write `rows` guests as stays of 1-3 nights, back to back in each room over the last two years."""
    from tourism.lodging.importer import COLUMNS

    rng = random.Random(seed)
    start = today - timedelta(days=730)
    cursors = [start + timedelta(days=rng.randrange(3)) for _ in range(rooms)]
    stays = []
    guests = 0
    latest = today - timedelta(days=1)
    while guests < rows:
        free = [room for room in range(rooms) if cursors[room] <= latest]
        if not free:
            raise SystemExit(f"{rows} rows do not fit in {rooms} rooms over two years; raise IMPORT_ROOMS")
        room = rng.choice(free) if len(free) < rooms // 4 else rng.randrange(rooms)
        arrival = cursors[room]
        if arrival > latest:
            continue
        nights = rng.choice((1, 1, 2, 2, 3))
        count = min(rng.choice((1, 2, 2)), rows - guests)
        # Gaps of 0-2 days fill the two years up to today, so the last stays are still in house.
        cursors[room] = arrival + timedelta(days=nights + rng.randrange(3))
        stays.append((arrival, room, nights, count))
        guests += count
    stays.sort()
    serial = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for arrival, room, nights, count in stays:
            for _ in range(count):
                serial += 1
                fields = guest_fields(rng, serial)
                writer.writerow([f"{101 + room}", arrival.isoformat(), (arrival + timedelta(days=nights)).isoformat(),
                                 *[fields[c] for c in COLUMNS[3:11]], ""])
    return len(stays), serial


class PeakRss:
    """Sample this process's resident memory every 20 ms; report the peak above the start."""

    def __init__(self):
        self.process = psutil.Process()

    def __enter__(self):
        self.start = self.peak = self.process.memory_info().rss
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self):
        while self.running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.02)

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)

    @property
    def delta_mb(self) -> float:
        return (self.peak - self.start) / 2**20


def trace_validation(establishment, path: Path) -> int:
    """Validate the file again under tracemalloc (several times slower): the Python heap's peak."""
    from tourism.extensions import db
    from tourism.lodging import importer
    from tourism.lodging.models import ImportJob

    # tracemalloc slows Python down several times: a separate validation run, for the Python heap only.
    with open(path, "rb") as stream:
        traced = importer.store_upload(establishment.id, path.name, stream)
    # The file's stays are in the database now: check against an empty copy of the establishment.
    twin = make_establishment(f"bench-import-{uuid.uuid4().hex[:6]}", IMPORT_ROOMS)
    traced.establishment_id = twin.id
    db.session.commit()
    tracemalloc.start()
    importer.validate_job(traced.id, "en")
    _current, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    importer.discard(db.session.get(ImportJob, traced.id))
    return traced_peak


def bench_import(label: str, database_url: str, work: Path, trace: bool = True) -> None:
    from tourism.extensions import db
    from tourism.lodging import importer
    from tourism.lodging.models import Declaration, Guest, ImportJob, Stay
    from tourism.lodging.services import today

    migrate(database_url)
    app = make_app(database_url)
    with app.app_context():
        import sqlalchemy as sa

        establishment = make_establishment(f"bench-import-{uuid.uuid4().hex[:6]}", IMPORT_ROOMS)
        path = work / f"import-{label}.csv"
        stays, guests = write_import_file(path, ROWS, IMPORT_ROOMS, today())
        size = path.stat().st_size / 2**20
        with open(path, "rb") as stream:
            job = importer.store_upload(establishment.id, path.name, stream)
        job_id = job.id

        with PeakRss() as validation_memory:
            started = time.perf_counter()
            importer.validate_job(job_id, "en")
            validation_seconds = time.perf_counter() - started
        job = db.session.get(ImportJob, job_id)
        if job.status != "ready":
            print(f"  {label}: the generated file did not validate: {job.error_count} errors, e.g. {job.errors[:3]}")
            return
        importer.start_commit(job)
        with PeakRss() as commit_memory:
            started = time.perf_counter()
            importer.commit_job(job_id, "en")
            commit_seconds = time.perf_counter() - started
        db.session.expire_all()
        job = db.session.get(ImportJob, job_id)
        saved = db.session.scalar(sa.select(sa.func.count(Guest.id)).where(Guest.establishment_id == establishment.id))
        declared = db.session.scalar(
            sa.select(sa.func.count(Declaration.id)).where(Declaration.establishment_id == establishment.id))
        in_house = db.session.scalar(sa.select(sa.func.count(Stay.id)).where(
            Stay.establishment_id == establishment.id, Stay.status == "in_house"))
        status, created = job.status, job.stays_created

        traced_peak = trace_validation(establishment, path) if trace else None
        db.session.remove()
        db.engine.dispose()

    print(f"  {label}: {guests:,} rows, {stays:,} stays, {size:.1f} MB CSV → status {status}, "
          f"{created:,} stays / {saved:,} guests saved, {in_house} in house with {declared} declarations")
    print(f"    validation {validation_seconds:6.1f} s  {guests / validation_seconds:8,.0f} rows/s   "
          f"peak RSS +{validation_memory.delta_mb:.0f} MB"
          + (f", tracemalloc peak {traced_peak / 2**20:.0f} MB" if traced_peak else ""))
    print(f"    commit     {commit_seconds:6.1f} s  {guests / commit_seconds:8,.0f} rows/s   "
          f"peak RSS +{commit_memory.delta_mb:.0f} MB")
    total = validation_seconds + commit_seconds
    print(f"    both       {total:6.1f} s  {guests / total:8,.0f} rows/s")


# -- 2. API check-ins against raw inserts ----------------------------------------------------------

def postgres_ready(url: str) -> str | None:
    """Create the bench database if needed and empty it; return why not when PostgreSQL is unusable."""
    import sqlalchemy as sa

    from tourism.config import normalise_database_url

    url = normalise_database_url(url)
    parsed = sa.engine.make_url(url)
    name = parsed.database or ""
    if "bench" not in name and "test" not in name:
        return f"refusing to empty database {name!r}: its name must contain 'bench' or 'test'"
    try:
        admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            exists = connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
            if not exists:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
    except sa.exc.SQLAlchemyError as error:
        return f"PostgreSQL is not reachable at {parsed.render_as_string(hide_password=True)}: {str(error).splitlines()[0]}"
    return None


def stay_bodies(client: int, rng: random.Random, today: date):
    """Endless distinct check-ins for one client: its own establishment's rooms, night after night."""
    first = today - timedelta(days=1000)
    serial = 0
    for night in range(990):
        for room in range(API_ROOMS):
            arrival = first + timedelta(days=night)
            guests = []
            for _ in range(rng.choice((1, 2))):
                serial += 1
                guests.append(guest_fields(rng, client * 10_000_000 + serial))
            yield {"room": f"{101 + room}", "check_in": arrival.isoformat(),
                   "check_out": (arrival + timedelta(days=1)).isoformat(), "guests": guests}


def run_together(target, count: int) -> float:
    """Run `target(number, barrier, stop)` in `count` threads released together, for SECONDS; return the time."""
    barrier = threading.Barrier(count + 1)
    stop = threading.Event()
    threads = [threading.Thread(target=target, args=(n, barrier, stop), daemon=True) for n in range(count)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    time.sleep(SECONDS)
    stop.set()
    for thread in threads:
        thread.join(60)
    return time.perf_counter() - started


def fire_api(base: str, tokens: list[str], today: date) -> tuple[int, int, float, dict]:
    import requests

    ok = [0] * CLIENTS
    failed = [0] * CLIENTS
    statuses: dict = {}
    def client(number: int, barrier: threading.Barrier, stop: threading.Event):
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {tokens[number]}"
        bodies = stay_bodies(number, random.Random(number), today)
        # Half the rooms' first nights warm the worker up before the clock starts.
        session.get(f"{base}/api/v1/rooms", timeout=30)
        barrier.wait()
        while not stop.is_set():
            response = session.post(f"{base}/api/v1/stays", json=next(bodies), timeout=30)
            if response.status_code == 201:
                ok[number] += 1
            else:
                failed[number] += 1
                statuses[response.status_code] = response.text[:200]

    elapsed = run_together(client, CLIENTS)
    return sum(ok), sum(failed), elapsed, statuses


# wrk drives the API from C, so the load generator does not take the CPU the two workers need
# (8 Python threads with requests use about a core by themselves). Each wrk thread is one
# establishment's software; every request is a distinct room-night with distinct guests.
WRK_SCRIPT = r"""
local tokens = {%(tokens)s}
local counter, serial_base = 0, 0
local threads = {}
function setup(thread)
  local n = #threads
  thread:set("token", tokens[n %% #tokens + 1])
  thread:set("serial_base", (n + 1) * 10000000)
  table.insert(threads, thread)
end
local guest = '{"full_name":"%%s","birth_date":"1990-05-01","sex":"%%s","nationality":"%%s",' ..
  '"residence_country":"%%s","document_type":"%%s","document_number":"%%s","purpose":"leisure"}'
request = function()
  counter = counter + 1
  local room = 101 + (counter %% %(rooms)d)
  local arrival = %(first)d + math.floor(counter / %(rooms)d) * 86400
  local serial = serial_base + counter
  local guests = string.format(guest, "Nguyễn Văn An", "M", "VN", "VN", "national_id", string.format("079%%09d", serial))
  if counter %% 2 == 0 then
    guests = guests .. "," .. string.format(guest, "Kim Min-ji", "F", "KR", "KR", "passport", string.format("M%%08d", serial))
  end
  local body = string.format('{"room":"%%d","check_in":"%%s","check_out":"%%s","guests":[%%s]}', room,
    os.date("!%%Y-%%m-%%d", arrival), os.date("!%%Y-%%m-%%d", arrival + 86400), guests)
  return wrk.format("POST", "/api/v1/stays",
    {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end
"""


def fire_wrk(base: str, tokens: list[str], establishment_ids: list[int], today: date, work: Path) -> tuple[int, int, float]:
    """POST distinct check-ins with wrk for SECONDS; return (created, refused, seconds), counted in the database."""
    import shutil

    import sqlalchemy as sa

    from tourism.extensions import db
    from tourism.lodging.models import Stay

    wrk = shutil.which("wrk")
    first = int(time.mktime((today - timedelta(days=1000)).timetuple())) + 12 * 3600
    script = work / "checkins.lua"
    script.write_text(WRK_SCRIPT % {"tokens": ", ".join(f'"{t}"' for t in tokens), "rooms": API_ROOMS, "first": first})

    def created() -> int:
        db.session.remove()
        return db.session.scalar(sa.select(sa.func.count(Stay.id)).where(Stay.establishment_id.in_(establishment_ids)))

    before = created()
    result = subprocess.run([wrk, f"-t{len(tokens)}", f"-c{CLIENTS}", f"-d{SECONDS:.0f}s", "-s", str(script), base],
                            capture_output=True, text=True, check=True)
    made = created() - before
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    seconds = float(re.search(r"requests in ([\d.]+)s", result.stdout).group(1))
    return made, int(match.group(1)) if match else 0, seconds


def fire_raw(app, establishments: list[tuple[int, dict]], today: date, threads_count: int) -> tuple[int, float]:
    """The same rows as the API writes, with Core: stay, segment, guests, declaration; one transaction each."""
    import sqlalchemy as sa

    from tourism.core.database import utcnow
    from tourism.extensions import db
    from tourism.lodging import crypto
    from tourism.lodging.models import Declaration, Guest, Stay, StaySegment

    stay_table, segment_table = Stay.__table__, StaySegment.__table__
    guest_table, declaration_table = Guest.__table__, Declaration.__table__
    engine = db.engine
    done = [0] * threads_count
    def worker(number: int, barrier: threading.Barrier, stop: threading.Event):
        establishment_id, rooms = establishments[number]
        # Later nights than the API's, so the rows are new ones of the same shape.
        bodies = stay_bodies(number + CLIENTS + 100 * threads_count, random.Random(number + 100 * threads_count), today)
        with app.app_context():
            key_material = crypto.encrypt_document  # derives the keys once per app, outside the clock
            key_material("WARMUP1")
        barrier.wait()
        with app.app_context(), engine.connect() as connection:
            while not stop.is_set():
                body = next(bodies)
                now = utcnow()
                arrival = date.fromisoformat(body["check_in"])
                departure = date.fromisoformat(body["check_out"])
                room_id = rooms[body["room"]]
                with connection.begin():
                    stay_id = connection.execute(sa.insert(stay_table).returning(stay_table.c.id), {
                        "establishment_id": establishment_id, "room_id": room_id, "arrival": arrival,
                        "departure": departure, "status": "checked_out", "group_name": "", "source": "api",
                        "checked_in_at": now, "checked_out_at": now, "created_at": now, "updated_at": now,
                    }).scalar_one()
                    connection.execute(sa.insert(segment_table), {
                        "stay_id": stay_id, "room_id": room_id, "start_date": arrival, "end_date": departure})
                    connection.execute(sa.insert(guest_table), [{
                        "stay_id": stay_id, "establishment_id": establishment_id, "position": position,
                        "full_name": g["full_name"], "name_search": g["full_name"].lower(),
                        "birth_date": date.fromisoformat(g["birth_date"]),
                        "birth_year": int(g["birth_date"][:4]),
                        "document_ciphertext": crypto.encrypt_document(g["document_number"]),
                        "document_index": crypto.document_index(g["document_type"], g["nationality"],
                                                                g["document_number"]),
                        "document_last3": g["document_number"][-3:], "sex": g["sex"],
                        "nationality": g["nationality"], "residence_country": g["residence_country"],
                        "document_type": g["document_type"], "purpose": g["purpose"],
                    } for position, g in enumerate(body["guests"])])
                    connection.execute(sa.insert(declaration_table), {
                        "establishment_id": establishment_id, "stay_id": stay_id,
                        "idempotency_key": uuid.uuid4().hex, "status": "pending", "deadline": now,
                        "attempts": 0, "next_attempt_at": now, "last_error": "", "reference": "",
                        "created_at": now})
                done[number] += 1

    elapsed = run_together(worker, threads_count)
    return sum(done), elapsed


WRK_ESTABLISHMENTS = 4


def bench_api(database_url: str, work: Path) -> None:
    import shutil

    from tourism.extensions import db
    from tourism.lodging.services import today
    from tourism.lodging.tokens import create_token

    migrate(database_url)
    app = make_app(database_url)
    with app.app_context():
        tokens, raw_targets, wrk_tokens, wrk_ids = [], [], [], []
        for number in range(API_ESTABLISHMENTS):
            establishment = make_establishment(f"bench-api-{number}", API_ROOMS)
            tokens.append(create_token(establishment, "bench")[1])
            raw = make_establishment(f"bench-raw-{number}", API_ROOMS)
            raw_targets.append((raw.id, {room.number: room.id for room in raw.rooms}))
        for number in range(WRK_ESTABLISHMENTS):
            establishment = make_establishment(f"bench-wrk-{number}", API_ROOMS)
            wrk_ids.append(establishment.id)
            wrk_tokens.append(create_token(establishment, "bench")[1])
        current = today()
        db.session.remove()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
         "app:app"], cwd=ROOT, env=environment(database_url))
    wrk_result = None
    try:
        wait_for(f"{base}/healthz")
        api_ok, api_failed, api_seconds, statuses = fire_api(base, tokens, current)
        if shutil.which("wrk"):
            with app.app_context():
                wrk_result = fire_wrk(base, wrk_tokens, wrk_ids, current, work)
    finally:
        server.terminate()
        server.wait(30)
    with app.app_context():
        # Two writers, as the two workers are at most two transactions at once: the judged baseline.
        raw_done, raw_seconds = fire_raw(app, raw_targets, current, 2)
        wide_done, wide_seconds = fire_raw(app, raw_targets, current, CLIENTS)
        db.engine.dispose()

    api_rate, raw_rate, wide_rate = api_ok / api_seconds, raw_done / raw_seconds, wide_done / wide_seconds
    print(f"  raw  SQLAlchemy Core, 2 threads (the workers' concurrency), one transaction per stay: {raw_done:,} in "
          f"{raw_seconds:.1f} s = {raw_rate:,.0f} stays/s")
    print(f"  raw  SQLAlchemy Core, {CLIENTS} threads (the clients' concurrency): {wide_done:,} in "
          f"{wide_seconds:.1f} s = {wide_rate:,.0f} stays/s")
    print(f"  API  POST /api/v1/stays, gunicorn 2 workers, {CLIENTS} Python clients (requests): {api_ok:,} created in "
          f"{api_seconds:.1f} s = {api_rate:,.0f} check-ins/s" + (f" ({api_failed} not 201: {statuses})" if api_failed else "")
          + f"; ratio to raw {api_rate / raw_rate if raw_rate else 0:.2f} (the clients share the 2 cores)")
    if wrk_result is None:
        print("  API  with wrk: skipped (wrk is missing; `make bench` installs it as root)")
        return
    made, refused, seconds = wrk_result
    wrk_rate = made / seconds
    ratio = wrk_rate / raw_rate if raw_rate else 0
    print(f"  API  POST /api/v1/stays, gunicorn 2 workers, wrk {WRK_ESTABLISHMENTS} threads x {CLIENTS} connections: "
          f"{made:,} created in {seconds:.1f} s = {wrk_rate:,.0f} check-ins/s"
          + (f" ({refused} not 2xx)" if refused else ""))
    print(f"  ratio API (wrk) / raw (2 writers) = {ratio:.2f} (target >= 0.30): {'meets' if ratio >= 0.3 else 'MISSES'}; "
          f"against {CLIENTS} raw writers {wrk_rate / wide_rate if wide_rate else 0:.2f}")


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-lodging-"))
    print(f"1. CSV import of {ROWS:,} rows (in-process; validation = the preview, commit = one transaction)")
    bench_import("SQLite", f"sqlite:///{work / 'import.db'}", work)
    problem = postgres_ready(PG_URL)
    if problem:
        print(f"  PostgreSQL: skipped ({problem})")
    else:
        bench_import("PostgreSQL", PG_URL, work, trace=False)
    print(f"2. API check-ins per second on PostgreSQL, {SECONDS:.0f} s each")
    problem = problem or postgres_ready(PG_URL)
    if problem:
        print(f"  skipped: {problem}")
        return
    bench_api(PG_URL, work)


if __name__ == "__main__":
    main()
