"""Front-desk operations on stays: check in, extend, change room, check out, cancel, and lookups.

Every state change of a stay goes through here, whether it comes from the desk, the API, an
import or the CLI. Each function validates everything first, takes the establishment's lock,
checks the nights against what is already booked, and commits once, or raises a LodgingError
with nothing saved.
"""

import functools
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from tourism.core import audit
from tourism.core.database import utcnow
from tourism.core.pages import LOCAL_TZ, local_now
from tourism.core.text import fold
from tourism.extensions import db
from tourism.lodging import crypto
from tourism.lodging.errors import Conflict, LodgingError, NotFound
from tourism.lodging.models import (
    Declaration,
    Establishment,
    EstablishmentClosure,
    Guest,
    Room,
    RoomOutOfService,
    Stay,
    StaySegment,
)
from tourism.lodging.validation import GuestData, check_dates, validate_guests
from tourism.lodging.validation import ValidationError as InvalidFields

# Residence Law: declare by 23:00 on the arrival day, or by 08:00 next day after a 23:00 arrival.
DECLARE_BY = time(23, 0)
LATE_ARRIVAL_DECLARE_BY = time(8, 0)


def today() -> date:
    """Return today's date in the province."""
    return local_now().date()


def occupied_dates(start: date, end: date) -> list[date]:
    """Return the dates a stay or segment holds a room: its nights, or its one day if same-day."""
    if end <= start:
        return [start]
    return [start + timedelta(days=offset) for offset in range((end - start).days)]


def _overlaps(start_column, end_column, first: date, last: date):
    """SQL for "a [start, end) range, or a same-day [start], holds a date in [first, last]"."""
    return sa.and_(
        start_column <= last,
        sa.or_(end_column > first, sa.and_(end_column == start_column, start_column >= first)),
    )


# -- locking ---------------------------------------------------------------------------------

