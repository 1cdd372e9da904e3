"""Load the bundled demo content (real places, events and news of Lâm Đồng), idempotently."""

import json
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa

from tourism.extensions import db
from tourism.i18n import LOCALES
from tourism.portal.models import (
    CATEGORIES,
    EVENT_KINDS,
    PROVINCE_BOUNDS,
    WEEKDAYS,
    Area,
    Event,
    EventTranslation,
    Locality,
    LocalityTranslation,
    NewsArticle,
    NewsTranslation,
    Place,
    PlaceImage,
    PlaceTranslation,
)

DATA_DIR = Path(__file__).resolve().parent / "demo_data"
IMAGE_CREDIT = "Lâm Đồng tourism portal (illustration drawn for this project)"
IMAGE_LICENCE = "CC0-1.0"


class DemoDataError(ValueError):
    """The bundled demo data breaks a rule of the domain."""


def read_json(name: str, directory: Path = DATA_DIR):
    """Return the parsed content of a bundled JSON file."""
    return json.loads((directory / name).read_text(encoding="utf-8"))


def read_places() -> list[dict]:
    """Return every bundled place, from all `places_*.json` files."""
    places = []
    for path in sorted(DATA_DIR.glob("places_*.json")):
        places.extend(json.loads(path.read_text(encoding="utf-8")))
    return places


def parse_hours(hours) -> tuple[dict | None, bool]:
    """Turn `"24/7"` or `[{"days": "mon-fri", "open": …, "close": …}]` into per-weekday ranges."""
    if hours is None:
        return None, False
    if hours == "24/7":
        return None, True
    table: dict[str, list[list[str]]] = {day: [] for day in WEEKDAYS}
    for rule in hours:
        first, _, last = rule["days"].partition("-")
        start, end = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        days = range(start, end + 1) if start <= end else [*range(start, 7), *range(0, end + 1)]
        for index in days:
            table[WEEKDAYS[index]].append([rule["open"], rule["close"]])
    for ranges in table.values():
        ranges.sort()
    return table, False


def _check_point(kind: str, slug: str, lat: float, lon: float) -> None:
    (lat_min, lat_max), (lon_min, lon_max) = PROVINCE_BOUNDS["lat"], PROVINCE_BOUNDS["lon"]
    if not (lat_min <= lat <= lat_max and lon_min <= lon <= lon_max):
        raise DemoDataError(f"{kind} {slug}: ({lat}, {lon}) is outside the province")


def sync_translations(owner, model, texts: dict, fields: tuple[str, ...]) -> None:
    """Create or update an item's translation rows from {locale: {field: text}}."""
    existing = {t.locale: t for t in owner.translations}
    for locale in LOCALES:
        text = texts.get(locale)
        if not text:
            continue
        row = existing.get(locale)
        if row is None:
            row = model(locale=locale)
            owner.translations.append(row)
        for field in fields:
            setattr(row, field, text.get(field, "") or "")


def upsert(model, slug: str):
    """Return the item with this slug, creating it when missing."""
    item = db.session.scalar(sa.select(model).filter_by(slug=slug))
    if item is None:
        item = model(slug=slug)
        db.session.add(item)
    return item


def load_areas() -> dict[str, Area]:
    """Create or update localities and areas; return areas by slug."""
    for position, row in enumerate(read_json("localities.json")):
        locality = upsert(Locality, row["slug"])
        locality.position, locality.lat, locality.lon = position, row["lat"], row["lon"]
        names = {code: {"name": name} for code, name in row["names"].items()}
        sync_translations(locality, LocalityTranslation, names, ("name",))
    db.session.flush()
    by_slug = {loc.slug: loc for loc in db.session.scalars(sa.select(Locality))}
    areas = {}
    for row in read_json("areas.json"):
        area = upsert(Area, row["slug"])
        area.name, area.kind = row["name"], row["kind"]
        area.locality_id = by_slug[row["locality"]].id
        areas[row["slug"]] = area
    db.session.flush()
    return areas


def load_places(areas: dict[str, Area]) -> int:
    """Create or update the bundled places."""
    rows = read_places()
    for row in rows:
        slug = row["slug"]
        if row["category"] not in CATEGORIES:
            raise DemoDataError(f"place {slug}: unknown category {row['category']}")
        if row["area"] not in areas:
            raise DemoDataError(f"place {slug}: unknown area {row['area']}")
        _check_point("place", slug, row["lat"], row["lon"])
        place = upsert(Place, slug)
        place.category, place.area = row["category"], areas[row["area"]]
        place.lat, place.lon = row["lat"], row["lon"]
        place.opening_hours, place.always_open = parse_hours(row.get("hours"))
        place.price_min, place.price_max = int(row.get("price_min") or 0), int(row.get("price_max") or 0)
        place.step_free = bool(row.get("step_free"))
        place.accessible_toilet = bool(row.get("accessible_toilet"))
        place.featured_rank = row.get("featured")
        website = row.get("website")
        if website and not website.startswith("https://"):
            raise DemoDataError(f"place {slug}: website must be an https:// address")
        place.website = website
        sync_translations(place, PlaceTranslation, row["i18n"], ("name", "summary", "description"))
        if not place.images:
            place.images.append(
                PlaceImage(
                    path=f"img/categories/{place.category}.svg",
                    credit=IMAGE_CREDIT,
                    licence=IMAGE_LICENCE,
                )
            )
    # Two regions may rank places independently; interleave them into one order.
    ranked = sorted(
        (r for r in rows if r.get("featured")), key=lambda r: (r["featured"], r["slug"])
    )
    ranks = {r["slug"]: position for position, r in enumerate(ranked, start=1)}
    for place in db.session.scalars(sa.select(Place).where(Place.slug.in_(list(ranks)))):
        place.featured_rank = ranks[place.slug]
    return len(rows)


def load_events(areas: dict[str, Area]) -> int:
    """Create or update the bundled events."""
    rows = read_json("events.json")
    for row in rows:
        slug = row["slug"]
        start, end = date.fromisoformat(row["start"]), date.fromisoformat(row["end"])
        if end < start:
            raise DemoDataError(f"event {slug}: ends before it starts")
        if row["kind"] not in EVENT_KINDS:
            raise DemoDataError(f"event {slug}: unknown kind {row['kind']}")
        _check_point("event", slug, row["lat"], row["lon"])
        event = upsert(Event, slug)
        event.kind, event.area = row["kind"], areas[row["area"]]
        event.lat, event.lon = row["lat"], row["lon"]
        event.start_date, event.end_date = start, end
        event.recurrence = row.get("recurrence")
        sync_translations(event, EventTranslation, row["i18n"], ("name", "summary", "description"))
    return len(rows)


def load_news(areas: dict[str, Area]) -> int:
    """Create or update the bundled news articles."""
    rows = read_json("news.json")
    for row in rows:
        article = upsert(NewsArticle, row["slug"])
        article.published_at = datetime.fromisoformat(row["published"])
        article.area = areas[row["area"]] if row.get("area") else None
        sync_translations(article, NewsTranslation, row["i18n"], ("title", "summary", "body"))
    return len(rows)


def load_demo_content() -> dict[str, int]:
    """Load all demo content in one transaction and return counts."""
    # The map package builds on the portal's models, so it is imported only when needed.
    from tourism.map.demo import load_itineraries

    try:
        areas = load_areas()
        counts = {
            "areas": len(areas),
            "places": load_places(areas),
            "events": load_events(areas),
            "news": load_news(areas),
            "itineraries": load_itineraries(),
        }
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return counts
