"""Twenty check-ins released together into one 2-bed room: exactly two get in, the rest a 409.

Against the threaded live server and against gunicorn with several sync worker processes, on
SQLite and PostgreSQL. The servers must see committed data, so these tests use a database of
their own (an SQLite file, or a PostgreSQL schema of their own), migrated with Alembic, rather
than the rolled-back transaction of the other tests.
"""

import os
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
import sqlalchemy as sa
from flask_migrate import upgrade

from tests.conftest import (
    LiveServer,
    _create_postgresql_database,
    backends,
    guest,
    settings_for,
    warehouse_url_for,
)
from tourism import create_app
from tourism.config import normalise_database_url
from tourism.extensions import db
from tourism.lodging import services, tokens
from tourism.lodging.models import Establishment, Guest, Room, Stay

ROOT = Path(__file__).resolve().parent.parent
RACERS = 20
CAPACITY = 2
SCHEMA = "lodging_race"


def _postgresql_databases() -> list[str]:
    # The warehouse bind's URL is derived from this one, search_path included: it needs the schema too.
    base = normalise_database_url(os.environ["TEST_DATABASE_URL"])
    return [base, warehouse_url_for(base)]


def _postgresql_url() -> str:
    base, warehouse = _postgresql_databases()
    _create_postgresql_database(warehouse)
    for url in (base, warehouse):
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
        engine.dispose()
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options={quote(f'-csearch_path={SCHEMA}')}"


def _drop_postgresql_schema() -> None:
    for url in _postgresql_databases():
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        engine.dispose()


@pytest.fixture(autouse=True)
def _rollback():
    """Nothing to roll back: these tests commit to a database of their own (see `race`)."""
    yield


@pytest.fixture(scope="module", params=backends())
def race(request, tmp_path_factory):
    """An app on its own committed database, with one approved establishment and a token."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('race') / 'race.db'}"
    else:
        url = _postgresql_url()
    app = create_app(settings_for(url))
    with app.app_context():
        upgrade()
        establishment = Establishment(slug="race-homestay", name="Race Homestay", kind="homestay", status="approved")
        db.session.add(establishment)
        db.session.commit()
        token = tokens.create_token(establishment, "race")[1]
        establishment_id = establishment.id
        db.session.remove()
    yield {"app": app, "url": url, "token": token, "establishment_id": establishment_id}
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if request.param == "postgresql":
        _drop_postgresql_schema()


def _new_room(race, number: str) -> None:
    with race["app"].app_context():
        db.session.add(Room(establishment_id=race["establishment_id"], number=number, room_type="double",
                            single_beds=0, double_beds=1, capacity=CAPACITY))
        db.session.commit()
        db.session.remove()


def _guests_in(race, number: str) -> dict:
    """Count, per night, the guests booked into a room (straight from the database)."""
    with race["app"].app_context():
        rows = db.session.execute(
            sa.select(Stay.arrival, sa.func.count(Guest.id))
            .join(Guest, Guest.stay_id == Stay.id).join(Room, Room.id == Stay.room_id)
            .where(Room.number == number, Room.establishment_id == race["establishment_id"],
                   Stay.status != "cancelled")
            .group_by(Stay.arrival)
        ).all()
        db.session.remove()
    return dict(rows)


def _release_together(base_url: str, token: str, bodies: list[dict], key=None) -> list[requests.Response]:
    """POST every body at once from its own thread, all released by one barrier."""
    barrier = threading.Barrier(len(bodies))
    answers: list = [None] * len(bodies)

    def send(index: int) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        if key:
            headers["Idempotency-Key"] = key
        with requests.Session() as session:
            barrier.wait()
            try:
                answers[index] = session.post(f"{base_url}/api/v1/stays", json=bodies[index], headers=headers,
                                              timeout=60)
            except requests.RequestException as error:
                answers[index] = error

    threads = [threading.Thread(target=send, args=(index,)) for index in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert all(isinstance(answer, requests.Response) for answer in answers), answers
    return answers


def _bodies(race, number: str) -> list[dict]:
    with race["app"].app_context():
        arrival = services.today()
    return [
        {"room": number, "check_in": arrival.isoformat(), "check_out": (arrival + timedelta(days=1)).isoformat(),
         "guests": [guest(document_number=f"R{number}{index:04d}")]}
        for index in range(RACERS)
    ]


def _assert_exactly_capacity(race, number: str, answers) -> None:
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201] * CAPACITY + [409] * (RACERS - CAPACITY), statuses
    assert {answer.json()["error"]["code"] for answer in answers if answer.status_code == 409} == {"room_full"}
    with race["app"].app_context():
        arrival = services.today()
    assert _guests_in(race, number) == {arrival: CAPACITY}


def test_twenty_check_ins_against_the_threaded_server(race):
    _new_room(race, "T01")
    server = LiveServer(race["app"]).start()
    try:
        answers = _release_together(server.url, race["token"], _bodies(race, "T01"))
    finally:
        server.stop()
    _assert_exactly_capacity(race, "T01", answers)


def test_one_idempotency_key_makes_one_stay_under_a_race(race):
    _new_room(race, "T02")
    body = _bodies(race, "T02")[0]
    server = LiveServer(race["app"]).start()
    try:
        answers = _release_together(server.url, race["token"], [body] * 10, key="race-key-1")
    finally:
        server.stop()
    statuses = [answer.status_code for answer in answers]
    assert set(statuses) <= {201, 409} and 201 in statuses, statuses
    created = {answer.json()["id"] for answer in answers if answer.status_code == 201}
    assert len(created) == 1
    assert all(answer.json()["error"]["code"] == "request_in_progress" for answer in answers
               if answer.status_code == 409)
    assert sum(_guests_in(race, "T02").values()) == 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def gunicorn(race):
    """gunicorn with four sync worker processes on the race database."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": race["url"],
        "SECRET_KEY": "race-secret-key-0123456789abcdef0123456789",
        "DATA_KEY": settings_for(race["url"])["DATA_KEY"],
        "REDIS_URL": "",
        "WEATHER_URL": "http://127.0.0.1:9",
        "TOURISM_ENV": "development",
    }
    command = [sys.executable, "-m", "gunicorn", "--workers", "4", "--worker-class", "sync",
               "--bind", f"127.0.0.1:{port}", "--timeout", "60", "app:app"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stderr.read().decode()[-3000:]
            try:
                if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def test_twenty_check_ins_against_gunicorn_workers(race, gunicorn):
    _new_room(race, "G01")
    answers = _release_together(gunicorn, race["token"], _bodies(race, "G01"))
    _assert_exactly_capacity(race, "G01", answers)
    # The workers are separate processes: the stays they made are the database's, for all.
    stay_ids = [answer.json()["id"] for answer in answers if answer.status_code == 201]
    for stay_id in stay_ids:
        seen = requests.get(f"{gunicorn}/api/v1/stays/{stay_id}", headers={"Authorization": f"Bearer {race['token']}"},
                            timeout=10)
        assert seen.status_code == 200 and seen.json()["room"] == "G01"