def lock_establishment(establishment_id: int) -> None:
    """Serialise the writers of one establishment's stays until the caller commits.

    On PostgreSQL the UPDATE takes the row lock, and later reads in READ COMMITTED see whatever
    the previous holder committed. On SQLite the UPDATE takes the database's write lock; it must
    be the first statement of its transaction, or a snapshot taken by an earlier read would make
    it fail with "database is locked" instead of waiting, hence the commit before it.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.commit()
    table = Establishment.__table__
    # Core, not the ORM: a lock is not a change to the establishment's public page.
    db.session.connection().execute(
        sa.update(table).where(table.c.id == establishment_id).values(lock_version=table.c.lock_version + 1)
    )


def lock_with_rooms(establishment_id: int, refs: list) -> dict[str, Room]:
    """Take the establishment's lock and load the rooms named by number, in as few round trips as can be.

    On PostgreSQL one SELECT … FOR UPDATE OF establishment does both: a check-in is a few
    statements, and this saves one of them on the hottest path. Rooms not found are simply
    missing from the answer (the caller reports them); then the lock is taken on its own.
    """
    numbers = sorted({ref.strip() for ref in refs if isinstance(ref, str)})
    if db.session.get_bind().dialect.name != "postgresql" or not numbers:
        lock_establishment(establishment_id)
        found = {}
    else:
        query = (
            sa.select(Room)
            .join(Establishment, Establishment.id == Room.establishment_id)
            .where(Establishment.id == establishment_id, Room.number.in_(numbers))
            .with_for_update(of=Establishment.__table__)
        )
        found = {room.number: room for room in db.session.scalars(query)}
        if not found:
            lock_establishment(establishment_id)
    if numbers and not found:
        found = {room.number: room for room in db.session.scalars(
            sa.select(Room).where(Room.establishment_id == establishment_id, Room.number.in_(numbers))
        )}
    return {ref: found[ref.strip()] for ref in refs if isinstance(ref, str) and ref.strip() in found}


# -- checks under the lock -------------------------------------------------------------------

@functools.cache
def _room_dates_query() -> sa.CompoundSelect:
    """Closures of the establishment, repairs of the room and its booked segments, in one query.

    Built once: a check-in runs it under the establishment's lock, so its cost is the desk's
    throughput. Rows are (kind, start, end, guests).
    """
    closure, repair = EstablishmentClosure.__table__, RoomOutOfService.__table__
    segment, stay, guest = StaySegment.__table__, Stay.__table__, Guest.__table__
    first, last = sa.bindparam("first", type_=sa.Date), sa.bindparam("last", type_=sa.Date)
    guests = sa.select(sa.func.count(guest.c.id)).where(guest.c.stay_id == segment.c.stay_id).scalar_subquery()
    return sa.union_all(
        sa.select(sa.literal("closed"), closure.c.start_date, closure.c.end_date, sa.literal(0)).where(
            closure.c.establishment_id == sa.bindparam("establishment_id"),
            closure.c.start_date <= last, closure.c.end_date >= first,
        ),
        sa.select(sa.literal("repair"), repair.c.start_date, repair.c.end_date, sa.literal(0)).where(
            repair.c.room_id == sa.bindparam("room_id"), repair.c.start_date <= last, repair.c.end_date >= first,
        ),
        sa.select(sa.literal("booked"), segment.c.start_date, segment.c.end_date, guests)
        .select_from(segment.join(stay, stay.c.id == segment.c.stay_id))
        .where(
            segment.c.room_id == sa.bindparam("room_id"),
            stay.c.status != "cancelled",
            stay.c.id != sa.bindparam("exclude_stay_id"),
            _overlaps(segment.c.start_date, segment.c.end_date, first, last),
        ),
    )


def _room_dates(room: Room, first: date, last: date, exclude_stay_id: int | None) -> list[tuple]:
    params = {"establishment_id": room.establishment_id, "room_id": room.id, "first": first, "last": last,
              "exclude_stay_id": exclude_stay_id or 0}
    return db.session.connection().execute(_room_dates_query(), params).all()


def _count_nights(rows, first: date, last: date) -> Counter:
    counts: Counter = Counter()
    for _kind, start, end, count in rows:
        for day in occupied_dates(start, end):
            if first <= day <= last:
                counts[day] += count
    return counts


def _check_room(room: Room, start: date, end: date, guest_count: int, exclude_stay_id: int | None = None) -> None:
    """Refuse a room that is closed, out of service or too full on any of the dates."""
    dates = occupied_dates(start, end)
    first, last = dates[0], dates[-1]
    if not room.active:
        raise Conflict(_("Room %(room)s is not in use.", room=room.number), {"room": _("This room is not in use.")},
                       code="room_inactive")
    if guest_count > room.capacity:
        raise Conflict(
            _("Room %(room)s sleeps at most %(capacity)s.", room=room.number, capacity=room.capacity),
            {"guests": _("Too many guests for this room.")},
            code="capacity_exceeded",
        )
    rows = _room_dates(room, first, last, exclude_stay_id)
    blocked = {kind: (start, end) for kind, start, end, _count in rows if kind != "booked"}
    if "closed" in blocked:
        start, end = blocked["closed"]
        raise Conflict(
            _("The establishment is closed from %(start)s to %(end)s.", start=start, end=end),
            {"arrival": _("The establishment is closed on some of these dates.")},
            code="establishment_closed",
        )
    if "repair" in blocked:
        start, end = blocked["repair"]
        raise Conflict(
            _("Room %(room)s is out of service from %(start)s to %(end)s.", room=room.number, start=start, end=end),
            {"room": _("This room is out of service on some of these dates.")},
            code="room_out_of_service",
        )
    booked = _count_nights([row for row in rows if row[0] == "booked"], first, last)
    for day in dates:
        if booked[day] + guest_count > room.capacity:
            free = max(room.capacity - booked[day], 0)
            raise Conflict(
                _("Room %(room)s has %(free)s free place(s) on %(date)s.", room=room.number, free=free, date=day),
                {"room": _("This room is full on %(date)s.", date=day)},
                code="room_full",
            )


@functools.cache
def _staying_query() -> sa.Select:
    """Guests of the establishment, by blind index, staying on some date from `first` to `last`."""
    stay, guest = Stay.__table__, Guest.__table__
    first, last = sa.bindparam("first", type_=sa.Date), sa.bindparam("last", type_=sa.Date)
    return (
        sa.select(guest.c.document_index)
        .select_from(guest.join(stay, stay.c.id == guest.c.stay_id))
        .where(
            guest.c.establishment_id == sa.bindparam("establishment_id"),
            guest.c.document_index.in_(sa.bindparam("indexes", expanding=True)),
            stay.c.status != "cancelled",
            stay.c.id != sa.bindparam("exclude_stay_id"),
            _overlaps(stay.c.arrival, stay.c.departure, first, last),
        )
        .limit(1)
    )


def _check_guests_free(
    establishment_id: int, indexes: dict[str, str], start: date, end: date, exclude_stay_id: int | None = None
) -> None:
    """Refuse a guest who is already in a room of this establishment on one of the dates."""
    if not indexes:
        return
    dates = occupied_dates(start, end)
    params = {"establishment_id": establishment_id, "indexes": list(indexes), "first": dates[0],
              "last": dates[-1], "exclude_stay_id": exclude_stay_id or 0}
    clash = db.session.connection().execute(_staying_query(), params).scalar()
    if clash is not None:
        path = indexes[clash]
        raise Conflict(
            _("This guest is already staying in another room on these dates."),
            {path: _("This guest is already staying in another room on these dates.")},
            code="guest_already_staying",
        )


# -- check-in --------------------------------------------------------------------------------

@dataclass
class RoomBooking:
    """One room of a check-in and the guests who sleep there."""

    room: str | Room
    guests: list = field(default_factory=list)


def declaration_deadline(arrival: date, checked_in_at: datetime) -> datetime:
    """Return when the police must have the declaration, in UTC."""
    local = checked_in_at.astimezone(LOCAL_TZ)
    if arrival < local.date():
        # Entered after the arrival day: the deadline was that day's evening (it is overdue).
        return datetime.combine(arrival, DECLARE_BY, LOCAL_TZ)
    if local.time() >= DECLARE_BY:
        return datetime.combine(local.date() + timedelta(days=1), LATE_ARRIVAL_DECLARE_BY, LOCAL_TZ)
    return datetime.combine(local.date(), DECLARE_BY, LOCAL_TZ)


def find_room(establishment_id: int, room: str | Room | int, field_name: str = "room") -> Room:
    """Return one of the establishment's rooms by number, id or object; NotFound otherwise."""
    if isinstance(room, Room):
        if room.establishment_id != establishment_id:
            raise NotFound(_("No such room."), {field_name: _("No such room.")})
        return room
    query = sa.select(Room).where(Room.establishment_id == establishment_id)
    if isinstance(room, int):
        query = query.where(Room.id == room)
    else:
        query = query.where(Room.number == str(room or "").strip())
    found = db.session.scalar(query)
    if found is None:
        raise NotFound(_("No such room."), {field_name: _("No such room in this establishment.")}, code="unknown_room")
    return found


