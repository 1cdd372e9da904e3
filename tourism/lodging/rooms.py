"""An establishment's rooms, their out-of-service periods and the establishment's closures.

Every function takes the establishment's id and finds things only inside it, so another
establishment's ids are simply not found. Each validates everything first and commits once,
or raises a LodgingError with the problems by field and nothing saved.
"""

from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from tourism.extensions import db
from tourism.lodging.errors import Conflict, NotFound
from tourism.lodging.models import (
    ROOM_TYPES,
    Establishment,
    EstablishmentClosure,
    Room,
    RoomOutOfService,
    Stay,
    StaySegment,
)
from tourism.lodging.services import lock_establishment
from tourism.lodging.validation import ValidationError, parse_date

MAX_BEDS = 50
MAX_CAPACITY = 100
# Longer periods are typing errors (a year typed wrong), not real closures.
MAX_PERIOD_DAYS = 2 * 366


def get_room(establishment_id: int, room_id) -> Room:
    """Return one of the establishment's rooms by id; NotFound otherwise."""
    try:
        room_id = int(room_id)
    except (TypeError, ValueError):
        room_id = 0
    room = db.session.scalar(sa.select(Room).where(Room.id == room_id, Room.establishment_id == establishment_id))
    if room is None:
        raise NotFound(_("No such room."), code="unknown_room")
    return room


def list_rooms(establishment_id: int) -> list[Room]:
    """Return the establishment's rooms, in use first, by number."""
    return list(db.session.scalars(
        sa.select(Room).where(Room.establishment_id == establishment_id)
        .options(sa.orm.selectinload(Room.out_of_service))
        .order_by(Room.active.desc(), Room.number)
    ))


def list_closures(establishment_id: int) -> list[EstablishmentClosure]:
    """Return the establishment's closures by start date."""
    return list(db.session.scalars(
        sa.select(EstablishmentClosure).where(EstablishmentClosure.establishment_id == establishment_id)
        .order_by(EstablishmentClosure.start_date)
    ))


def _count(value, name: str, errors: dict, minimum: int, maximum: int) -> int:
    try:
        number = int(str(value).strip()) if value is not None and str(value).strip() != "" else None
    except ValueError:
        number = None
    if number is None:
        errors[name] = _("Enter a whole number.")
        return 0
    if not minimum <= number <= maximum:
        errors[name] = _("Enter a number from %(low)s to %(high)s.", low=minimum, high=maximum)
    return number


def _room_fields(establishment_id: int, data: dict, room_id: int | None = None) -> dict:
    """Check a room's fields; return them clean or raise ValidationError."""
    errors: dict[str, str] = {}
    number = " ".join(str(data.get("number") or "").split())
    if not number:
        errors["number"] = _("Enter the room number.")
    elif len(number) > 20:
        errors["number"] = _("A room number has at most 20 characters.")
    else:
        taken = db.session.scalar(
            sa.select(Room.id).where(Room.establishment_id == establishment_id, Room.number == number)
        )
        if taken is not None and taken != room_id:
            errors["number"] = _("Another room already has this number.")
    room_type = str(data.get("room_type") or "").strip()
    if room_type not in ROOM_TYPES:
        errors["room_type"] = _("Choose a room type.")
    single = _count(data.get("single_beds"), "single_beds", errors, 0, MAX_BEDS)
    double = _count(data.get("double_beds"), "double_beds", errors, 0, MAX_BEDS)
    capacity = _count(data.get("capacity"), "capacity", errors, 1, MAX_CAPACITY)
    if "single_beds" not in errors and "double_beds" not in errors and single + double == 0:
        errors["single_beds"] = _("A room has at least one bed.")
    if errors:
        raise ValidationError(errors)
    return {"number": number, "room_type": room_type, "single_beds": single, "double_beds": double,
            "capacity": capacity}


def _refresh_declared(establishment_id: int) -> None:
    """Keep the establishment's declared rooms and bed-places in step with the rooms in use."""
    establishment = db.session.get(Establishment, establishment_id)
    rooms = [room for room in establishment.rooms if room.active]
    establishment.declared_rooms = len(rooms)
    establishment.declared_bed_places = sum(room.bed_places for room in rooms)


def create_room(establishment_id: int, data: dict) -> Room:
    """Add a room to the establishment."""
    lock_establishment(establishment_id)
    fields = _room_fields(establishment_id, data)
    room = Room(establishment_id=establishment_id, active=True, **fields)
    db.session.add(room)
    db.session.flush()
    _refresh_declared(establishment_id)
    db.session.commit()
    return room


def update_room(establishment_id: int, room_id, data: dict) -> Room:
    """Change a room's number, type, beds, capacity, or whether it is in use."""
    lock_establishment(establishment_id)
    room = get_room(establishment_id, room_id)
    fields = _room_fields(establishment_id, data, room.id)
    for key, value in fields.items():
        setattr(room, key, value)
    if "active" in data:
        room.active = bool(data["active"])
    _refresh_declared(establishment_id)
    db.session.commit()
    return room


