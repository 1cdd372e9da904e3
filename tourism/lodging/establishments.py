"""Establishments: registration by their manager, licensing by the department, the public directory."""

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tourism.accounts import services as accounts
from tourism.core import audit
from tourism.core.database import utcnow
from tourism.core.text import fold
from tourism.extensions import db
from tourism.lodging.models import ESTABLISHMENT_KINDS, ESTABLISHMENT_STATUSES, Establishment, Room
from tourism.lodging.services import lock_establishment
from tourism.lodging.validation import ValidationError as InvalidFields
from tourism.portal.models import PROVINCE_BOUNDS, Area, public_content

# The directory and the map show establishments and their rooms: changing them invalidates caches.
# Check-ins bump the lock column through Core (services.lock_establishment), which this does not see.
public_content(Establishment)
public_content(Room)

KIND_LABELS = {
    "hotel": _l("Hotel"),
    "resort": _l("Resort"),
    "homestay": _l("Homestay"),
    "villa": _l("Villa"),
    "guesthouse": _l("Guesthouse"),
    "hostel": _l("Hostel"),
    "apartment": _l("Apartment"),
}
STATUS_LABELS = {
    "pending": _l("Waiting for a decision"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "suspended": _l("Suspended"),
}
# Star classes are awarded to hotels and resorts only (Circular 18/2021 grading).
STARRED_KINDS = ("hotel", "resort")
# The directory's price bands, by the typical price of a room-night: (from, below) in VND.
PRICE_BANDS = {
    "under-500k": (None, 500_000),
    "500k-1.5m": (500_000, 1_500_000),
    "1.5m-3m": (1_500_000, 3_000_000),
    "over-3m": (3_000_000, None),
}
PRICE_BAND_LABELS = {
    "under-500k": _l("Under 500,000 ₫"),
    "500k-1.5m": _l("500,000 – 1,500,000 ₫"),
    "1.5m-3m": _l("1,500,000 – 3,000,000 ₫"),
    "over-3m": _l("Over 3,000,000 ₫"),
}
# Who may move an establishment from one status to another, and where to.
TRANSITIONS = {
    "pending": ("approved", "rejected"),
    "approved": ("suspended",),
    "suspended": ("approved",),
    "rejected": ("approved",),
}
NEEDS_REASON = ("rejected", "suspended")
LICENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./-]{2,39}$")
PHONE = re.compile(r"^\+?[0-9][0-9 .()-]{6,24}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_ROOMS = 5000
MAX_PRICE = 1_000_000_000

PROFILE_FIELDS = (
    "name", "kind", "star_class", "licence_number", "address", "area_id", "lat", "lon", "phone", "email",
    "website", "declared_rooms", "declared_bed_places", "price_from", "step_free", "description",
)


@dataclass
class Filters:
    """The directory's filters as they appear in its URL."""

    kind: str | None = None
    star_class: int | None = None
    area: str | None = None
    price: str | None = None
    step_free: bool = False

    def args(self) -> dict:
        values = {"type": self.kind, "class": self.star_class, "area": self.area, "price": self.price,
                  "step_free": "1" if self.step_free else None}
        return {key: value for key, value in values.items() if value}


def _text(data: dict, key: str, limit: int) -> str:
    return " ".join(str(data.get(key) or "").split())[:limit + 1]


def _number(value, errors: dict, key: str, minimum: int, maximum: int, message) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[key] = str(message)
        return None
    if not minimum <= number <= maximum:
        errors[key] = str(message)
        return None
    return number


def clean_profile(data: dict) -> dict:
    """Validate an establishment's profile; return the values to store or raise InvalidFields."""
    errors: dict[str, str] = {}
    clean: dict = {}
    clean["name"] = _text(data, "name", 200)
    if len(clean["name"]) < 3 or len(clean["name"]) > 200 or not fold(clean["name"]).strip("- "):
        errors["name"] = _("Give the establishment's name (3 to 200 characters).")
    kind = data.get("kind")
    if kind not in ESTABLISHMENT_KINDS:
        errors["kind"] = _("Choose a type of establishment.")
    clean["kind"] = kind
    star = _number(data.get("star_class"), errors, "star_class", 1, 5, _("A star class is from 1 to 5."))
    if star is not None and kind not in STARRED_KINDS and "kind" not in errors:
        errors["star_class"] = _("Only hotels and resorts have a star class.")
    clean["star_class"] = star
    licence = "".join(str(data.get("licence_number") or "").split()).upper()
    if not LICENCE.match(licence):
        errors["licence_number"] = _("Give the business licence number as printed (letters, digits, - . /).")
    clean["licence_number"] = licence
    clean["address"] = _text(data, "address", 300)
    if len(clean["address"]) < 5 or len(clean["address"]) > 300:
        errors["address"] = _("Give the street address.")
    area = None
    try:
        area = db.session.get(Area, int(data.get("area_id") or 0))
    except (TypeError, ValueError):
        area = None
    if area is None:
        errors["area_id"] = _("Choose the ward or commune.")
    clean["area_id"] = area.id if area else None
    for key in ("lat", "lon"):
        raw = str(data.get(key) if data.get(key) is not None else "").strip().replace(",", ".")
        low, high = PROVINCE_BOUNDS[key]
        try:
            value = float(raw)
        except ValueError:
            value = None
        if value is None or value != value:
            errors[key] = _("Pick the location on the map, or type it in decimal degrees.")
        elif not low <= value <= high:
            errors[key] = _("This point is outside the province of Lâm Đồng.")
        else:
            clean[key] = round(value, 6)
    clean["phone"] = _text(data, "phone", 40)
    if not PHONE.match(clean["phone"]):
        errors["phone"] = _("Give a phone number guests can call.")
    clean["email"] = _text(data, "email", 254).lower()
    if clean["email"] and (len(clean["email"]) > 254 or not EMAIL.match(clean["email"])):
        errors["email"] = _("This is not an email address.")
    clean["website"] = _text(data, "website", 300)
    if clean["website"] and (len(clean["website"]) > 300 or not re.match(r"^https?://[^\s/]+\.[^\s]+$", clean["website"])):
        errors["website"] = _("Give the full address of the website, starting with https://.")
    rooms = _number(data.get("declared_rooms"), errors, "declared_rooms", 1, MAX_ROOMS,
                    _("Give the number of rooms (1 to %(max)s).", max=MAX_ROOMS))
    beds = _number(data.get("declared_bed_places"), errors, "declared_bed_places", 1, MAX_ROOMS * 20,
                   _("Give the number of bed-places."))
    if rooms is None and "declared_rooms" not in errors:
        errors["declared_rooms"] = _("Give the number of rooms (1 to %(max)s).", max=MAX_ROOMS)
    if beds is None and "declared_bed_places" not in errors:
        errors["declared_bed_places"] = _("Give the number of bed-places.")
    if rooms and beds and beds < rooms:
        errors["declared_bed_places"] = _("Each room has at least one bed-place.")
    clean["declared_rooms"], clean["declared_bed_places"] = rooms or 0, beds or 0
    clean["price_from"] = _number(data.get("price_from"), errors, "price_from", 0, MAX_PRICE,
                                  _("Give a price in đồng, digits only."))
    clean["step_free"] = bool(data.get("step_free"))
    clean["description"] = str(data.get("description") or "").strip()[:5001]
    if len(clean["description"]) > 5000:
        errors["description"] = _("Keep the description under 5,000 characters.")
    if errors:
        raise InvalidFields(errors)
    return clean


def unique_slug(name: str, exclude_id: int | None = None) -> str:
    """Return a free slug made from the folded name ("Đồi Thông" → "doi-thong")."""
    base = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:70] or "establishment"
    slug, number = base, 1
    while True:
        query = sa.select(Establishment.id).where(Establishment.slug == slug)
        if exclude_id is not None:
            query = query.where(Establishment.id != exclude_id)
        if db.session.scalar(query) is None:
            return slug
        number += 1
        slug = f"{base}-{number}"