def guest_values(establishment_id: int, data: GuestData, position: int, index: str | None = None) -> dict:
    """Return the stored columns of a validated guest: document encrypted, indexed and masked."""
    return {
        "establishment_id": establishment_id,
        "position": position,
        "full_name": data.full_name,
        "name_search": data.name_search,
        "birth_date": data.birth_date,
        "birth_year": data.birth_date.year,
        "document_ciphertext": crypto.encrypt_document(data.document_number),
        "document_index": index or crypto.document_index(data.document_type, data.nationality, data.document_number),
        "document_last3": data.document_number[-3:],
        "sex": data.sex,
        "nationality": data.nationality,
        "residence_country": data.residence_country,
        "document_type": data.document_type,
        "purpose": data.purpose,
    }


def check_in(
    establishment: Establishment,
    bookings: Sequence[RoomBooking],
    arrival,
    departure,
    *,
    group_name: str = "",
    source: str = "desk",
    actor=None,
    declare: bool = True,
    before_commit=None,
) -> list[Stay]:
    """Check guests into one or more rooms (a group) for the same dates; all or nothing.

    `establishment` is the model or anything with its `id` and `approved` (the API's token
    lookup gives a tokens.EstablishmentRef, to spare a query).

    `before_commit(stays)`, if given, runs inside the transaction just before it commits (the API
    records its idempotent answer there, so the stay and the answer are saved together).

    Raises InvalidFields for bad input, NotFound for a room that is not the establishment's,
    Conflict when a room is full, closed or out of service, or a guest is already staying.
    """
    establishment_id = establishment.id
    if not establishment.approved:
        raise LodgingError(_("This establishment is not approved for check-ins yet."), code="not_approved")
    now = utcnow()
    errors: dict[str, str] = {}
    arrival_date, departure_date = check_dates(arrival, departure, today(), errors)
    if not bookings:
        errors["room"] = _("Choose a room.")
    prepared = []
    for number, booking in enumerate(bookings):
        prefix = f"rooms[{number}]." if len(bookings) > 1 else ""
        try:
            guests = validate_guests(booking.guests, today())
        except InvalidFields as invalid:
            errors.update({prefix + key: message for key, message in invalid.fields.items()})
            continue
        prepared.append((prefix, booking.room, guests))
    seen_documents: dict[tuple, str] = {}
    for prefix, _room, guests in prepared:
        for position, guest in enumerate(guests):
            identity = (guest.document_type, guest.nationality, guest.document_number)
            path = f"{prefix}guests[{position}].document_number"
            if identity in seen_documents:
                errors[path] = _("The same document appears twice in this check-in.")
            seen_documents[identity] = path
    if errors:
        raise InvalidFields(errors)
    group_name = " ".join((group_name or "").split())[:120]

    locked_rooms = lock_with_rooms(establishment_id, [room_ref for _prefix, room_ref, _guests in prepared])
    rooms: list[Room] = []
    guest_rows: list[list[dict]] = []
    indexes: dict[str, str] = {}
    for prefix, room_ref, guests in prepared:
        room = locked_rooms.get(room_ref) if isinstance(room_ref, str) else None
        room = room or find_room(establishment_id, room_ref, prefix + "room")
        if any(room.id == taken.id for taken in rooms):
            raise InvalidFields({prefix + "room": _("Each room appears once in a group check-in.")})
        _check_room(room, arrival_date, departure_date, len(guests))
        rows = []
        for position, guest in enumerate(guests):
            index = crypto.document_index(guest.document_type, guest.nationality, guest.document_number)
            indexes[index] = f"{prefix}guests[{position}].document_number"
            rows.append(guest_values(establishment_id, guest, position, index))
        rooms.append(room)
        guest_rows.append(rows)
    _check_guests_free(establishment_id, indexes, arrival_date, departure_date)
    in_house = departure_date >= today()
    # Bulk INSERT … RETURNING: a check-in is a handful of statements, whatever the group's size,
    # and much less work than the unit of work's flush (the desk's throughput is this path's).
    stays = insert_loaded(Stay, [
        {
            "establishment_id": establishment_id, "room_id": room.id, "arrival": arrival_date,
            "departure": departure_date, "status": "in_house" if in_house else "checked_out",
            "group_name": group_name, "source": source, "checked_in_at": now,
            "checked_out_at": None if in_house else now, "cancelled_at": None,
            "created_by_id": getattr(actor, "id", None),
        }
        for room in rooms
    ])
    for stay, rows in zip(stays, guest_rows, strict=True):
        for row in rows:
            row["stay_id"] = stay.id
    guests = insert_loaded(Guest, [row for rows in guest_rows for row in rows])
    connection = db.session.connection()
    connection.execute(sa.insert(StaySegment.__table__), [
        {"stay_id": stay.id, "room_id": stay.room_id, "start_date": arrival_date, "end_date": departure_date}
        for stay in stays
    ])
    if declare:
        deadline = declaration_deadline(arrival_date, now)
        connection.execute(sa.insert(Declaration.__table__), [
            {"establishment_id": establishment_id, "stay_id": stay.id, "idempotency_key": uuid.uuid4().hex,
             "status": "pending", "deadline": deadline, "attempts": 0, "next_attempt_at": now,
             "last_error": "", "reference": "", "created_at": now}
            for stay in stays
        ])
    by_stay: dict[int, list[Guest]] = {}
    for guest in guests:
        by_stay.setdefault(guest.stay_id, []).append(guest)
    for stay, room in zip(stays, rooms, strict=True):
        # What was just written, so that reading it costs no query.
        set_committed_value(stay, "room", room)
        set_committed_value(stay, "guests", by_stay[stay.id])
        for guest in by_stay[stay.id]:
            set_committed_value(guest, "stay", stay)
    if before_commit is not None:
        before_commit(stays)
    commit_keeping_loaded()
    return list(stays)