def remove_room(establishment_id: int, room_id) -> str:
    """Delete a room, or take it out of use when stays refer to it; return "deleted" or "deactivated"."""
    lock_establishment(establishment_id)
    room = get_room(establishment_id, room_id)
    used = db.session.scalar(
        sa.select(sa.func.count()).select_from(StaySegment).where(StaySegment.room_id == room.id)
    ) or db.session.scalar(sa.select(sa.func.count()).select_from(Stay).where(Stay.room_id == room.id))
    if used:
        room.active = False
        outcome = "deactivated"
    else:
        db.session.delete(room)
        outcome = "deleted"
    db.session.flush()
    _refresh_declared(establishment_id)
    db.session.commit()
    return outcome


def _period(data: dict) -> tuple[date, date, str]:
    """Check a start date, an end date (both included) and a reason."""
    errors: dict[str, str] = {}
    start, end = parse_date(data.get("start_date") or ""), parse_date(data.get("end_date") or "")
    if start is None:
        errors["start_date"] = _("Enter the date as YYYY-MM-DD.")
    if end is None:
        errors["end_date"] = _("Enter the date as YYYY-MM-DD.")
    elif start is not None and end < start:
        errors["end_date"] = _("The last day must be on or after the first day.")
    elif start is not None and end > start + timedelta(days=MAX_PERIOD_DAYS):
        errors["end_date"] = _("A period cannot be longer than two years.")
    reason = " ".join(str(data.get("reason") or "").split())
    if len(reason) > 200:
        errors["reason"] = _("At most 200 characters.")
    if errors:
        raise ValidationError(errors)
    return start, end, reason


def _booked_stays(establishment_id: int, start: date, end: date, room_id: int | None = None):
    """Stays not cancelled that hold a night (or a same-day visit) from `start` to `end`, both included."""
    query = (
        sa.select(Stay).join(StaySegment, StaySegment.stay_id == Stay.id)
        .where(
            Stay.establishment_id == establishment_id,
            Stay.status != "cancelled",
            StaySegment.start_date <= end,
            sa.or_(StaySegment.end_date > start,
                   sa.and_(StaySegment.end_date == StaySegment.start_date, StaySegment.start_date >= start)),
        )
    )
    if room_id is not None:
        query = query.where(StaySegment.room_id == room_id)
    return db.session.scalars(query.limit(1)).first()


def add_out_of_service(establishment_id: int, room_id, data: dict) -> RoomOutOfService:
    """Take a room out of service for some days; refused while guests are booked into it then."""
    lock_establishment(establishment_id)
    room = get_room(establishment_id, room_id)
    start, end, reason = _period(data)
    if _booked_stays(establishment_id, start, end, room.id) is not None:
        raise Conflict(
            _("Guests are booked into room %(room)s in this period; move them first.", room=room.number),
            {"start_date": _("Guests are booked into this room in this period.")},
            code="room_booked",
        )
    period = RoomOutOfService(room_id=room.id, start_date=start, end_date=end, reason=reason)
    db.session.add(period)
    db.session.commit()
    return period


def remove_out_of_service(establishment_id: int, room_id, period_id) -> None:
    """Put a room back in service for one of its periods."""
    lock_establishment(establishment_id)
    room = get_room(establishment_id, room_id)
    period = next((p for p in room.out_of_service if str(p.id) == str(period_id)), None)
    if period is None:
        raise NotFound(_("No such period."), code="unknown_period")
    db.session.delete(period)
    db.session.commit()


def add_closure(establishment_id: int, data: dict) -> EstablishmentClosure:
    """Close the establishment for some days (a season, works); refused while guests are booked then."""
    lock_establishment(establishment_id)
    start, end, reason = _period(data)
    if _booked_stays(establishment_id, start, end) is not None:
        raise Conflict(
            _("Guests are booked in this period; the establishment cannot close then."),
            {"start_date": _("Guests are booked in this period.")},
            code="establishment_booked",
        )
    closure = EstablishmentClosure(establishment_id=establishment_id, start_date=start, end_date=end, reason=reason)
    db.session.add(closure)
    db.session.commit()
    return closure


def remove_closure(establishment_id: int, closure_id) -> None:
    """Drop one of the establishment's closures."""
    lock_establishment(establishment_id)
    try:
        closure_id = int(closure_id)
    except (TypeError, ValueError):
        closure_id = 0
    closure = db.session.scalar(sa.select(EstablishmentClosure).where(
        EstablishmentClosure.id == closure_id, EstablishmentClosure.establishment_id == establishment_id))
    if closure is None:
        raise NotFound(_("No such closure."), code="unknown_closure")
    db.session.delete(closure)
    db.session.commit()

