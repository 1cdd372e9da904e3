"""The warehouse against a plain second computation (tests/warehouse_reference.py) on edge cases.

Each scenario puts stays in through the front-desk services, with the desk's "today" set to a day
in the scenario, loads the warehouse as of a fixed day and checks that `indicators.query` agrees
exactly with the reference for every breakdown. The reference itself is checked against figures
worked out by hand in each test, so that both computations are tested, not only their agreement.
"""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from tests.conftest import guest, vietnamese_guest
from tests.warehouse_reference import compare, reference_figures
from tourism.extensions import db
from tourism.lodging import establishments, rooms, services
from tourism.lodging.models import Establishment
from tourism.warehouse import indicators

pytestmark = pytest.mark.usefixtures("ctx")

BREAKDOWNS = [
    ["month"],
    ["month", "origin"],
    ["month", "residence"],
    ["month", "nationality"],
    ["quarter", "type"],
    ["year", "class"],
    ["month", "area"],
    ["month", "locality"],
    ["month", "age_band"],
    ["month", "sex"],
    ["month", "purpose"],
    ["month", "establishment"],
    ["establishment"],
    # A guest characteristic with places: answered from the sums by level of place.
    ["month", "residence", "area", "type"],
    ["year", "locality", "origin"],
    ["class", "sex"],
]

# Đồi Thông Homestay (the `establishment` fixture): six rooms, 17 bed-places.
DOI_THONG_ROOMS, DOI_THONG_BEDS = 6, 17


@pytest.fixture
def desk_day(monkeypatch):
    """Set the day the front desk believes it is; check-ins accept arrivals up to 3 years before it."""

    def set_day(day: date) -> None:
        monkeypatch.setattr(services, "today", lambda: day)

    return set_day


def kr(number: int, **fields) -> dict:
    """A Korean guest living in Korea, born 1990, with a passport of her own."""
    return guest(document_number=f"M{number:08d}", **fields)


def vn(number: int, **fields) -> dict:
    """A Vietnamese guest living in Vietnam, born 1990, with a citizen ID of his own."""
    data = vietnamese_guest(f"079190{number:06d}")
    data.update(fields)
    return data


def by_slug(slug: str) -> Establishment:
    return db.session.scalar(sa.select(Establishment).where(Establishment.slug == slug))


def stay_at(establishment, room: str, arrival: date, departure: date, guests: list, **options):
    return services.check_in_one(establishment, room, arrival, departure, guests, **options)


def refresh(as_of: date, full: bool = False):
    from tourism.warehouse import refresh as warehouse_refresh

    return warehouse_refresh.refresh(full=full, as_of=as_of)


def query(start: date, end: date, by: list[str]) -> list[dict]:
    from tourism.warehouse import indicators

    return indicators.query(start, end, by)


def assert_agree(start: date, end: date, as_of: date, breakdowns=BREAKDOWNS) -> None:
    """Compare the warehouse with the reference for every breakdown; report every difference at once.

    Over the whole period, and over its first and its last month alone (a stay cut by the range).
    """
    diffs = []
    for first, last in {(start, end), (start, start), (end, end)}:
        for by in breakdowns:
            diff = compare(query(first, last, by), reference_figures(db.session, first, last, by, as_of), by)
            if diff:
                diffs.append(f"{first}..{last} {diff}")
    assert not diffs, "the warehouse disagrees with the reference:\n" + "\n".join(diffs)


def figures(start, end, by, as_of, key, *names):
    """The reference's figures of one cell, only the named ones."""
    cell = reference_figures(db.session, start, end, by, as_of)[key]
    return tuple(cell[name] for name in names)


# -- the reference alone ---------------------------------------------------------------------

def test_reference_refuses_unknown_keys(establishment):
    with pytest.raises(ValueError):
        reference_figures(db.session, date(2025, 1, 1), date(2025, 1, 1), ["weekday"], date(2025, 1, 31))


def test_reference_omits_cells_with_nothing_in_them(establishment, desk_day):
    desk_day(date(2025, 1, 31))
    stay_at(establishment, "101", date(2025, 1, 5), date(2025, 1, 7), [kr(1)])
    # Before the first arrival there is no capacity and no guest: no row for December.
    result = reference_figures(db.session, date(2024, 12, 1), date(2025, 1, 1), ["month"], date(2025, 1, 31))
    assert set(result) == {("2025-01",)}
    # By a guest characteristic only demand is counted, and there is no capacity.
    by_sex = reference_figures(db.session, date(2025, 1, 1), date(2025, 1, 1), ["month", "sex"], date(2025, 1, 31))
    assert set(by_sex) == {("2025-01", "F")}
    assert "rooms_available" not in by_sex[("2025-01", "F")]