def insert_loaded(model, rows: list[dict]) -> list:
    """INSERT rows with Core and return them as model objects in the session, without reading back.

    A Core executemany with RETURNING id is several times cheaper than the unit of work's
    flush; the objects are built from exactly the values written (column defaults included),
    so nothing about them needs a query until the caller changes them.
    """
    table = model.__table__
    for row in rows:
        for column in table.columns:
            if column.key in row or column.primary_key:
                continue
            default = column.default
            if default is None:
                row[column.key] = None  # what the database would store; known, so never re-read
            else:
                row[column.key] = default.arg(None) if default.is_callable else default.arg
    ids = db.session.connection().execute(
        sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
    ).scalars().all()
    objects = []
    for id_, row in zip(ids, rows, strict=True):
        instance = model(id=id_, **row)
        make_transient_to_detached(instance)
        db.session.add(instance)
        objects.append(instance)
    return objects


def commit_keeping_loaded() -> None:
    """Commit without expiring what the session holds: callers show what they just wrote.

    Reading it back would cost a query per object (the API answers with the new stay); the rows
    are exactly as flushed, since nothing else may change them before the lock is released.
    """
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


def check_in_one(establishment: Establishment, room, arrival, departure, guests: list, **options) -> Stay:
    """Check guests into one room; see `check_in`."""
    return check_in(establishment, [RoomBooking(room, guests)], arrival, departure, **options)[0]


