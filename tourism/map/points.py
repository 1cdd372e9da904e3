"""What the maps show: places and this week's events as points, chosen by the visitor's filters."""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from tourism.extensions import db
from tourism.i18n import fallback_chain, language_tag
from tourism.portal import services as portal
from tourism.portal.models import (
    CATEGORIES,
    Event,
    EventTranslation,
    Place,
    PlaceImage,
    PlaceTranslation,
)

EVENTS_LAYER = "events"
LODGING_LAYER = "lodging"
# One map layer per place category, then approved places to stay, then this week's events.
LAYERS = (*CATEGORIES, LODGING_LAYER, EVENTS_LAYER)
EVENT_DAYS = 7
TEXT_FILTER_LENGTH = 200
# Four plain decimal numbers, as the OpenAPI document states it; no exponents, spaces or signs but -.
NUMBER = r"-?[0-9]{1,3}(?:\.[0-9]{1,10})?"
BBOX_PATTERN = rf"^{NUMBER}(?:,{NUMBER}){{3}}$"


class BadFilter(ValueError):
    """A map or API filter the visitor sent cannot be used."""

    def __init__(self, field: str, code: str):
        super().__init__(f"{field}: {code}")
        self.field = field
        self.code = code


@dataclass(frozen=True)
class MapFilters:
    """The filters of a map, as they appear in its URL."""

    layers: tuple[str, ...] = ()  # empty: every layer
    area: str | None = None
    text: str = ""
    step_free: bool = False
    open_now: bool = False
    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north

    def shows(self, layer: str) -> bool:
        return not self.layers or layer in self.layers

    def args(self) -> dict:
        """Return the filters as query parameters, for links and the map script's URL."""
        args: dict = {}
        if self.layers:
            args["category"] = list(self.layers)
        if self.area:
            args["area"] = self.area
        if self.text:
            args["q"] = self.text
        if self.step_free:
            args["step_free"] = "1"
        if self.open_now:
            args["open_now"] = "1"
        if self.bbox:
            args["bbox"] = ",".join(f"{value:g}" for value in self.bbox)
        return args

    def key(self) -> str:
        """Return a stable text naming these filters, for cache keys."""
        return repr(sorted(self.args().items()))


def parse_layers(values: list[str]) -> tuple[str, ...]:
    """Turn `category` values (repeated or comma-separated) into known layers, in map order."""
    wanted = {part.strip() for value in values for part in value.split(",") if part.strip()}
    unknown = wanted - set(LAYERS)
    if unknown:
        raise BadFilter("category", "unknown")
    return tuple(layer for layer in LAYERS if layer in wanted)


def parse_bbox(raw: str) -> tuple[float, float, float, float]:
    """Parse `west,south,east,north` in degrees, refusing malformed, reversed or impossible boxes."""
    if not re.fullmatch(BBOX_PATTERN, raw):
        raise BadFilter("bbox", "malformed")
    west, south, east, north = (float(part) for part in raw.split(","))
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= 90 and -90 <= north <= 90):
        raise BadFilter("bbox", "out_of_range")
    if west > east or south > north:
        raise BadFilter("bbox", "reversed")
    return west, south, east, north


@dataclass
class Point:
    """One thing on a map, in the visitor's language."""

    kind: str  # place, lodging or event
    id: int
    slug: str
    layer: str
    lat: float
    lon: float
    name: str
    name_lang: str  # BCP 47 tag of the language the name is written in (it may have fallen back)
    image: str | None = None  # path under static/
    step_free: bool = False
    starts: date | None = None
    ends: date | None = None


def points(filters: MapFilters, locale: str, now: datetime) -> list[Point]:
    """Return the places, places to stay and this week's events the filters let through, in layer order."""
    area_ids = None
    if filters.area:
        _, area_ids = portal.resolve_area_filter(filters.area)
    found = []
    if any(filters.shows(category) for category in CATEGORIES):
        found += place_points(filters, area_ids, locale, now)
    if filters.shows(LODGING_LAYER):
        found += lodging_points(filters, area_ids, locale)
    if filters.shows(EVENTS_LAYER):
        found += event_points(filters, area_ids, locale, now.date())
    found.sort(key=lambda point: LAYERS.index(point.layer))
    return found