# -- scenarios -------------------------------------------------------------------------------

def test_stays_across_a_month_end_and_the_year_end(establishment, desk_day):
    desk_day(date(2025, 2, 28))
    # 31 Dec → 2 Jan: one night in each year. Born 1990: 34 on arrival in 2024.
    stay_at(establishment, "101", date(2024, 12, 31), date(2025, 1, 2), [kr(1)])
    # 30 Jan → 2 Feb: two nights in January, one in February.
    stay_at(establishment, "102", date(2025, 1, 30), date(2025, 2, 2), [vn(1)])
    start, end, as_of = date(2024, 12, 1), date(2025, 2, 1), date(2025, 2, 28)
    names = ("arrivals", "same_day", "nights", "guests", "establishments", "rooms_available",
             "bed_places_available", "rooms_occupied", "domestic_arrivals", "international_arrivals")
    # Capacity starts on the first arrival, 31 Dec.
    assert figures(start, end, ["month"], as_of, ("2024-12",), *names) == (
        1, 0, 1, 1, 1, DOI_THONG_ROOMS, DOI_THONG_BEDS, 1, 0, 1)
    assert figures(start, end, ["month"], as_of, ("2025-01",), *names) == (
        1, 0, 3, 1, 1, 31 * DOI_THONG_ROOMS, 31 * DOI_THONG_BEDS, 3, 1, 0)
    assert figures(start, end, ["month"], as_of, ("2025-02",), *names) == (
        0, 0, 1, 0, 1, 28 * DOI_THONG_ROOMS, 28 * DOI_THONG_BEDS, 1, 0, 0)
    assert figures(start, end, ["year"], as_of, ("2024",), "arrivals", "nights") == (1, 1)
    assert figures(start, end, ["year"], as_of, ("2025",), "arrivals", "nights") == (1, 4)
    # The age band is the arrival's, on every night of the stay.
    by_age = reference_figures(db.session, start, end, ["month", "age_band"], as_of)
    assert {key: (cell["arrivals"], cell["nights"]) for key, cell in by_age.items()} == {
        ("2024-12", "25-34"): (1, 1), ("2025-01", "25-34"): (0, 1),
        ("2025-01", "35-44"): (1, 2), ("2025-02", "35-44"): (0, 1),
    }
    # Nights after as_of are not counted yet, nor is capacity.
    assert reference_figures(db.session, start, end, ["month"], date(2025, 1, 1))[("2025-01",)]["nights"] == 1
    assert ("2025-02",) not in reference_figures(db.session, start, end, ["month"], date(2025, 1, 31))

    refresh(as_of)
    assert_agree(start, end, as_of)


def test_same_day_stays_and_a_cancelled_stay(establishment, desk_day):
    desk_day(date(2025, 3, 10))
    cancelled = stay_at(establishment, "101", date(2025, 3, 5), date(2025, 3, 12), [kr(1)])
    services.cancel_stay(establishment.id, cancelled.id)
    # A same-day visit entered by mistake and cancelled counts for nothing either.
    services.cancel_stay(establishment.id, stay_at(establishment, "201", date(2025, 3, 10), date(2025, 3, 10),
                                                   [kr(9)]).id)
    stay_at(establishment, "102", date(2025, 3, 8), date(2025, 3, 8), [kr(2), vn(2)])
    stay_at(establishment, "103", date(2025, 3, 9), date(2025, 3, 11), [vn(3)])
    start = end = date(2025, 3, 1)
    as_of = date(2025, 3, 31)
    march = reference_figures(db.session, start, end, ["month"], as_of)[("2025-03",)]
    # The cancelled stay counts for nothing, not even for the first day of capacity (8 March).
    assert march == {
        "arrivals": 1, "same_day": 2, "nights": 2, "guests": 3, "establishments": 1,
        "average_length_of_stay": 2.0, "domestic_arrivals": 1, "international_arrivals": 0,
        "domestic_nights": 2, "international_nights": 0,
        "rooms_available": 24 * DOI_THONG_ROOMS, "rooms_occupied": 2,
        "bed_places_available": 24 * DOI_THONG_BEDS,
        "room_occupancy": 2 / (24 * DOI_THONG_ROOMS), "bed_occupancy": 2 / (24 * DOI_THONG_BEDS),
    }
    by_origin = reference_figures(db.session, start, end, ["month", "origin"], as_of)
    assert {key[1]: (c["arrivals"], c["same_day"], c["nights"], c["guests"]) for key, c in by_origin.items()} == {
        "domestic": (1, 1, 2, 2), "international": (0, 1, 0, 1)}

    refresh(as_of)
    assert_agree(start, end, as_of)


