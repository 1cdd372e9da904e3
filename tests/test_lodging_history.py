"""The synthetic lodging history: estate, seasonality, guests, determinism, idempotence, refusal in production."""

import itertools
from collections import Counter
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from tourism.extensions import cache, db, limiter
from tourism.lodging import crypto, history
from tourism.lodging.models import (
    Establishment,
    EstablishmentClosure,
    Guest,
    Room,
    RoomOutOfService,
    Stay,
    StaySegment,
)
from tourism.lodging.validation import validate_guest

STAYS = 3000
SEED = 7


@pytest.fixture(scope="module")
def generated(app):
    """Generate the history once for the module, in a transaction of its own that is rolled back at the end.

    Each test then runs in a savepoint of it (this module's `_rollback`), so nothing a test
    does, and nothing generated, outlives the module.
    """
    with app.app_context():
        engines = db.engines
        originals = {key: engines[key] for key in (None, "warehouse")}
        connections = {key: engine.connect() for key, engine in originals.items()}
        transactions = [connection.begin() for connection in connections.values()]
        original_session = db.session
        engines.update(connections)
        db.session = db._make_scoped_session({"join_transaction_mode": "create_savepoint"})
        try:
            from tourism.lodging.demo import load_demo_establishments

            load_demo_establishments()
            progress = []
            counts = history.generate_history(STAYS, seed=SEED, on_progress=lambda done, total: progress.append(done))
            db.session.remove()
            yield {"counts": counts, "progress": progress, "connections": connections}
        finally:
            db.session.remove()
            db.session = original_session
            engines.update(originals)
            for transaction in transactions:
                transaction.rollback()
            for connection in connections.values():
                connection.close()


@pytest.fixture(autouse=True)
def _rollback(app, generated):
    """Run each test in a savepoint of the module's transaction, rolled back afterwards."""
    with app.app_context():
        savepoints = [connection.begin_nested() for connection in generated["connections"].values()]
        db.session = db._make_scoped_session({"join_transaction_mode": "create_savepoint"})
        cache.clear()
        limiter.reset()
        try:
            yield db
        finally:
            db.session.remove()
            for savepoint in savepoints:
                savepoint.rollback()


def synthetic_stays():
    return (
        sa.select(Stay).join(Establishment, Establishment.id == Stay.establishment_id)
        .where(Establishment.slug.startswith(history.SLUG_PREFIX))
    )


def stay_rows():
    query = synthetic_stays().with_only_columns(Stay.id, Stay.arrival, Stay.departure, Stay.status, Stay.source)
    return db.session.execute(query).all()


def guest_rows():
    return db.session.execute(
        sa.select(Guest.residence_country, Guest.nationality, Guest.document_type, Guest.birth_year, Guest.sex,
                  Guest.purpose)
        .join(Establishment, Establishment.id == Guest.establishment_id)
        .where(Establishment.slug.startswith(history.SLUG_PREFIX))
    ).all()


def test_counts_and_progress(generated):
    counts = generated["counts"]
    assert counts["stays"] == counts["stays_created"] == STAYS
    assert counts["establishments"] == counts["establishments_created"] >= 1000
    assert generated["progress"][0] == 0 and generated["progress"][-1] == STAYS
    assert counts["last_day"] == history.services.today()
    assert (counts["last_day"] - counts["first_day"]).days + 1 >= history.MIN_DAYS


def test_at_least_a_thousand_approved_establishments_over_the_real_areas(generated):
    establishments = db.session.scalars(
        sa.select(Establishment).where(Establishment.slug.startswith(history.SLUG_PREFIX))).all()
    assert len(establishments) >= 1000
    assert {e.status for e in establishments} == {"approved"}
    kinds = Counter(e.kind for e in establishments)
    assert {"hotel", "homestay", "guesthouse", "resort", "villa"} <= set(kinds)
    assert kinds.most_common(1)[0][0] in ("homestay", "hotel")
    assert all(e.star_class is None for e in establishments if e.kind not in ("hotel", "resort"))
    assert len({e.star_class for e in establishments if e.kind == "hotel"}) >= 5
    localities = Counter(e.area.locality.slug for e in establishments)
    assert localities.most_common(1)[0][0] == "da-lat"
    assert {"phan-thiet", "bao-loc", "lac-duong", "gia-nghia"} <= set(localities)