# -- changes to a stay -----------------------------------------------------------------------

def get_stay(establishment_id: int, stay_id, *, for_update: bool = False) -> Stay:
    """Return one of the establishment's stays; another establishment's id is simply not found."""
    try:
        stay_id = int(stay_id)
    except (TypeError, ValueError):
        stay_id = 0
    if for_update:
        lock_establishment(establishment_id)
    stay = db.session.scalar(sa.select(Stay).where(Stay.id == stay_id, Stay.establishment_id == establishment_id))
    if stay is None:
        raise NotFound(_("No such stay."), code="unknown_stay")
    return stay


def _require_in_house(stay: Stay) -> None:
    if stay.status != "in_house":
        raise Conflict(_("This stay is no longer in house."), code="not_in_house")


def _guest_indexes(stay: Stay) -> dict[str, str]:
    return {g.document_index: f"guests[{g.position}]" for g in stay.guests if g.document_index}


def _set_departure(stay: Stay, departure: date) -> None:
    """Move the departure, trimming or stretching the segments to match."""
    segments = [s for s in stay.segments if s.start_date < departure or s.start_date == stay.arrival]
    for dropped in set(stay.segments) - set(segments):
        stay.segments.remove(dropped)
    segments[-1].end_date = departure
    stay.departure = departure


def extend_stay(establishment_id: int, stay_id, departure) -> Stay:
    """Move a stay's planned departure later (checking the new nights) or earlier."""
    stay = get_stay(establishment_id, stay_id, for_update=True)
    _require_in_house(stay)
    errors: dict[str, str] = {}
    _arrival, new_departure = check_dates(stay.arrival, departure, today(), errors)
    if errors:
        raise InvalidFields(errors)
    if new_departure > stay.departure:
        added_start = stay.departure if stay.departure > stay.arrival else stay.arrival
        _check_room(stay.room, added_start, new_departure, len(stay.guests), exclude_stay_id=stay.id)
        _check_guests_free(establishment_id, _guest_indexes(stay), added_start, new_departure, stay.id)
    _set_departure(stay, new_departure)
    db.session.commit()
    return stay