def test_corrections_after_a_refresh(establishment, desk_day):
    desk_day(date(2025, 3, 10))
    earliest = stay_at(establishment, "101", date(2025, 3, 1), date(2025, 3, 12), [kr(1)])
    extended = stay_at(establishment, "102", date(2025, 3, 8), date(2025, 3, 12), [kr(2)])
    early = stay_at(establishment, "103", date(2025, 3, 9), date(2025, 3, 14), [vn(1)])
    moved = stay_at(establishment, "201", date(2025, 3, 9), date(2025, 3, 13), [vn(2), vn(3)])
    stay_at(establishment, "D1", date(2025, 3, 9), date(2025, 3, 13), [kr(3)])
    same_day = stay_at(establishment, "202", date(2025, 3, 10), date(2025, 3, 10), [kr(4)])
    # Arriving tomorrow, sharing room 101 for a night with the first guest.
    tomorrow = stay_at(establishment, "101", date(2025, 3, 11), date(2025, 3, 13), [kr(5)])
    start = end = date(2025, 3, 1)
    as_of = date(2025, 3, 31)
    names = ("arrivals", "same_day", "nights", "rooms_available", "rooms_occupied")
    assert figures(start, end, ["month"], as_of, ("2025-03",), *names) == (
        7, 1, 11 + 4 + 5 + 8 + 4 + 2, 31 * DOI_THONG_ROOMS, 12 + 4 + 5 + 4 + 4)
    refresh(as_of)
    assert_agree(start, end, as_of)

    services.extend_stay(establishment.id, extended.id, date(2025, 3, 15))
    # A same-day visitor who stays on after all: two nights and an arrival.
    services.extend_stay(establishment.id, same_day.id, date(2025, 3, 12))
    desk_day(date(2025, 3, 11))
    services.check_out(establishment.id, early.id)
    # Leaving on the day of arrival: a same-day visitor after all.
    services.check_out(establishment.id, tomorrow.id)
    # From the 11th the couple shares the dormitory with the guest already there.
    services.change_room(establishment.id, moved.id, "D1", on=date(2025, 3, 11))
    # Cancelling the first arrival moves the first day of capacity to 8 March.
    services.cancel_stay(establishment.id, earliest.id)
    assert figures(start, end, ["month"], as_of, ("2025-03",), *names) == (
        6, 1, 7 + 2 + 8 + 4 + 2, 24 * DOI_THONG_ROOMS, 7 + 2 + 2 + 4 + 2)
    refresh(as_of)
    assert_agree(start, end, as_of)

    # Loading again with nothing changed changes nothing; neither does a full reload.
    before = {tuple(by): query(start, end, by) for by in map(tuple, BREAKDOWNS)}
    refresh(as_of)
    assert {tuple(by): query(start, end, by) for by in map(tuple, BREAKDOWNS)} == before
    refresh(as_of, full=True)
    assert_agree(start, end, as_of)