def place_points(filters: MapFilters, area_ids, locale: str, now: datetime | None = None) -> list[Point]:
    """Return the places that pass the filters, with their name in the visitor's language."""
    query = sa.select(
        Place.id, Place.slug, Place.category, Place.lat, Place.lon, Place.step_free,
        Place.opening_hours, Place.always_open,
    ).order_by(Place.id)
    if filters.layers:
        query = query.where(Place.category.in_(filters.layers))
    if area_ids is not None:
        query = query.where(Place.area_id.in_(area_ids))
    if filters.step_free:
        query = query.where(Place.step_free.is_(True))
    query = _within(query, Place, filters.bbox)
    if filters.text:
        ids = portal.ids_matching(PlaceTranslation, PlaceTranslation.place_id, filters.text, locale)
        if ids is not None:
            query = query.where(Place.id.in_(ids))
    rows = db.session.execute(query).all()
    if filters.open_now and now is not None:
        # "Open now" needs each place's own hours; places with unknown hours are left out.
        rows = [row for row in rows if portal.is_open(row, now)]
    names = _names(PlaceTranslation, PlaceTranslation.place_id, [row.id for row in rows], locale)
    images = _first_images([row.id for row in rows])
    return [
        Point(
            kind="place", id=row.id, slug=row.slug, layer=row.category, lat=row.lat, lon=row.lon,
            name=names.get(row.id, (row.slug, locale))[0],
            name_lang=language_tag(names.get(row.id, (row.slug, locale))[1]),
            image=images.get(row.id), step_free=row.step_free,
        )
        for row in rows
    ]


def lodging_points(filters: MapFilters, area_ids, locale: str) -> list[Point]:
    """Return the approved establishments that pass the filters (their reception never closes)."""
    from tourism.lodging.establishments import name_matches
    from tourism.lodging.models import Establishment

    query = (
        sa.select(Establishment.id, Establishment.slug, Establishment.name, Establishment.lat, Establishment.lon,
                  Establishment.step_free)
        .where(Establishment.status == "approved", Establishment.lat.is_not(None), Establishment.lon.is_not(None))
        .order_by(Establishment.id)
    )
    if area_ids is not None:
        query = query.where(Establishment.area_id.in_(area_ids))
    if filters.step_free:
        query = query.where(Establishment.step_free.is_(True))
    query = _within(query, Establishment, filters.bbox)
    if filters.text:
        query = query.where(Establishment.id.in_(name_matches(filters.text, base=query)))
    # Names are written by the establishments in whatever language they chose; no translation.
    lang = language_tag(locale)
    return [
        Point(kind="lodging", id=row.id, slug=row.slug, layer=LODGING_LAYER, lat=row.lat, lon=row.lon,
              name=row.name, name_lang=lang, step_free=row.step_free)
        for row in db.session.execute(query)
    ]


def event_points(filters: MapFilters, area_ids, locale: str, today: date) -> list[Point]:
    """Return events happening in the coming week that pass the filters."""
    if filters.step_free:
        return []  # events carry no accessibility information, so none can be promised
    last = today + timedelta(days=EVENT_DAYS - 1)
    query = sa.select(Event).order_by(Event.id)
    if area_ids is not None:
        query = query.where(Event.area_id.in_(area_ids))
    query = _within(query, Event, filters.bbox)
    if filters.text:
        ids = portal.ids_matching(EventTranslation, EventTranslation.event_id, filters.text, locale)
        if ids is not None:
            query = query.where(Event.id.in_(ids))
    found = []
    for event in db.session.scalars(query):
        # "Open now" for an event means it is on today.
        occurrences = portal.occurrences(event, today, today if filters.open_now else last)
        if not occurrences:
            continue
        localized = event.localized(locale)
        found.append(
            Point(
                kind="event", id=event.id, slug=event.slug, layer=EVENTS_LAYER, lat=event.lat, lon=event.lon,
                name=localized.name, name_lang=localized.lang("name"),
                starts=occurrences[0].start, ends=occurrences[0].end,
            )
        )
    return found


def _within(query, model, bbox):
    if bbox is None:
        return query
    west, south, east, north = bbox
    return query.where(model.lon.between(west, east), model.lat.between(south, north))


def _names(translation, owner_column, ids: list[int], locale: str) -> dict[int, tuple[str, str]]:
    """Return {id: (name, locale it is written in)} by the fallback chain, loading only names."""
    chain = fallback_chain(locale)
    best: dict[int, tuple[str, str]] = {}
    for chunk in _chunks(ids):
        rows = db.session.execute(
            sa.select(owner_column, translation.locale, translation.name).where(
                owner_column.in_(chunk), translation.locale.in_(chain)
            )
        )
        for owner_id, row_locale, name in rows:
            if not name:
                continue
            current = best.get(owner_id)
            if current is None or chain.index(row_locale) < chain.index(current[1]):
                best[owner_id] = (name, row_locale)
    return best


def _first_images(ids: list[int]) -> dict[int, str]:
    images: dict[int, str] = {}
    for chunk in _chunks(ids):
        rows = db.session.execute(
            sa.select(PlaceImage.place_id, PlaceImage.path)
            .where(PlaceImage.place_id.in_(chunk))
            .order_by(PlaceImage.place_id, PlaceImage.position)
        )
        for place_id, path in rows:
            images.setdefault(place_id, path)
    return images


def _chunks(ids: list[int], size: int = 900):
    # SQLite refuses more than a few thousand bound parameters in one statement.
    for start in range(0, len(ids), size):
        yield ids[start:start + size]