def change_room(establishment_id: int, stay_id, room, on=None) -> Stay:
    """Move a stay's guests to another room from the night of `on` (today by default)."""
    stay = get_stay(establishment_id, stay_id, for_update=True)
    _require_in_house(stay)
    new_room = find_room(establishment_id, room)
    if new_room.id == stay.room_id:
        raise InvalidFields({"room": _("The guests are already in this room.")})
    start = stay.arrival if on is None and today() <= stay.arrival else (on or today())
    if not isinstance(start, date):
        raise InvalidFields({"on": _("Enter the date as YYYY-MM-DD.")})
    if not (stay.arrival <= start < stay.departure or (stay.same_day and start == stay.arrival)):
        raise InvalidFields({"on": _("The room can change only on a night of the stay.")})
    _check_room(new_room, start, stay.departure, len(stay.guests), exclude_stay_id=stay.id)
    current = stay.segments[-1]
    if current.start_date >= start:
        current.room_id = new_room.id
    else:
        current.end_date = start
        stay.segments.append(StaySegment(room_id=new_room.id, start_date=start, end_date=stay.departure))
    stay.room_id = new_room.id
    db.session.commit()
    return stay


def check_out(establishment_id: int, stay_id, on=None) -> Stay:
    """Check a stay out today (or on `on`); an early departure frees the room's later nights."""
    stay = get_stay(establishment_id, stay_id, for_update=True)
    _require_in_house(stay)
    departure = on or today()
    if departure < stay.arrival:
        raise InvalidFields({"departure": _("The departure date must be on or after the arrival date.")})
    if departure > stay.departure:
        # A guest who stayed on without an extension: the extra nights must still fit.
        added_start = stay.departure if stay.departure > stay.arrival else stay.arrival
        _check_room(stay.room, added_start, departure, len(stay.guests), exclude_stay_id=stay.id)
    _set_departure(stay, departure)
    stay.status = "checked_out"
    stay.checked_out_at = utcnow()
    db.session.commit()
    return stay


def cancel_stay(establishment_id: int, stay_id) -> Stay:
    """Cancel a stay entered by mistake: its nights are freed and an unsent declaration dropped."""
    stay = get_stay(establishment_id, stay_id, for_update=True)
    _require_in_house(stay)
    stay.status = "cancelled"
    stay.cancelled_at = utcnow()
    db.session.execute(
        sa.delete(Declaration).where(Declaration.stay_id == stay.id, Declaration.status != "sent")
    )
    db.session.commit()
    return stay


# -- the day's board and the register --------------------------------------------------------

@dataclass
class Board:
    """What the front desk sees for one day."""

    day: date
    arrivals: list[Stay]
    in_house: list[Stay]
    departures: list[Stay]
    free_rooms: list[Room]
    occupied_room_ids: set[int]
    out_of_service_room_ids: set[int]
    guests_tonight: int

    @property
    def occupied_rooms(self) -> int:
        return len(self.occupied_room_ids)


def board(establishment_id: int, day: date | None = None) -> Board:
    """Return the day's arrivals, guests in house, departures and free rooms."""
    day = day or today()
    stays = list(
        db.session.scalars(
            sa.select(Stay)
            .where(
                Stay.establishment_id == establishment_id,
                Stay.status != "cancelled",
                Stay.arrival <= day,
                Stay.departure >= day,
            )
            .options(sa.orm.selectinload(Stay.guests), sa.orm.joinedload(Stay.room))
            .order_by(Stay.arrival, Stay.id)
        )
    )
    arrivals = [s for s in stays if s.arrival == day]
    in_house = [s for s in stays if s.status == "in_house"]
    departures = [s for s in stays if s.departure == day]
    rooms = list(db.session.scalars(
        sa.select(Room).where(Room.establishment_id == establishment_id, Room.active).order_by(Room.number)
    ))
    tonight = [s for s in stays if s.departure > day or s.same_day]
    taken = {segment.room_id for s in tonight for segment in s.segments if day in occupied_dates(segment.start_date, segment.end_date)}
    repairs = set(db.session.scalars(
        sa.select(RoomOutOfService.room_id)
        .join(Room)
        .where(Room.establishment_id == establishment_id, RoomOutOfService.start_date <= day, RoomOutOfService.end_date >= day)
    ))
    free = [room for room in rooms if room.id not in taken and room.id not in repairs]
    return Board(day, arrivals, in_house, departures, free, taken, repairs, sum(len(s.guests) for s in tonight))