def test_declared_capacity_matches_the_rooms(generated):
    rooms = dict(db.session.execute(
        sa.select(Room.establishment_id, sa.func.count(Room.id)).join(Establishment)
        .where(Establishment.slug.startswith(history.SLUG_PREFIX)).group_by(Room.establishment_id)).all())
    beds = dict(db.session.execute(
        sa.select(Room.establishment_id, sa.func.sum(Room.single_beds + 2 * Room.double_beds)).join(Establishment)
        .where(Establishment.slug.startswith(history.SLUG_PREFIX)).group_by(Room.establishment_id)).all())
    for establishment_id, declared_rooms, declared_beds in db.session.execute(
        sa.select(Establishment.id, Establishment.declared_rooms, Establishment.declared_bed_places)
        .where(Establishment.slug.startswith(history.SLUG_PREFIX))
    ):
        assert rooms[establishment_id] == declared_rooms >= 1
        assert beds[establishment_id] == declared_beds >= declared_rooms


def test_closures_and_rooms_out_of_service_are_respected(generated):
    synthetic = Establishment.slug.startswith(history.SLUG_PREFIX)
    closures = db.session.execute(
        sa.select(EstablishmentClosure.establishment_id, EstablishmentClosure.start_date, EstablishmentClosure.end_date)
        .join(Establishment).where(synthetic)).all()
    repairs = db.session.execute(
        sa.select(RoomOutOfService.room_id, RoomOutOfService.start_date, RoomOutOfService.end_date)
        .join(Room).join(Establishment).where(synthetic)).all()
    assert closures and repairs
    closed = {}
    for establishment_id, start, end in closures:
        closed.setdefault(establishment_id, []).append((start, end))
    broken = {}
    for room_id, start, end in repairs:
        broken.setdefault(room_id, []).append((start, end))
    query = synthetic_stays().where(Stay.status != "cancelled").with_only_columns(
        Stay.establishment_id, Stay.room_id, Stay.arrival, Stay.departure)
    by_room: dict[int, list] = {}
    for establishment_id, room_id, arrival, departure in db.session.execute(query):
        last = max(arrival, departure - timedelta(days=1))
        for start, end in closed.get(establishment_id, []) + broken.get(room_id, []):
            assert last < start or arrival > end
        by_room.setdefault(room_id, []).append((arrival, departure))
    # One stay a room a night (a same-day stay holds its day).
    for stays in by_room.values():
        stays.sort()
        for (a1, d1), (a2, _d2) in itertools.pairwise(stays):
            assert a2 >= d1 and (a2 > a1 or d1 > a1)


def test_statuses_sources_and_length_of_stay(generated):
    rows = stay_rows()
    today = history.services.today()
    assert {row.source for row in rows} == {"demo"}
    statuses = Counter(row.status for row in rows)
    assert 0.01 <= statuses["cancelled"] / len(rows) <= 0.06
    for row in rows:
        if row.status == "checked_out":
            assert row.departure < today
        elif row.status == "in_house":
            assert row.arrival <= today <= row.departure
    assert statuses["in_house"] > 0
    kept = [row for row in rows if row.status != "cancelled"]
    nights = [(row.departure - row.arrival).days for row in kept]
    assert 1.8 <= sum(nights) / len(nights) <= 2.3
    same_day = sum(1 for n in nights if n == 0) / len(nights)
    assert 0.02 <= same_day <= 0.08
    assert max(nights) >= 10