def test_closures_rooms_out_of_service_and_the_first_day(establishment, desk_day):
    desk_day(date(2025, 2, 28))
    # Registered at 01:00 on 1 January in the province, still 31 December in UTC.
    establishment.created_at = datetime(2024, 12, 31, 18, 0, tzinfo=UTC)
    # Suspended establishments still count their rooms; pending ones do not.
    by_slug("hai-au-guesthouse").created_at = datetime(2025, 1, 15, 0, 0, tzinfo=UTC)
    by_slug("thung-lung-may-glamping").created_at = datetime(2025, 1, 1, 0, 0, tzinfo=UTC)
    db.session.commit()
    rooms.add_closure(establishment.id, {"start_date": "2025-01-10", "end_date": "2025-01-20", "reason": "Tết"})
    # Overlapping closures close each day once.
    rooms.add_closure(establishment.id, {"start_date": "2025-01-18", "end_date": "2025-01-22", "reason": "Tết"})
    rooms.add_closure(establishment.id, {"start_date": "2025-01-28", "end_date": "2025-02-03", "reason": "works"})
    numbers = {room.number: room for room in establishment.rooms}
    rooms.add_out_of_service(establishment.id, numbers["201"].id, {"start_date": "2025-01-02", "end_date": "2025-01-05"})
    # Out of service on 21-24 January, but the whole establishment is closed on the 21st and 22nd.
    rooms.add_out_of_service(establishment.id, numbers["202"].id, {"start_date": "2025-01-21", "end_date": "2025-01-24"})
    rooms.add_out_of_service(establishment.id, numbers["D1"].id, {"start_date": "2025-02-10", "end_date": "2025-03-20"})
    stay_at(establishment, "101", date(2025, 1, 5), date(2025, 1, 8), [kr(1)])
    stay_at(establishment, "102", date(2025, 2, 5), date(2025, 2, 7), [vn(1)])
    start, end, as_of = date(2025, 1, 1), date(2025, 2, 1), date(2025, 2, 28)
    names = ("rooms_available", "bed_places_available", "rooms_occupied", "nights")
    by_place = reference_figures(db.session, start, end, ["month", "establishment"], as_of)
    # January: 31 days, 13 + 4 closed; room 201 (3 bed-places) out on 4 open days, 202 (2) on 2.
    assert tuple(by_place[("2025-01", "doi-thong-homestay")][n] for n in names) == (
        14 * 6 - 4 - 2, 14 * 17 - 4 * 3 - 2 * 2, 3, 3)
    # February: 3 days closed; room D1 (6 bed-places) out from the 10th to as_of, 19 days.
    assert tuple(by_place[("2025-02", "doi-thong-homestay")][n] for n in names) == (
        25 * 6 - 19, 25 * 17 - 19 * 6, 2, 2)
    # Three rooms, six bed-places, nobody staying: a row all the same.
    assert by_place[("2025-01", "hai-au-guesthouse")] == {
        "arrivals": 0, "same_day": 0, "nights": 0, "guests": 0, "establishments": 0,
        "average_length_of_stay": None, "domestic_arrivals": 0, "international_arrivals": 0,
        "domestic_nights": 0, "international_nights": 0, "rooms_available": 17 * 3, "rooms_occupied": 0, "bed_places_available": 17 * 6,
        "room_occupancy": 0.0, "bed_occupancy": 0.0,
    }
    assert by_place[("2025-02", "hai-au-guesthouse")]["rooms_available"] == 28 * 3
    assert {slug for _month, slug in by_place} == {"doi-thong-homestay", "hai-au-guesthouse"}

    refresh(as_of)
    assert_agree(start, end, as_of)


