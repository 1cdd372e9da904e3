"""Front-desk forms: the check-in form read from plain fields, and the choices its selects offer.

The check-in form has a variable number of rooms and guests, so it is read by hand; its field
names are the services' error paths (`guests[1].document_number`, `rooms[0].room`), so an
error from a LodgingError lands next to the field that caused it without any mapping table.
"""

import unicodedata
from dataclasses import dataclass, field

from babel import Locale
from flask_babel import lazy_gettext as _l

from tourism.core.text import fold
from tourism.i18n import current_locale
from tourism.lodging.validation import COUNTRIES

GUEST_FIELDS = ("full_name", "birth_date", "sex", "nationality", "residence_country", "document_type",
                "document_number", "purpose")
MAX_GUESTS = 12
MAX_ROOMS = 20

SEX_LABELS = {"F": _l("Female"), "M": _l("Male"), "X": _l("Other / not stated")}
DOCUMENT_LABELS = {"national_id": _l("Vietnamese citizen ID (CCCD)"), "passport": _l("Passport")}
PURPOSE_LABELS = {
    "leisure": _l("Leisure, holiday"),
    "business": _l("Business"),
    "visiting": _l("Visiting friends or relatives"),
    "conference": _l("Conference, meeting"),
    "education": _l("Education, training"),
    "health": _l("Health, wellness"),
    "religion": _l("Religion, pilgrimage"),
    "transit": _l("Transit"),
    "other": _l("Other"),
}
ROOM_TYPE_LABELS = {
    "single": _l("Single"),
    "double": _l("Double"),
    "twin": _l("Twin"),
    "triple": _l("Triple"),
    "family": _l("Family"),
    "dorm": _l("Dormitory"),
    "suite": _l("Suite"),
}
STATUS_LABELS = {"in_house": _l("In house"), "checked_out": _l("Checked out"), "cancelled": _l("Cancelled")}
DECLARATION_LABELS = {"pending": _l("Declaration pending"), "sent": _l("Declaration sent"),
                      "failed": _l("Declaration failed")}


def clean(value, length: int = 200) -> str:
    """Return a form value as one trimmed line, without control characters (PostgreSQL refuses NUL)."""
    if not isinstance(value, str):
        return ""
    return "".join(char for char in value if unicodedata.category(char) != "Cc").strip()[:length]


def country_choices(locale: str | None = None) -> list[tuple[str, str]]:
    """Return (code, name) of every ISO country in the user's language, Việt Nam first, then by name."""
    names = Locale.parse(locale or current_locale()).territories
    others = sorted((code for code in COUNTRIES if code != "VN"), key=lambda code: fold(names.get(code, code)))
    return [(code, names.get(code, code)) for code in ["VN", *others]]


def field_id(name: str) -> str:
    """Turn a field name such as `rooms[0].guests[1].sex` into an HTML id."""
    return "f-" + name.replace("[", "-").replace("]", "").replace(".", "-").replace("_", "-")


@dataclass
class RoomBlock:
    """One room of the check-in form and its guests, as typed."""

    prefix: str
    room: str = ""
    guests: list[dict] = field(default_factory=list)


@dataclass
class CheckInForm:
    """What the check-in form holds: shared dates and one or more room blocks."""

    group: bool
    arrival: str = ""
    departure: str = ""
    group_name: str = ""
    blocks: list[RoomBlock] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    # Errors whose field is not on the form (a conflict about a whole room, say).
    notices: list[str] = field(default_factory=list)

    def error(self, name: str) -> str:
        return self.errors.get(name, "")

    @property
    def guest_count(self) -> int:
        return sum(len(block.guests) for block in self.blocks)


def empty_guest() -> dict:
    """Return the fields of a new guest, with the usual defaults."""
    return {"full_name": "", "birth_date": "", "sex": "", "nationality": "VN", "residence_country": "VN",
            "document_type": "national_id", "document_number": "", "purpose": "leisure"}