def register(user, data: dict) -> Establishment:
    """Register a pending establishment and make the registrant its manager, in one commit.

    The role change ends the registrant's other sessions (accounts.update_account); the caller
    starts a fresh session on this device.
    """
    if user.role != "tourist":
        raise InvalidFields({"name": _("Only a visitor account can register a new establishment.")})
    clean = clean_profile(data)
    establishment = Establishment(slug=unique_slug(clean["name"]), status="pending", **clean)
    db.session.add(establishment)
    try:
        db.session.flush()
        audit.record("establishment_registered", actor=user, target=establishment,
                     details={"slug": establishment.slug, "licence_number": establishment.licence_number})
        # Commits the establishment, the audit events and the role change together.
        accounts.update_account(user, role="lodging_manager", establishment_slug=establishment.slug,
                                active=True, actor=user)
    except accounts.AccountError as error:
        db.session.rollback()
        raise InvalidFields({"name": str(error.message)}) from None
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise InvalidFields({"name": _("An establishment with this name was registered at the same moment; try again.")}) from None
    return establishment


def update_profile(establishment: Establishment, data: dict) -> Establishment:
    """Save a manager's changes to the profile (the licence status is the department's)."""
    clean = clean_profile(data)
    lock_establishment(establishment.id)
    for key, value in clean.items():
        setattr(establishment, key, value)
    db.session.commit()
    return establishment