def test_residence_nationality_groups_and_two_establishments(establishment, other_establishment, desk_day):
    desk_day(date(2025, 4, 30))
    # A Vietnamese living in the United States is an international tourist; a Korean living here is domestic.
    stay_at(establishment, "101", date(2025, 4, 2), date(2025, 4, 5), [
        guest(full_name="Trần Văn Minh", nationality="VN", residence_country="US", document_number="C1234567",
              sex="M", birth_date="1958-03-03", purpose="visiting")])
    stay_at(establishment, "102", date(2025, 4, 3), date(2025, 4, 4), [
        kr(2, residence_country="VN", sex="X", birth_date="2012-01-01", purpose="education")])
    # A group of three in one room: three arrivals, six nights, two room-nights.
    stay_at(establishment, "201", date(2025, 4, 10), date(2025, 4, 12), [
        vn(1, sex="F", birth_date="2000-06-01"), vn(2, birth_date="1975-02-02", purpose="business"),
        guest(full_name="Jeanne Dupont", nationality="FR", residence_country="FR", document_number="FR1234567",
              birth_date="2006-09-09")], group_name="Family")
    # A resort in Mũi Né: across the end of March, and a same-day visit.
    stay_at(other_establishment, "A01", date(2025, 3, 31), date(2025, 4, 2), [
        guest(full_name="Ivan Petrov", nationality="RU", residence_country="RU", document_number="752345678",
              sex="M", purpose="business")])
    stay_at(other_establishment, "A02", date(2025, 4, 15), date(2025, 4, 15), [vn(3)])
    start, end, as_of = date(2025, 3, 1), date(2025, 4, 1), date(2025, 4, 30)

    def cells(by, *names):
        return {key: tuple(c[n] for n in names) for key, c in reference_figures(db.session, start, end, by, as_of).items()}

    assert cells(["month", "residence"], "arrivals", "same_day", "nights") == {
        ("2025-03", "RU"): (1, 0, 1), ("2025-04", "RU"): (0, 0, 1), ("2025-04", "US"): (1, 0, 3),
        ("2025-04", "VN"): (3, 1, 5), ("2025-04", "FR"): (1, 0, 2)}
    assert cells(["month", "nationality"], "arrivals", "same_day", "nights") == {
        ("2025-03", "RU"): (1, 0, 1), ("2025-04", "RU"): (0, 0, 1), ("2025-04", "VN"): (3, 1, 7),
        ("2025-04", "KR"): (1, 0, 1), ("2025-04", "FR"): (1, 0, 2)}
    assert cells(["month", "origin"], "arrivals", "same_day", "nights", "establishments") == {
        ("2025-03", "international"): (1, 0, 1, 1), ("2025-04", "international"): (2, 0, 6, 2),
        ("2025-04", "domestic"): (3, 1, 5, 2)}
    assert cells(["month", "age_band"], "arrivals", "nights") == {
        ("2025-03", "35-44"): (1, 1), ("2025-04", "35-44"): (0, 1), ("2025-04", "65+"): (1, 3),
        ("2025-04", "0-14"): (1, 1), ("2025-04", "25-34"): (1, 2), ("2025-04", "45-54"): (1, 2),
        ("2025-04", "15-24"): (1, 2)}
    # Sea Breeze: 8 rooms, 22 bed-places, from 31 March; Đồi Thông from 2 April.
    assert cells(["establishment"], "arrivals", "same_day", "nights", "rooms_available", "bed_places_available",
                 "rooms_occupied", "domestic_arrivals", "international_arrivals") == {
        ("mui-ne-sea-breeze-resort",): (1, 1, 2, 31 * 8, 31 * 22, 2, 0, 1),
        ("doi-thong-homestay",): (5, 0, 3 + 1 + 6, 29 * 6, 29 * 17, 3 + 1 + 2, 3, 2)}
    assert cells(["quarter", "type"], "arrivals", "nights") == {
        ("2025-Q1", "resort"): (1, 1), ("2025-Q2", "resort"): (0, 1), ("2025-Q2", "homestay"): (5, 10)}
    assert cells(["year", "class"], "arrivals", "same_day") == {("2025", "4"): (1, 1), ("2025", "unrated"): (5, 0)}
    assert set(cells(["month", "area"], "nights")) == {
        ("2025-03", "mui-ne"), ("2025-04", "mui-ne"), ("2025-04", "lam-vien-da-lat")}

    refresh(as_of)
    assert_agree(start, end, as_of)


def test_as_of_moves_on_with_nothing_changed(establishment, desk_day):
    desk_day(date(2025, 3, 10))
    stay_at(establishment, "101", date(2025, 3, 8), date(2025, 3, 14), [kr(1)])
    stay_at(establishment, "102", date(2025, 2, 27), date(2025, 3, 2), [vn(1)])
    # Checked in ahead for tomorrow: nothing of it counts as of today.
    stay_at(establishment, "103", date(2025, 3, 11), date(2025, 3, 12), [vn(2)])
    start, end = date(2025, 2, 1), date(2025, 3, 1)
    # As of the 10th: the nights of the 8th, 9th and 10th only, and capacity up to the 10th.
    march = reference_figures(db.session, start, end, ["month"], date(2025, 3, 10))[("2025-03",)]
    assert (march["arrivals"], march["nights"], march["rooms_available"]) == (1, 1 + 3, 10 * DOI_THONG_ROOMS)
    refresh(date(2025, 3, 10))
    assert_agree(start, end, date(2025, 3, 10))
    # Days later, nothing changed in the register: the later nights and days still come in.
    march = reference_figures(db.session, start, end, ["month"], date(2025, 3, 31))[("2025-03",)]
    assert (march["arrivals"], march["nights"], march["rooms_available"]) == (2, 1 + 6 + 1, 31 * DOI_THONG_ROOMS)
    refresh(date(2025, 3, 31))
    assert_agree(start, end, date(2025, 3, 31))