def test_tet_and_weekends_are_busier(generated):
    rows = stay_rows()
    arrivals = Counter(row.arrival for row in rows)
    first, last = min(arrivals), max(arrivals)
    days = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
    mean = len(rows) / len(days)
    tet_days = [day for day in days if (tet := history.TET.get(day.year)) and 1 <= (day - tet).days <= 4]
    assert tet_days
    assert sum(arrivals[day] for day in tet_days) / len(tet_days) > 1.6 * mean
    weekend = [day for day in days if day.weekday() in (4, 5)]
    midweek = [day for day in days if day.weekday() in (0, 1, 2, 3)]
    assert (sum(arrivals[d] for d in weekend) / len(weekend)) > 1.3 * (sum(arrivals[d] for d in midweek) / len(midweek))
    summer = [day for day in days if day.month in (6, 7, 8)]
    rainy = [day for day in days if day.month in (9, 10, 11)]
    assert sum(arrivals[d] for d in summer) / len(summer) > sum(arrivals[d] for d in rainy) / len(rainy)


def test_guests_domestic_share_and_leading_countries(generated):
    guests = guest_rows()
    per_stay = len(guests) / STAYS
    assert 1.5 <= per_stay <= 2.5
    domestic = sum(1 for g in guests if g.residence_country == "VN") / len(guests)
    assert 0.86 <= domestic <= 0.94
    foreign = Counter(g.residence_country for g in guests if g.residence_country != "VN")
    leaders = [country for country, _count in foreign.most_common(5)]
    assert leaders[0] == "KR"
    assert set(leaders) == {"KR", "CN", "US", "RU", "FR"}
    # Nationality and residence differ for a few: overseas Vietnamese, foreigners living in Viet Nam.
    assert any(g.nationality == "VN" and g.residence_country != "VN" for g in guests)
    assert any(g.nationality != "VN" and g.residence_country == "VN" for g in guests)
    for g in guests:
        assert (g.document_type == "national_id") == (g.nationality == "VN" and g.residence_country == "VN")
        assert 1920 < g.birth_year <= history.services.today().year
    assert {g.sex for g in guests} >= {"F", "M"}
    assert Counter(g.purpose for g in guests).most_common(1)[0][0] == "leisure"


def test_russians_stay_mostly_on_the_coast(generated):
    rows = db.session.execute(
        sa.select(Guest.residence_country, Establishment.area_id).join(Establishment, Establishment.id == Guest.establishment_id)
        .where(Establishment.slug.startswith(history.SLUG_PREFIX), Guest.residence_country == "RU")).all()
    from tourism.portal.models import Area

    coastal = {area.id for area in db.session.scalars(sa.select(Area)) if area.locality.slug in history.COASTAL}
    assert rows and sum(1 for _c, area_id in rows if area_id in coastal) / len(rows) > 0.6


def test_documents_are_encrypted_indexed_and_valid(generated):
    guests = db.session.scalars(
        sa.select(Guest).join(Establishment, Establishment.id == Guest.establishment_id)
        .where(Establishment.slug.startswith(history.SLUG_PREFIX)).order_by(Guest.id).limit(300)).all()
    today = history.services.today()
    for guest in guests:
        number = crypto.decrypt_document(guest.document_ciphertext)
        assert guest.document_index == crypto.document_index(guest.document_type, guest.nationality, number)
        assert guest.document_last3 == number[-3:]
        data, errors = validate_guest({
            "full_name": guest.full_name, "birth_date": guest.birth_date.isoformat(), "sex": guest.sex,
            "nationality": guest.nationality, "residence_country": guest.residence_country,
            "document_type": guest.document_type, "document_number": number, "purpose": guest.purpose,
        }, today)
        assert not errors, (guest.full_name, number, errors)
        assert guest.name_search == data.name_search


def test_the_generator_is_deterministic(generated):
    areas = history._areas()
    counts = generated["counts"]
    plan = history.make_plan(STAYS, SEED, areas, start=counts["first_day"])
    again = history.make_plan(STAYS, SEED, areas, start=counts["first_day"])
    first = [(s.establishment, s.room, s.arrival, s.departure, s.status, s.guests) for s in history.generate_stays(plan)]
    second = [(s.establishment, s.room, s.arrival, s.departure, s.status, s.guests) for s in history.generate_stays(again)]
    assert first == second and len(first) == STAYS
    other = history.make_plan(STAYS, SEED + 1, areas, start=counts["first_day"])
    assert [(s.arrival, s.guests) for s in history.generate_stays(other)] != [(a, g) for _e, _r, a, _d, _s, g in first]
    # What was written is that sequence.
    written = Counter((row.arrival, row.departure, row.status) for row in stay_rows())
    assert written == Counter((arrival, departure, status) for _e, _r, arrival, departure, status, _g in first)


