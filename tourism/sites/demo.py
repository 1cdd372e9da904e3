"""Demo tourist sites of the merged province and a year of plausible daily visits."""

import json
import random
import zlib
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from tourism.core.database import utcnow
from tourism.extensions import db
from tourism.portal.models import Area, Place
from tourism.sites import services
from tourism.sites.models import Site, SiteVisitDay

DEMO_FILE = Path(__file__).parent / "demo_data" / "sites.json"
DAYS = 365
# First day of Tết (lunar new year); the week after it is the busiest of the year.
TET = (date(2024, 2, 10), date(2025, 1, 29), date(2026, 2, 17), date(2027, 2, 6), date(2028, 1, 26),
       date(2029, 2, 13), date(2030, 2, 3))
WEEKDAY = (0.75, 0.7, 0.7, 0.75, 0.95, 1.55, 1.4)  # Monday … Sunday
MONTH = (0.95, 1.0, 0.85, 0.85, 0.95, 1.25, 1.35, 1.3, 0.8, 0.8, 0.85, 1.3)  # summer and December busier
HOLIDAYS = {(4, 30): 1.9, (5, 1): 1.9, (9, 1): 1.6, (9, 2): 1.8, (1, 1): 1.6, (12, 24): 1.4, (12, 31): 1.5}


def demo_sites() -> list[dict]:
    """Return the demo sites as listed in sites.json."""
    return json.loads(DEMO_FILE.read_text(encoding="utf-8"))


def load_demo_sites() -> int:
    """Create the demo sites that are missing, linked to their portal places; return how many were added."""
    areas = dict(db.session.execute(sa.select(Area.slug, Area.id)).all())
    places = {slug: (place_id, lat, lon) for slug, place_id, lat, lon in
              db.session.execute(sa.select(Place.slug, Place.id, Place.lat, Place.lon))}
    existing = set(db.session.scalars(sa.select(Site.slug)))
    added = 0
    for item in demo_sites():
        if item["slug"] in existing or item["area"] not in areas:
            continue
        place_id, lat, lon = places.get(item.get("place") or "", (None, item.get("lat"), item.get("lon")))
        db.session.add(Site(slug=item["slug"], name=item["name"], kind=item["kind"], area_id=areas[item["area"]],
                            place_id=place_id, lat=lat, lon=lon))
        added += 1
    db.session.commit()
    return added


def _busyness(day: date) -> float:
    factor = WEEKDAY[day.weekday()] * MONTH[day.month - 1] * HOLIDAYS.get((day.month, day.day), 1.0)
    for tet in TET:
        offset = (day - tet).days
        if -1 <= offset <= 6:
            return factor * (2.4 if offset <= 3 else 1.7)
        if -10 <= offset < -1:
            return factor * 0.6  # the days before Tết people are home preparing
    return factor


def visits_for(item: dict, day: date, rng: random.Random) -> tuple[int, int, int]:
    """Return plausible visitors, international visitors and revenue of one site on one day."""
    visitors = max(0, round(item["daily"] * _busyness(day) * rng.uniform(0.8, 1.2)))
    share = item["international"]
    if item.get("coast") and day.month in (12, 1, 2, 3):
        share *= 1.25  # winter sun: the Russian and Korean season on the coast
    share = min(0.6, max(0.0, share * rng.uniform(0.8, 1.2)))
    international = min(visitors, round(visitors * share))
    # Children, groups and locals pay less than the adult price.
    revenue = round(visitors * item["price"] * rng.uniform(0.82, 0.97) / 1000) * 1000
    return visitors, international, revenue


def load_demo_visits(until: date | None = None) -> int:
    """Add the last 365 days (up to yesterday) of visits of every demo site, keeping days already there."""
    load_demo_sites()
    until = until or services.today() - timedelta(days=1)
    ids = dict(db.session.execute(sa.select(Site.slug, Site.id)).all())
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    now, added = utcnow(), 0
    for item in demo_sites():
        if item["slug"] not in ids:
            continue
        # Seeded by the site, so every run makes the same figures.
        rng = random.Random(zlib.crc32(item["slug"].encode()))  # noqa: S311  (made-up figures, not secrets)
        rows = []
        for n in range(DAYS - 1, -1, -1):
            day = until - timedelta(days=n)
            visitors, international, revenue = visits_for(item, day, rng)
            rows.append({"site_id": ids[item["slug"]], "day": day, "visitors": visitors,
                         "international_visitors": international, "revenue": revenue, "source": "demo",
                         "reported_by_id": None, "created_at": now, "updated_at": now})
        # One INSERT of a year of rows per site (within every backend's bound on parameters);
        # days a manager already reported are kept.
        statement = insert(SiteVisitDay.__table__).values(rows).on_conflict_do_nothing(
            index_elements=["site_id", "day"]).returning(SiteVisitDay.__table__.c.id)
        # RETURNING counts what was inserted on both backends (PostgreSQL's rowcount here is -1).
        added += len(db.session.execute(statement).all())
    db.session.commit()
    return added