def test_closures_and_repairs_changed_after_a_refresh(establishment, desk_day):
    desk_day(date(2025, 2, 28))
    stay_at(establishment, "101", date(2025, 1, 5), date(2025, 1, 8), [kr(1)])
    start, end, as_of = date(2025, 1, 1), date(2025, 2, 1), date(2025, 2, 28)
    refresh(as_of)
    assert_agree(start, end, as_of)
    # Changes to days already loaded, with no stay touched.
    closure = rooms.add_closure(establishment.id, {"start_date": "2025-01-20", "end_date": "2025-02-10"})
    room = next(room for room in establishment.rooms if room.number == "D1")
    rooms.add_out_of_service(establishment.id, room.id, {"start_date": "2025-02-15", "end_date": "2025-02-16"})
    feb = reference_figures(db.session, start, end, ["month"], as_of)[("2025-02",)]
    assert (feb["rooms_available"], feb["bed_places_available"]) == (18 * 6 - 2, 18 * 17 - 2 * 6)
    refresh(as_of)
    assert_agree(start, end, as_of)
    rooms.remove_closure(establishment.id, closure.id)
    refresh(as_of)
    assert_agree(start, end, as_of)


def change_rooms(establishment) -> dict:
    """Take 202 (2 bed-places) out of use, make 201 sleep 6 not 3, add two single rooms; return rooms by number."""
    numbers = {room.number: room for room in establishment.rooms}
    rooms.update_room(establishment.id, numbers["202"].id, {
        "number": "202", "room_type": "double", "single_beds": 0, "double_beds": 1, "capacity": 2, "active": False})
    rooms.update_room(establishment.id, numbers["201"].id, {
        "number": "201", "room_type": "family", "single_beds": 2, "double_beds": 2, "capacity": 4})
    for number in ("301", "302"):
        rooms.create_room(establishment.id, {
            "number": number, "room_type": "single", "single_beds": 1, "double_beds": 0, "capacity": 1})
    return numbers


def test_rooms_changed_before_the_first_load(establishment, desk_day):
    """Rooms count as they are now (in use, and their beds), on every day."""
    desk_day(date(2025, 2, 28))
    stay_at(establishment, "101", date(2025, 1, 5), date(2025, 1, 8), [kr(1)])
    start, end, as_of = date(2025, 1, 1), date(2025, 2, 1), date(2025, 2, 28)
    numbers = change_rooms(establishment)
    jan = reference_figures(db.session, start, end, ["month"], as_of)[("2025-01",)]
    assert (jan["rooms_available"], jan["bed_places_available"]) == (27 * 7, 27 * (17 - 2 + 3 + 1 + 1))
    # The room the guest slept in is taken out of use: its nights still occupied a room.
    assert rooms.remove_room(establishment.id, numbers["101"].id) == "deactivated"
    jan = reference_figures(db.session, start, end, ["month"], as_of)[("2025-01",)]
    assert (jan["rooms_available"], jan["rooms_occupied"]) == (27 * 6, 3)
    refresh(as_of)
    assert_agree(start, end, as_of)


def warehouse_month(start: date, end: date, **filters) -> dict:
    return {row["month"]: row for row in indicators.query(start, end, ["month"], filters)}


def test_rooms_changed_after_a_refresh(establishment, desk_day):
    """Capacity is versioned: the lodging tables keep no history of rooms, so a change counts from the
    first refresh that sees it, and the days loaded before keep the rooms they had (a full rebuild too)."""
    desk_day(date(2025, 2, 28))
    stay_at(establishment, "101", date(2025, 1, 5), date(2025, 1, 8), [kr(1)])
    start, end = date(2025, 1, 1), date(2025, 2, 1)
    refresh(date(2025, 2, 27))
    before = reference_figures(db.session, start, end, ["month"], date(2025, 2, 27))
    assert_agree(start, end, date(2025, 2, 27), [["month"]])
    change_rooms(establishment)
    refresh(date(2025, 2, 28))
    for rebuild in (False, True):
        if rebuild:
            refresh(date(2025, 2, 28), full=True)
        months = warehouse_month(start, end)
        assert months["2025-01"]["rooms_available"] == before[("2025-01",)]["rooms_available"] == 27 * 6
        assert months["2025-01"]["bed_places_available"] == before[("2025-01",)]["bed_places_available"] == 27 * 17
        # February: 27 days with the six rooms (17 bed-places) loaded before, 28 February with the new
        # seven (202 out of use, 201 sleeping 6, two singles added: 20 bed-places).
        assert months["2025-02"]["rooms_available"] == 27 * 6 + 7
        assert months["2025-02"]["bed_places_available"] == 27 * 17 + 20