def test_running_again_adds_nothing(generated):
    before = db.session.scalar(sa.select(sa.func.count(Establishment.id)))
    counts = history.generate_history(STAYS, seed=SEED)
    assert counts["stays_created"] == counts["establishments_created"] == 0
    assert counts["stays"] == STAYS
    assert db.session.scalar(sa.select(sa.func.count(Establishment.id))) == before
    assert len(stay_rows()) == STAYS


def test_an_interrupted_run_is_completed(generated):
    # As if the last batches had not been committed: the run tops up to N with the same stays.
    ids = [row.id for row in sorted(stay_rows(), key=lambda row: row.id)][-500:]
    db.session.execute(sa.delete(Guest).where(Guest.stay_id.in_(ids)))
    db.session.execute(sa.delete(StaySegment).where(StaySegment.stay_id.in_(ids)))
    db.session.execute(sa.delete(Stay).where(Stay.id.in_(ids)))
    before = Counter((row.arrival, row.departure) for row in stay_rows())
    counts = history.generate_history(STAYS, seed=SEED)
    assert counts["stays_created"] == 500 and counts["stays"] == STAYS
    after = Counter((row.arrival, row.departure) for row in stay_rows())
    assert sum((after - before).values()) == 500


def test_another_size_or_seed_is_refused(app, generated):
    with pytest.raises(history.HistoryError) as refused, force_locale("en"):
        history.generate_history(STAYS, seed=SEED + 1)
    assert "other --stays or --seed" in refused.value.message
    with pytest.raises(history.HistoryError):
        history.generate_history(5_000_000, seed=SEED)


def test_demo_establishments_are_untouched(generated):
    slugs = set(db.session.scalars(sa.select(Establishment.slug).join(Stay, Stay.establishment_id == Establishment.id)
                                   .where(Stay.source == "demo")))
    assert all(slug.startswith(history.SLUG_PREFIX) for slug in slugs - {"doi-thong-homestay"})
    assert db.session.scalar(sa.select(Establishment).where(Establishment.slug == "doi-thong-homestay")) is not None


def test_refused_in_production(app, generated):
    app.config["PRODUCTION"] = True
    try:
        with pytest.raises(history.HistoryError):
            history.generate_history(10)
        result = app.test_cli_runner().invoke(args=["demo-data", "--stays", "10"])
        assert result.exit_code != 0
        assert "Production mode" in result.output
    finally:
        app.config["PRODUCTION"] = False


def test_cli_tops_up_with_a_progress_bar(app, generated):
    result = app.test_cli_runner().invoke(args=["demo-data", "--stays", str(STAYS), "--seed", str(SEED)])
    assert result.exit_code == 0, result.output
    assert f"{STAYS} stays (0 new" in result.output
    with force_locale("en"):
        refused = app.test_cli_runner().invoke(args=["demo-data", "--stays", "10", "--seed", str(SEED)])
    assert refused.exit_code != 0 and "other --stays or --seed" in refused.output


def test_the_rule_scales_rooms_and_years():
    areas = [history.AreaInfo(1, "Xuân Hương – Đà Lạt", "da-lat", 11.94, 108.45),
             history.AreaInfo(2, "Mũi Né – Phan Thiết", "phan-thiet", 10.93, 108.10)]
    end = date(2026, 12, 2)
    small = history.make_plan(200_000, 0, areas, end=end)
    assert len(small.establishments) == 1000 and small.days == history.MIN_DAYS
    big = history.make_plan(10_000_000, 0, areas, end=end)
    assert big.days == history.MAX_DAYS and len(big.establishments) > 1000
    for plan in (small, big):
        nights = plan.stays * history.mean_nights() * (1 - history.CANCELLED_SHARE)
        assert 0.4 <= nights / (plan.rooms * plan.days) <= 0.8
