"""A second, independent computation of the warehouse's indicators, for tests only.

It reads the raw lodging rows with plain SELECTs and counts in Python, night by night and day by
day, straight from the definitions in the warehouse contract (UNWTO IRTS 2008 / Eurostat). It is
slow on purpose: every figure can be checked by reading a loop. It shares no code with
tourism/warehouse, so that an agreement between the two means something.
"""

import math
from collections import defaultdict
from datetime import UTC, date, timedelta

import sqlalchemy as sa

from tourism.core.pages import LOCAL_TZ
from tourism.lodging.models import (
    Establishment,
    EstablishmentClosure,
    Guest,
    Room,
    RoomOutOfService,
    Stay,
    StaySegment,
)
from tourism.portal.models import Area, Locality

TIME_KEYS = ("month", "quarter", "year")
ESTABLISHMENT_KEYS = ("area", "locality", "type", "class", "establishment")
GUEST_KEYS = ("residence", "nationality", "origin", "age_band", "sex", "purpose")
COUNTS = ("arrivals", "same_day", "nights", "guests", "establishments")
# Contributing establishments are counted up to the suppression threshold, as the warehouse defines them.
COUNTED_ESTABLISHMENTS = 3
ORIGIN_COUNTS = ("domestic_arrivals", "international_arrivals")
CAPACITY = ("rooms_available", "rooms_occupied", "bed_places_available")
RATIOS = ("average_length_of_stay", "room_occupancy", "bed_occupancy")
# Not in the contract, but the warehouse gives them: compared only when a row has them.
OPTIONAL = ("domestic_nights", "international_nights")
# Establishments whose rooms are on offer: pending and rejected ones have no capacity.
OFFERING = ("approved", "suspended")
AGE_BANDS = ((14, "0-14"), (24, "15-24"), (34, "25-34"), (44, "35-44"), (54, "45-54"), (64, "55-64"))


def days(first: date, last: date):
    """Yield every date from `first` to `last`, both included."""
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def month_end(day: date) -> date:
    """Return the last day of the month `day` falls in."""
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def age_band(arrival: date, birth_year: int) -> str:
    """Return the guest's age band, from the arrival's year minus the birth year."""
    age = arrival.year - birth_year
    for upper, band in AGE_BANDS:
        if age <= upper:
            return band
    return "65+"


