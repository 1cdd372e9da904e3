"""Keep the warehouse's dimensions in step with the lodging and portal tables."""

import hashlib
import json
from datetime import date, timedelta
from pathlib import Path

import holidays
import sqlalchemy as sa

from tourism.core.pages import LOCAL_TZ
from tourism.extensions import db
from tourism.lodging.models import PURPOSES, SEXES, Establishment, Room
from tourism.portal.models import Area, Locality
from tourism.warehouse import regions
from tourism.warehouse.models import (
    BEGINNING,
    FOREVER,
    DimArea,
    DimCountry,
    DimDate,
    DimEstablishment,
    DimGuestProfile,
)

AGE_BANDS = ("0-14", "15-24", "25-34", "35-44", "45-54", "55-64", "65+")
DOMESTIC = "VN"
# The day the merged province and its new wards and communes came into being.
MERGER = date(2025, 7, 1)
# Establishments that never took guests have no place in the statistics.
COUNTED_STATUSES = ("approved", "suspended")
FORMER_UNITS = json.loads((Path(__file__).parent / "data" / "former_units.json").read_text(encoding="utf-8"))
FIRST_YEAR = 2015


def age_band(age: int) -> str:
    """Return the age band of an age in years."""
    for band in AGE_BANDS[:-1]:
        upper = int(band.split("-")[1])
        if age <= upper:
            return band
    return AGE_BANDS[-1]


def _festival(day: date) -> str | None:
    # The Đà Lạt flower festival season fills the highlands in the second half of December.
    if day.month == 12 and day.day >= 15:
        return "flower_festival"
    return None


def date_rows(first: date, last: date) -> list[dict]:
    """Return the date dimension's rows for the days from `first` to `last`."""
    names = holidays.country_holidays("VN", years=range(first.year, last.year + 1), language="en_US")
    rows, day = [], first
    while day <= last:
        holiday = names.get(day)
        is_tet = bool(holiday and "Lunar New Year" in holiday)
        festival = _festival(day)
        if is_tet:
            season = "tet"
        elif festival:
            season = "festival"
        elif day.month in (6, 7, 8):
            season = "summer"
        else:
            season = "regular"
        rows.append({
            "day": day, "year": day.year, "quarter": (day.month - 1) // 3 + 1, "month": day.replace(day=1),
            "iso_weekday": day.isoweekday(), "is_weekend": day.isoweekday() >= 6, "holiday": holiday,
            "is_tet": is_tet, "festival": festival, "season": season,
        })
        day += timedelta(days=1)
    return rows


def ensure_dates(first: date, last: date) -> int:
    """Add the days from `first` to `last` that the date dimension lacks; return how many."""
    first = min(first, date(FIRST_YEAR, 1, 1))
    have = db.session.execute(sa.select(sa.func.min(DimDate.day), sa.func.max(DimDate.day))).one()
    rows = [
        row for row in date_rows(first, last)
        if have[0] is None or row["day"] < have[0] or row["day"] > have[1]
    ]
    if rows:
        db.session.execute(sa.insert(DimDate), rows)
    return len(rows)


def ensure_profiles() -> dict[tuple[str, str, str], int]:
    """Create every age band × sex × purpose once; return their keys."""
    existing = {
        (row.age_band, row.sex, row.purpose): row.profile_key
        for row in db.session.scalars(sa.select(DimGuestProfile))
    }
    missing = [
        {"age_band": band, "sex": sex, "purpose": purpose}
        for band in AGE_BANDS for sex in SEXES for purpose in PURPOSES
        if (band, sex, purpose) not in existing
    ]
    if missing:
        db.session.execute(sa.insert(DimGuestProfile), missing)
        return ensure_profiles()
    return existing


def ensure_countries(codes: set[str]) -> int:
    """Add the countries the warehouse has not seen yet; return how many."""
    known = set(db.session.scalars(sa.select(DimCountry.code)))
    rows = []
    for code in sorted(codes - known):
        region, subregion = regions.region_of(code)
        rows.append({"code": code, "region": region, "subregion": subregion, "is_domestic": code == DOMESTIC})
    if rows:
        db.session.execute(sa.insert(DimCountry), rows)
    return len(rows)