def test_establishment_profile_changed_after_a_refresh(establishment, desk_day):
    """Type and class are versioned (SCD2) from the refresh that first sees a change: the January stay
    stays a homestay's, and only the days from the change on count under the new type and class."""
    desk_day(date(2025, 2, 28))
    stay_at(establishment, "101", date(2025, 1, 5), date(2025, 1, 8), [kr(1)])
    start, end = date(2025, 1, 1), date(2025, 2, 1)
    refresh(date(2025, 2, 27))
    old_kind, old_class = establishment.kind, establishment.star_class
    establishment.kind, establishment.star_class = "hotel", 2
    db.session.commit()
    refresh(date(2025, 2, 28))
    only_here = {"establishment": [establishment.slug]}
    by_type = {row["type"]: row for row in indicators.query(start, end, ["type"], only_here)}
    assert set(by_type) == {old_kind, "hotel"}
    assert (by_type[old_kind]["arrivals"], by_type[old_kind]["nights"]) == (1, 3)
    assert by_type[old_kind]["rooms_available"] == (27 + 27) * 6
    assert (by_type["hotel"]["arrivals"], by_type["hotel"]["rooms_available"]) == (0, 6)
    by_class = {row["class"]: row["arrivals"] for row in indicators.query(start, end, ["class"], only_here)}
    assert by_class == {str(old_class) if old_class else "unrated": 1, "2": 0}
    # The province's totals do not depend on the versions.
    assert_agree(start, end, date(2025, 2, 28), [["month"], ["month", "residence"]])


def test_establishment_suspended_after_a_refresh(establishment, desk_day):
    desk_day(date(2025, 2, 28))
    stay_at(establishment, "101", date(2025, 1, 5), date(2025, 1, 8), [kr(1)])
    start, end, as_of = date(2025, 1, 1), date(2025, 2, 1), date(2025, 2, 28)
    refresh(as_of)
    establishments.set_status(establishment, "suspended", "Fire safety inspection overdue", None)
    # A suspended establishment keeps its rooms in the capacity.
    assert reference_figures(db.session, start, end, ["month"], as_of)[("2025-02",)]["rooms_available"] == 28 * 6
    refresh(as_of)
    assert_agree(start, end, as_of)


def test_age_band_edges(establishment, desk_day):
    desk_day(date(2025, 6, 30))
    ages = (14, 15, 24, 25, 64, 65)
    stay_at(establishment, "D1", date(2025, 6, 1), date(2025, 6, 2), [
        kr(number, birth_date=f"{2025 - age}-12-31") for number, age in enumerate(ages, start=1)])
    start = end = date(2025, 6, 1)
    by_age = reference_figures(db.session, start, end, ["month", "age_band"], date(2025, 6, 30))
    assert {band: cell["arrivals"] for (_month, band), cell in by_age.items()} == {
        "0-14": 1, "15-24": 2, "25-34": 1, "55-64": 1, "65+": 1}
    refresh(date(2025, 6, 30))
    assert_agree(start, end, date(2025, 6, 30), [["month", "age_band"], ["month"]])


def test_generated_history_agrees():
    from tourism.lodging import history

    history.generate_history(stays=2000, seed=1)
    as_of = services.today()
    # Sixty months up to this one: the longest range a query takes.
    months_back = 59
    month_index = as_of.year * 12 + as_of.month - 1 - months_back
    start, end = date(month_index // 12, month_index % 12 + 1, 1), as_of.replace(day=1)
    refresh(as_of)
    by_month = reference_figures(db.session, start, end, ["month"], as_of)
    assert sum(cell["arrivals"] for cell in by_month.values()) > 1000
    # Over the whole period only: the reference is slow on a thousand establishments.
    diffs = [compare(query(start, end, by), reference_figures(db.session, start, end, by, as_of), by)
             for by in (["month"], ["month", "residence"], ["year", "class"], ["quarter", "type"],
                        ["establishment"], ["year", "age_band"], ["year", "residence", "area", "type"],
                        ["locality", "class", "purpose"], ["quarter", "type", "origin"])]
    assert not any(diffs), "\n".join(diff for diff in diffs if diff)