def _bounded(value, default: int, maximum: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return min(max(number, 1), maximum)


def blank_form(group: bool, arrival: str, departure: str, rooms: int = 1, guests: int = 1) -> CheckInForm:
    """Return an empty check-in form with `rooms` blocks of `guests` guests."""
    rooms = _bounded(rooms, 2, MAX_ROOMS) if group else 1
    guests = _bounded(guests, 1, MAX_GUESTS)
    form = CheckInForm(group=group, arrival=arrival, departure=departure)
    for number in range(rooms):
        prefix = f"rooms[{number}]." if group else ""
        form.blocks.append(RoomBlock(prefix=prefix, guests=[empty_guest() for _ in range(guests)]))
    return form


def _guests_from(data, prefix: str) -> list[dict]:
    """Read the guests `prefix`guests[i].* in index order; rows left entirely blank are dropped."""
    indexes = set()
    start = prefix + "guests["
    for key in data:
        if key.startswith(start) and "]" in key[len(start):]:
            number = key[len(start):].split("]", 1)[0]
            if number.isdigit() and int(number) < MAX_GUESTS:
                indexes.add(int(number))
    guests = []
    for number in sorted(indexes):
        row = {name: clean(data.get(f"{start}{number}].{name}")) for name in GUEST_FIELDS}
        guests.append(row)
    return guests


def _blank(guest: dict) -> bool:
    return not (guest["full_name"] or guest["birth_date"] or guest["document_number"])


def read_form(data, group: bool) -> CheckInForm:
    """Read a submitted check-in form (request.form)."""
    form = CheckInForm(
        group=group,
        arrival=clean(data.get("arrival"), 20),
        departure=clean(data.get("departure"), 20),
        group_name=" ".join(clean(data.get("group_name")).split())[:120],
    )
    if group:
        indexes = set()
        for key in data:
            if key.startswith("rooms[") and "]" in key:
                number = key[6:].split("]", 1)[0]
                if number.isdigit() and int(number) < MAX_ROOMS:
                    indexes.add(int(number))
        prefixes = [f"rooms[{number}]." for number in sorted(indexes)] or ["rooms[0]."]
    else:
        prefixes = [""]
    for prefix in prefixes:
        block = RoomBlock(prefix=prefix, room=clean(data.get(prefix + "room"), 20))
        block.guests = _guests_from(data, prefix)
        form.blocks.append(block)
    if group:
        # A room block left wholly empty (no room, no guest typed) is not part of the group.
        kept = [b for b in form.blocks if b.room or not all(_blank(g) for g in b.guests)]
        form.blocks = kept or form.blocks[:1]
    for block in form.blocks:
        typed = [g for g in block.guests if not _blank(g)]
        block.guests = typed if typed else block.guests[:1] or [empty_guest()]
    renumber(form)
    return form


def renumber(form: CheckInForm) -> None:
    """Give the blocks consecutive prefixes, so the names match the services' error paths."""
    if form.group:
        for number, block in enumerate(form.blocks):
            block.prefix = f"rooms[{number}]."


def set_errors(form: CheckInForm, error) -> None:
    """Put a LodgingError's fields next to the form's fields; keep the rest as notices."""
    names = {"arrival", "departure", "group_name"}
    for block in form.blocks:
        names.add(block.prefix + "room")
        names.add(block.prefix + "guests")
        for number in range(len(block.guests)):
            names.update(f"{block.prefix}guests[{number}].{name}" for name in GUEST_FIELDS)
    single_block = form.group and len(form.blocks) == 1
    for key, message in error.fields.items():
        # With one room the services name fields without the rooms[0]. prefix.
        if single_block and not key.startswith("rooms["):
            key = "rooms[0]." + key
        if key in names:
            form.errors[key] = str(message)
        elif str(message) not in form.notices:
            form.notices.append(str(message))
    if not error.fields or error.status == 409:
        message = str(error.message)
        if message not in form.notices:
            form.notices.insert(0, message)


def bookings_of(form: CheckInForm):
    """Turn the form's blocks into the services' RoomBookings."""
    from tourism.lodging.services import RoomBooking

    return [RoomBooking(block.room, [dict(g) for g in block.guests]) for block in form.blocks]