def sync_areas() -> int:
    """Give every area two versions, before and after the merger; return how many rows were written."""
    localities = {locality.id: locality for locality in db.session.scalars(sa.select(Locality))}
    have = {(row.area_id, row.valid_from): row for row in db.session.scalars(sa.select(DimArea))}
    written = 0
    for area in db.session.scalars(sa.select(Area)):
        locality = localities.get(area.locality_id)
        slug = locality.slug if locality else ""
        former = FORMER_UNITS.get(slug, {"province": "lam-dong", "unit": area.name})
        lat, lon = (locality.lat, locality.lon) if locality else (None, None)
        versions = (
            {"valid_from": BEGINNING, "valid_to": MERGER - timedelta(days=1), "unit": former["unit"]},
            {"valid_from": MERGER, "valid_to": FOREVER, "unit": area.name},
        )
        for version in versions:
            values = {
                "area_id": area.id, "slug": area.slug, "name": area.name, "locality": slug,
                "former_province": former["province"], "lat": lat, "lon": lon, **version,
            }
            row = have.get((area.id, version["valid_from"]))
            if row is None:
                db.session.add(DimArea(**values))
                written += 1
            elif any(getattr(row, key) != value for key, value in values.items()):
                for key, value in values.items():
                    setattr(row, key, value)
                written += 1
    db.session.flush()
    return written


def _establishment_attributes() -> dict[int, dict]:
    rooms = {
        row.establishment_id: row
        for row in db.session.execute(
            sa.select(
                Room.establishment_id,
                sa.func.count(Room.id).label("rooms"),
                sa.func.coalesce(sa.func.sum(Room.single_beds + 2 * Room.double_beds), 0).label("bed_places"),
            ).where(Room.active).group_by(Room.establishment_id)
        )
    }
    attributes = {}
    for row in db.session.execute(
        sa.select(
            Establishment.id, Establishment.slug, Establishment.name, Establishment.kind,
            Establishment.star_class, Establishment.area_id, Establishment.status,
            Establishment.declared_rooms, Establishment.declared_bed_places,
        ).where(Establishment.status.in_(COUNTED_STATUSES))
    ):
        capacity = rooms.get(row.id)
        values = {
            "slug": row.slug, "name": row.name, "kind": row.kind, "star_class": row.star_class,
            "area_id": row.area_id, "status": row.status,
            "rooms": capacity.rooms if capacity else 0,
            "bed_places": int(capacity.bed_places) if capacity else 0,
            "declared_rooms": row.declared_rooms, "declared_bed_places": row.declared_bed_places,
        }
        # Names and slugs may be corrected without making a new version; the rest is history.
        tracked = {key: value for key, value in values.items() if key not in ("slug", "name")}
        values["attributes_hash"] = hashlib.sha256(json.dumps(tracked, sort_keys=True).encode()).hexdigest()
        attributes[row.id] = values
    return attributes


def sync_establishments(as_of: date) -> int:
    """Version establishments whose type, class, area, status or capacity changed; return rows written."""
    current = {
        row.establishment_id: row
        for row in db.session.scalars(sa.select(DimEstablishment).where(DimEstablishment.valid_to == FOREVER))
    }
    written = 0
    for establishment_id, values in _establishment_attributes().items():
        row = current.get(establishment_id)
        if row is None:
            # First seen: this version stands for its whole past, which the warehouse cannot know better.
            db.session.add(DimEstablishment(establishment_id=establishment_id, valid_from=BEGINNING,
                                            valid_to=FOREVER, **values))
            written += 1
        elif row.attributes_hash != values["attributes_hash"]:
            if row.valid_from >= as_of:
                for key, value in values.items():
                    setattr(row, key, value)
            else:
                row.valid_to = as_of - timedelta(days=1)
                db.session.add(DimEstablishment(establishment_id=establishment_id, valid_from=as_of,
                                                valid_to=FOREVER, **values))
            written += 1
        elif row.slug != values["slug"] or row.name != values["name"]:
            row.slug, row.name = values["slug"], values["name"]
    db.session.flush()
    return written


def local_date(moment) -> date:
    """Return the province's calendar date of a moment."""
    return moment.astimezone(LOCAL_TZ).date()