def set_status(establishment: Establishment, status: str, reason: str, actor) -> Establishment:
    """Approve, reject or suspend an establishment, with the reason the refusals need."""
    # Serialised with the establishment's check-ins; and on SQLite the lock makes this
    # transaction a writer from its first statement, so a concurrent commit cannot make it stale.
    lock_establishment(establishment.id)
    reason = " ".join((reason or "").split())
    if status not in ESTABLISHMENT_STATUSES or status not in TRANSITIONS.get(establishment.status, ()):
        raise InvalidFields({"status": _("This establishment cannot go from “%(from)s” to that status.",
                                         **{"from": STATUS_LABELS[establishment.status]})})
    if status in NEEDS_REASON and len(reason) < 5:
        raise InvalidFields({"reason": _("Give the reason; the establishment will see it.")})
    if len(reason) > 500:
        raise InvalidFields({"reason": _("Keep the reason under 500 characters.")})
    before = establishment.status
    establishment.status = status
    establishment.status_reason = reason
    establishment.status_changed_at = utcnow()
    audit.record("establishment_status_changed", actor=actor, target=establishment,
                 details={"from": before, "to": status, "reason": reason})
    db.session.commit()
    return establishment


def allowed_statuses(establishment: Establishment) -> tuple[str, ...]:
    """Return the statuses the department may move this establishment to."""
    return TRANSITIONS.get(establishment.status, ())


# -- lookups ----------------------------------------------------------------------------------

def own_establishment(user) -> Establishment:
    """Return the signed-in lodging person's establishment, or 404."""
    establishment = db.session.get(Establishment, user.establishment_id) if user.establishment_id else None
    if establishment is None:
        abort(404)
    return establishment


def get_public(slug: str) -> Establishment:
    """Return an approved establishment by slug; every other status is simply not found."""
    establishment = db.session.scalar(
        sa.select(Establishment).where(Establishment.slug == slug, Establishment.status == "approved")
    )
    if establishment is None:
        abort(404)
    return establishment


def office_query(status=None, kind=None, area_ids=None, text: str = ""):
    """Build the licensing list: newest registrations first, pending ones on top."""
    query = sa.select(Establishment)
    if status:
        query = query.where(Establishment.status == status)
    if kind:
        query = query.where(Establishment.kind == kind)
    if area_ids is not None:
        query = query.where(Establishment.area_id.in_(area_ids))
    if text:
        ids = name_matches(text, base=query)
        query = query.where(Establishment.id.in_(ids))
    return query.order_by(
        sa.case((Establishment.status == "pending", 0), else_=1), Establishment.created_at.desc(), Establishment.id.desc()
    )


def name_matches(text: str, base=None) -> list[int]:
    """Return the ids of establishments whose folded name contains every folded word of `text`."""
    terms = [term for term in fold(text[:200]).split() if term]
    query = (base if base is not None else sa.select(Establishment)).with_only_columns(Establishment.id, Establishment.name)
    return [row.id for row in db.session.execute(query) if all(term in fold(row.name) for term in terms)]


def directory_query(filters: Filters, area_ids=None):
    """Build the public directory's select: approved establishments passing the filters."""
    query = sa.select(Establishment).where(Establishment.status == "approved")
    if filters.kind:
        query = query.where(Establishment.kind == filters.kind)
    if filters.star_class:
        query = query.where(Establishment.star_class == filters.star_class)
    if area_ids is not None:
        query = query.where(Establishment.area_id.in_(area_ids))
    if filters.price:
        low, high = PRICE_BANDS[filters.price]
        query = query.where(Establishment.price_from.is_not(None))
        if low is not None:
            query = query.where(Establishment.price_from >= low)
        if high is not None:
            query = query.where(Establishment.price_from < high)
    if filters.step_free:
        query = query.where(Establishment.step_free.is_(True))
    return query.order_by(Establishment.name, Establishment.id)


def capacity(establishment: Establishment) -> tuple[int, int]:
    """Return (rooms, bed-places): from the active rooms once entered, else as declared."""
    rooms = [room for room in establishment.rooms if room.active]
    if not rooms:
        return establishment.declared_rooms, establishment.declared_bed_places
    return len(rooms), sum(room.bed_places for room in rooms)