def local_date(moment) -> date:
    """Return the province's calendar date of a UTC timestamp."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ).date()


def key_value(name: str, day: date, establishment: dict, guest: dict | None, arrival: date | None) -> str | None:
    """Return the value one breakdown key takes for an event on `day` (see the contract's key list)."""
    if name == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if name == "quarter":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    if name == "year":
        return f"{day.year:04d}"
    if name == "area":
        return establishment["area"]
    if name == "locality":
        return establishment["locality"]
    if name == "type":
        return establishment["kind"]
    if name == "class":
        star = establishment["star_class"]
        return str(star) if star else "unrated"
    if name == "establishment":
        return establishment["slug"]
    if name == "residence":
        return guest["residence_country"]
    if name == "nationality":
        return guest["nationality"]
    if name == "origin":
        return "domestic" if guest["residence_country"] == "VN" else "international"
    if name == "age_band":
        return age_band(arrival, guest["birth_year"])
    if name == "sex":
        return guest["sex"]
    if name == "purpose":
        return guest["purpose"]
    raise ValueError(f"unknown breakdown key {name!r}")


def _load(session):
    """Read the raw rows the indicators come from, as plain dicts."""
    establishments = {}
    query = (
        sa.select(Establishment.id, Establishment.slug, Establishment.kind, Establishment.star_class,
                  Establishment.status, Establishment.created_at, Area.slug.label("area"),
                  Locality.slug.label("locality"))
        .select_from(Establishment)
        .outerjoin(Area, Area.id == Establishment.area_id)
        .outerjoin(Locality, Locality.id == Area.locality_id)
    )
    for row in session.execute(query):
        establishments[row.id] = dict(row._mapping)
    rooms = [dict(row._mapping) for row in session.execute(
        sa.select(Room.id, Room.establishment_id, Room.active, Room.single_beds, Room.double_beds))]
    closures = [dict(row._mapping) for row in session.execute(
        sa.select(EstablishmentClosure.establishment_id, EstablishmentClosure.start_date,
                  EstablishmentClosure.end_date))]
    repairs = [dict(row._mapping) for row in session.execute(
        sa.select(RoomOutOfService.room_id, RoomOutOfService.start_date, RoomOutOfService.end_date))]
    stays = {row.id: dict(row._mapping) for row in session.execute(
        sa.select(Stay.id, Stay.establishment_id, Stay.arrival, Stay.departure, Stay.status))}
    segments = [dict(row._mapping) for row in session.execute(
        sa.select(StaySegment.stay_id, StaySegment.room_id, StaySegment.start_date, StaySegment.end_date))]
    guests = [dict(row._mapping) for row in session.execute(
        sa.select(Guest.stay_id, Guest.birth_year, Guest.sex, Guest.nationality, Guest.residence_country,
                  Guest.purpose))]
    return establishments, rooms, closures, repairs, stays, segments, guests


def _new_cell() -> dict:
    return {"arrivals": 0, "same_day": 0, "nights": 0, "domestic_arrivals": 0, "international_arrivals": 0,
            "domestic_nights": 0, "international_nights": 0,
            "establishment_ids": set(), "rooms_available": 0, "rooms_occupied": 0, "bed_places_available": 0}


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def reference_figures(session, start: date, end: date, by: list[str], as_of: date) -> dict[tuple, dict]:
    """Compute the indicators from the lodging tables, one night and one day at a time.

    The period is every day from `start` to the last day of `end`'s month. The result maps a tuple
    of the `by` values, in the order of `by`, to a dict with arrivals, same_day, nights, guests
    (arrivals + same_day), establishments (distinct establishments with an arrival, a same-day
    visitor or a night in the cell, counted up to COUNTED_ESTABLISHMENTS) and average_length_of_stay; without a guest characteristic in
    `by` also domestic_arrivals, international_arrivals, domestic_nights, international_nights
    (by residence, like the arrivals), rooms_available, rooms_occupied,
    bed_places_available, room_occupancy and bed_occupancy.

    A cell is omitted only when its arrivals, same_day and nights are all 0 AND its
    rooms_available is 0 or absent: an establishment open with nobody staying still gives a row.
    """
    unknown = [name for name in by if name not in TIME_KEYS + ESTABLISHMENT_KEYS + GUEST_KEYS]
    if unknown:
        raise ValueError(f"unknown breakdown keys {unknown}")
    with_guest_key = any(name in GUEST_KEYS for name in by)
    last = month_end(end)
    establishments, rooms, closures, repairs, stays, segments, guests = _load(session)
    counted = {stay_id: stay for stay_id, stay in stays.items() if stay["status"] != "cancelled"}
    cells: dict[tuple, dict] = defaultdict(_new_cell)

    def cell(day, establishment, guest=None, arrival=None):
        return cells[tuple(key_value(name, day, establishment, guest, arrival) for name in by)]

    # Demand: each guest of a stay that is not cancelled is one guest stay.
    for guest in guests:
        stay = counted.get(guest["stay_id"])
        if stay is None:
            continue
        establishment = establishments[stay["establishment_id"]]
        arrival, departure = stay["arrival"], stay["departure"]
        nights = (departure - arrival).days
        origin = "domestic" if guest["residence_country"] == "VN" else "international"
        if start <= arrival <= last and arrival <= as_of:
            target = cell(arrival, establishment, guest, arrival)
            target["establishment_ids"].add(establishment["id"])
            if nights > 0:
                target["arrivals"] += 1
                target[f"{origin}_arrivals"] += 1
            else:
                target["same_day"] += 1
        for night in days(arrival, departure - timedelta(days=1)):
            if start <= night <= last and night <= as_of:
                target = cell(night, establishment, guest, arrival)
                target["nights"] += 1
                target[f"{origin}_nights"] += 1
                target["establishment_ids"].add(establishment["id"])

    # Supply: each day an establishment offers rooms, from its first day up to as_of.
    if not with_guest_key:
        earliest: dict[int, date] = {}
        for stay in counted.values():
            known = earliest.get(stay["establishment_id"])
            if known is None or stay["arrival"] < known:
                earliest[stay["establishment_id"]] = stay["arrival"]
        # Each establishment's rooms, closures, repairs and occupied segments, gathered once.
        own_rooms, own_closures, own_repairs, own_segments = (defaultdict(list) for _ in range(4))
        room_owner = {room["id"]: room["establishment_id"] for room in rooms}
        for room in rooms:
            if room["active"]:
                own_rooms[room["establishment_id"]].append(room)
        for closure in closures:
            own_closures[closure["establishment_id"]].append(closure)
        for repair in repairs:
            own_repairs[room_owner[repair["room_id"]]].append(repair)
        for segment in segments:
            stay = counted.get(segment["stay_id"])
            if stay is not None and stay["departure"] > stay["arrival"]:
                own_segments[stay["establishment_id"]].append(segment)
        for establishment in establishments.values():
            if establishment["status"] not in OFFERING:
                continue
            first = local_date(establishment["created_at"])
            if establishment["id"] in earliest:
                first = min(first, earliest[establishment["id"]])
            active = own_rooms[establishment["id"]]
            active_ids = {room["id"] for room in active}
            repaired = [r for r in own_repairs[establishment["id"]] if r["room_id"] in active_ids]
            for day in days(max(first, start), min(as_of, last)):
                target = cell(day, establishment)
                closed = any(c["start_date"] <= day <= c["end_date"] for c in own_closures[establishment["id"]])
                if not closed:
                    broken = {r["room_id"] for r in repaired if r["start_date"] <= day <= r["end_date"]}
                    in_service = [room for room in active if room["id"] not in broken]
                    target["rooms_available"] += len(in_service)
                    target["bed_places_available"] += sum(
                        room["single_beds"] + 2 * room["double_beds"] for room in in_service)
                target["rooms_occupied"] += len({s["room_id"] for s in own_segments[establishment["id"]]
                                                 if s["start_date"] <= day < s["end_date"]})

    result = {}
    for key, raw in cells.items():
        if raw["arrivals"] == 0 and raw["same_day"] == 0 and raw["nights"] == 0 and raw["rooms_available"] == 0:
            continue
        figures = {
            "arrivals": raw["arrivals"],
            "same_day": raw["same_day"],
            "nights": raw["nights"],
            "guests": raw["arrivals"] + raw["same_day"],
            "establishments": min(len(raw["establishment_ids"]), COUNTED_ESTABLISHMENTS),
            "average_length_of_stay": _ratio(raw["nights"], raw["arrivals"]),
        }
        if not with_guest_key:
            figures["domestic_arrivals"] = raw["domestic_arrivals"]
            figures["international_arrivals"] = raw["international_arrivals"]
            figures["domestic_nights"] = raw["domestic_nights"]
            figures["international_nights"] = raw["international_nights"]
            for name in CAPACITY:
                figures[name] = raw[name]
            figures["room_occupancy"] = _ratio(raw["rooms_occupied"], raw["rooms_available"])
            figures["bed_occupancy"] = _ratio(raw["nights"], raw["bed_places_available"])
        result[key] = figures
    return result


def _same(expected, got) -> bool:
    if expected is None or got is None:
        return expected is None and got is None
    if isinstance(expected, float) or isinstance(got, float):
        return math.isclose(float(expected), float(got), rel_tol=1e-9, abs_tol=1e-12)
    # Integers must agree exactly (a Decimal from a SQL SUM compares equal to its int).
    return expected == got


def compare(warehouse_rows: list[dict], reference: dict[tuple, dict], by: list[str]) -> str:
    """Return a readable diff between `indicators.query` rows and `reference_figures`; "" when they agree.

    Only the fields the reference computes are compared; ratios within floating-point noise.
    """
    warehouse: dict[tuple, dict] = {}
    lines = []
    for row in warehouse_rows:
        key = tuple(row.get(name) for name in by)
        if key in warehouse:
            lines.append(f"  duplicate warehouse row for {key}")
        warehouse[key] = row
    for key in sorted(set(reference) | set(warehouse), key=lambda k: tuple("" if v is None else str(v) for v in k)):
        expected, got = reference.get(key), warehouse.get(key)
        if got is None:
            lines.append(f"  {key}: missing from the warehouse; expected {expected}")
            continue
        if expected is None:
            shown = {name: got.get(name) for name in COUNTS + ORIGIN_COUNTS + CAPACITY if name in got}
            lines.append(f"  {key}: not expected; the warehouse has {shown}")
            continue
        for name, value in expected.items():
            if name not in got and name in OPTIONAL:
                continue
            if name not in got:
                lines.append(f"  {key} {name}: expected {value!r}, the warehouse row has no such field")
            elif not _same(value, got[name]):
                lines.append(f"  {key} {name}: expected {value!r}, got {got[name]!r}")
    if not lines:
        return ""
    return f"by={by}: {len(lines)} difference(s)\n" + "\n".join(lines)