def _document_indexes(number: str) -> list[str]:
    """Every blind index a bare document number could have (type and country unknown)."""
    from tourism.lodging.validation import COUNTRIES

    number = crypto.normalise_document(number)
    indexes = [crypto.document_index("national_id", "VN", number)]
    indexes += [crypto.document_index("passport", country, number) for country in sorted(COUNTRIES)]
    return indexes


def register_query(
    establishment_id: int,
    *,
    name: str = "",
    document: str = "",
    since: date | None = None,
    until: date | None = None,
    nationality: str = "",
    status: str = "",
) -> sa.Select:
    """Build the guest-register query of one establishment, newest arrivals first."""
    query = (
        sa.select(Guest)
        .join(Stay, Stay.id == Guest.stay_id)
        .where(Guest.establishment_id == establishment_id)
        .options(sa.orm.contains_eager(Guest.stay))
        .order_by(Stay.arrival.desc(), Stay.id.desc(), Guest.position)
    )
    if name.strip():
        for term in fold(name).split()[:6]:
            query = query.where(Guest.name_search.contains(term, autoescape=True))
    if document.strip():
        query = query.where(Guest.document_index.in_(_document_indexes(document)))
    if since is not None:
        query = query.where(Stay.departure >= since)
    if until is not None:
        query = query.where(Stay.arrival <= until)
    if nationality:
        query = query.where(Guest.nationality == nationality.upper())
    if status:
        query = query.where(Stay.status == status)
    return query


def reveal_guest(establishment_id: int, guest_id, actor=None) -> tuple[Guest, str]:
    """Return a guest and the document number in full, and write the view to the audit log."""
    try:
        guest_id = int(guest_id)
    except (TypeError, ValueError):
        guest_id = 0
    guest = db.session.scalar(
        sa.select(Guest).where(Guest.id == guest_id, Guest.establishment_id == establishment_id)
    )
    if guest is None:
        raise NotFound(_("No such guest."), code="unknown_guest")
    number = crypto.decrypt_document(guest.document_ciphertext) if guest.document_ciphertext else ""
    audit.record("guest_viewed", actor=actor, target=guest, details={"establishment_id": establishment_id})
    db.session.commit()
    return guest, number


# -- retention -------------------------------------------------------------------------------

PERSONAL_FIELDS = ("full_name", "name_search", "birth_date", "document_ciphertext", "document_index", "document_last3")


def purge_personal_data(now: datetime | None = None, batch: int = 5000) -> int:
    """Clear personal fields of guests whose stay ended more than RETENTION_DAYS ago; return how many."""
    now = now or utcnow()
    cutoff = now.astimezone(LOCAL_TZ).date() - timedelta(days=current_app.config["RETENTION_DAYS"])
    ended = sa.select(Stay.id).where(Stay.departure < cutoff, Stay.status != "in_house")
    purged = 0
    while True:
        ids = list(db.session.scalars(
            sa.select(Guest.id).where(Guest.stay_id.in_(ended), Guest.purged_at.is_(None)).limit(batch)
        ))
        if not ids:
            break
        db.session.execute(
            sa.update(Guest).where(Guest.id.in_(ids)).values({**dict.fromkeys(PERSONAL_FIELDS), "purged_at": now})
        )
        db.session.commit()
        purged += len(ids)
    return purged
