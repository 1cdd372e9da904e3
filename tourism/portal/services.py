"""Queries and rules of the public portal: listing, nearby, events, search."""

import calendar
import itertools
import math
import time
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import Session

from tourism.core.text import fold, highlight, search_terms
from tourism.extensions import cache, db
from tourism.i18n import fallback_chain, language_tag
from tourism.portal.models import (
    CONTENT_MODELS,
    WEEKDAYS,
    Area,
    Event,
    EventTranslation,
    Locality,
    NewsArticle,
    NewsTranslation,
    Place,
    PlaceTranslation,
)

EARTH_RADIUS_KM = 6371.0088
CONTENT_VERSION_KEY = "content-version"


# -- cache invalidation ---------------------------------------------------------------------

def content_version() -> int:
    """Return the number that changes whenever public content changes."""
    version = cache.get(CONTENT_VERSION_KEY)
    if version is None:
        # A lost counter (evicted, or a new cache) must not bring back pages cached under an old
        # number, so it restarts from the clock; `add` lets the first worker win.
        cache.add(CONTENT_VERSION_KEY, time.time_ns() // 1000, timeout=0)
        version = cache.get(CONTENT_VERSION_KEY)
    return version


def bump_content_version() -> None:
    """Invalidate every cached page and map that shows public content."""
    cache.set(CONTENT_VERSION_KEY, content_version() + 1, timeout=0)


def _note_content_change(session, flush_context, instances) -> None:
    touched = itertools.chain(session.new, session.dirty, session.deleted)
    if any(type(item) in CONTENT_MODELS for item in touched):
        session.info["content_changed"] = True


def _bump_after_commit(session) -> None:
    if session.info.pop("content_changed", False):
        bump_content_version()


def _forget_change(session, *args) -> None:
    session.info.pop("content_changed", None)


# Whoever writes content (demo loader, back office, imports), its commit invalidates the caches.
sa.event.listen(Session, "before_flush", _note_content_change)
sa.event.listen(Session, "after_commit", _bump_after_commit)
sa.event.listen(Session, "after_rollback", _forget_change)


# -- areas ----------------------------------------------------------------------------------

def localities() -> list[Locality]:
    """Return the localities in display order, with their areas."""
    return list(db.session.scalars(sa.select(Locality).order_by(Locality.position)))


def resolve_area_filter(slug: str | None) -> tuple[str | None, list[int] | None]:
    """Turn a locality or area slug into area ids; unknown slugs give (None, None)."""
    if not slug:
        return None, None
    locality = db.session.scalar(sa.select(Locality).filter_by(slug=slug))
    if locality is not None:
        return slug, [a.id for a in locality.areas]
    area = db.session.scalar(sa.select(Area).filter_by(slug=slug))
    if area is not None:
        return slug, [area.id]
    return None, None


# -- places ---------------------------------------------------------------------------------

def place_query(category=None, area_ids=None, step_free=False, free_entry=False):
    """Build the select for the place list with its filters, best-known first."""
    query = sa.select(Place)
    if category:
        query = query.where(Place.category == category)
    if area_ids is not None:
        query = query.where(Place.area_id.in_(area_ids))
    if step_free:
        query = query.where(Place.step_free.is_(True))
    if free_entry:
        query = query.where(Place.price_max == 0)
    # NULLs last on both SQLite and PostgreSQL, without dialect-specific syntax.
    return query.order_by(
        sa.case((Place.featured_rank.is_(None), 1), else_=0), Place.featured_rank, Place.slug
    )


def featured_places(limit: int = 6) -> list[Place]:
    """Return the best-known places for the home page."""
    query = sa.select(Place).where(Place.featured_rank.is_not(None)).order_by(Place.featured_rank)
    return list(db.session.scalars(query.limit(limit)))


def get_place(slug: str) -> Place:
    """Return a place by slug, or raise 404."""
    place = db.session.scalar(sa.select(Place).filter_by(slug=slug))
    if place is None:
        abort(404)
    return place


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance between two points."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def nearby_places(lat: float, lon: float, limit: int = 6, radius_km: float = 40.0, exclude_id=None):
    """Return [(place, km)] within `radius_km`, nearest first."""
    # A bounding box lets the database discard far places before the exact distance.
    dlat = radius_km / 111.0
    dlon = radius_km / (111.0 * max(0.1, math.cos(math.radians(lat))))
    query = sa.select(Place.id, Place.lat, Place.lon).where(
        Place.lat.between(lat - dlat, lat + dlat), Place.lon.between(lon - dlon, lon + dlon)
    )
    if exclude_id is not None:
        query = query.where(Place.id != exclude_id)
    distances = sorted(
        (km, place_id)
        for place_id, place_lat, place_lon in db.session.execute(query)
        if (km := distance_km(lat, lon, place_lat, place_lon)) <= radius_km
    )[:limit]
    # Only the nearest few are loaded whole, with their translations and images.
    places = {p.id: p for p in db.session.scalars(sa.select(Place).where(Place.id.in_([i for _, i in distances])))}
    return [(places[place_id], km) for km, place_id in distances]


def opening_rows(place: Place) -> list[tuple[list[int], list[tuple[str, str]]]]:
    """Group consecutive weekdays with the same hours: [([0..4], [("07:00", "17:00")]), …]."""
    hours = place.opening_hours or {}
    rows: list[tuple[list[int], list[tuple[str, str]]]] = []
    for index, day in enumerate(WEEKDAYS):
        ranges = [tuple(r) for r in hours.get(day, [])]
        if rows and rows[-1][1] == ranges and rows[-1][0][-1] == index - 1:
            rows[-1][0].append(index)
        else:
            rows.append(([index], ranges))
    return rows


def is_open(place: Place, moment: datetime) -> bool | None:
    """Say whether a place is open at a local time; None when hours are unknown."""
    if place.always_open:
        return True
    if not place.opening_hours:
        return None
    clock = moment.strftime("%H:%M")
    for start, end in place.opening_hours.get(WEEKDAYS[moment.weekday()], []):
        if start <= clock < end or (end < start and (clock >= start or clock < end)):
            return True
    return False


# -- events ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Occurrence:
    event: Event
    start: date
    end: date


def _shift_year(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year + years, day=28)


def occurrences(event: Event, first: date, last: date) -> list[Occurrence]:
    """Return the event's occurrences that overlap [first, last]."""
    if event.recurrence != "yearly":
        if event.start_date <= last and event.end_date >= first:
            return [Occurrence(event, event.start_date, event.end_date)]
        return []
    found = []
    for year in range(first.year - 1, last.year + 1):
        shift = year - event.start_date.year
        start, end = _shift_year(event.start_date, shift), _shift_year(event.end_date, shift)
        if start <= last and end >= first:
            found.append(Occurrence(event, start, end))
    return found


def all_events() -> list[Event]:
    """Return every event; recurrences are worked out in Python, so pages load them once."""
    return list(db.session.scalars(sa.select(Event)))


def upcoming_events(
    today: date, limit: int | None = None, horizon_days: int = 366, events: list[Event] | None = None
) -> list[Occurrence]:
    """Return occurrences happening now or later within the horizon, soonest first."""
    last = date.fromordinal(today.toordinal() + horizon_days)
    found = []
    for event in all_events() if events is None else events:
        found.extend(occurrences(event, today, last))
    found.sort(key=lambda o: (o.start, o.event.slug))
    return found[:limit] if limit else found


SEASON_DAYS = 14


def month_calendar(year: int, month: int, events: list[Event] | None = None) -> tuple[list[list[date | None]], dict[date, list[Occurrence]], list[Occurrence]]:
    """Return the weeks of a month, the short occurrences on each day, and all the month's occurrences."""
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    month_events = []
    for event in all_events() if events is None else events:
        month_events.extend(occurrences(event, first, last))
    month_events.sort(key=lambda o: (o.start, o.event.slug))
    by_day: dict[date, list[Occurrence]] = {}
    for occurrence in month_events:
        # Seasons lasting weeks would fill every cell; the page lists them above the grid instead.
        if is_season(occurrence):
            continue
        day = max(occurrence.start, first)
        while day <= min(occurrence.end, last):
            by_day.setdefault(day, []).append(occurrence)
            day = date.fromordinal(day.toordinal() + 1)
    weeks = [
        [d if d.month == month else None for d in week]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    ]
    return weeks, by_day, month_events


def is_season(occurrence: Occurrence) -> bool:
    """Say whether an occurrence lasts long enough to be a season rather than a dated event."""
    return (occurrence.end - occurrence.start).days >= SEASON_DAYS


def get_event(slug: str) -> Event:
    """Return an event by slug, or raise 404."""
    event = db.session.scalar(sa.select(Event).filter_by(slug=slug))
    if event is None:
        abort(404)
    return event


# -- news -----------------------------------------------------------------------------------

def news_query():
    """Build the select for news, newest first."""
    return sa.select(NewsArticle).order_by(NewsArticle.published_at.desc(), NewsArticle.id.desc())


def latest_news(limit: int = 4) -> list[NewsArticle]:
    """Return the newest articles."""
    return list(db.session.scalars(news_query().limit(limit)))


def get_article(slug: str) -> NewsArticle:
    """Return an article by slug, or raise 404."""
    article = db.session.scalar(sa.select(NewsArticle).filter_by(slug=slug))
    if article is None:
        abort(404)
    return article


# -- search ---------------------------------------------------------------------------------

@dataclass
class SearchHit:
    kind: str  # place, event, news
    item: object
    title: object  # Markup with <mark>
    snippet: object
    lang: str


SEARCH_SOURCES = (
    ("place", Place, PlaceTranslation, PlaceTranslation.place_id, "name", "description"),
    ("event", Event, EventTranslation, EventTranslation.event_id, "name", "description"),
    ("news", NewsArticle, NewsTranslation, NewsTranslation.article_id, "title", "body"),
)


def search(query: str, locale: str, limit_per_kind: int = 30) -> tuple[list[str], dict[str, list[SearchHit]]]:
    """Find places, events and news whose text in the visitor's language (or its fallbacks) matches."""
    terms = search_terms(query)
    results: dict[str, list[SearchHit]] = {kind: [] for kind, *_ in SEARCH_SOURCES}
    if not terms:
        return terms, results
    chain = fallback_chain(locale)
    for kind, model, translation, owner_column, title_field, body_field in SEARCH_SOURCES:
        conditions = _text_conditions(translation, terms)
        featured = getattr(model, "featured_rank", sa.null())
        rows = db.session.execute(
            sa.select(owner_column, model.slug, featured, translation)
            .join(model, model.id == owner_column)
            .where(translation.locale.in_(chain), *conditions)
        ).all()
        best: dict[int, tuple] = {}
        for owner_id, slug, rank, row in rows:
            current = best.get(owner_id)
            if current is None or chain.index(row.locale) < chain.index(current[2].locale):
                best[owner_id] = (slug, rank, row)
        # Rank on the folded titles, then load and highlight only the hits shown.
        ranked = sorted(best.items(), key=lambda pair: _rank(*pair[1], title_field, terms))[:limit_per_kind]
        items = {
            item.id: item
            for item in db.session.scalars(sa.select(model).where(model.id.in_([i for i, _ in ranked])))
        }
        for owner_id, (_, _, row) in ranked:
            body = " ".join(filter(None, (row.summary, getattr(row, body_field))))
            results[kind].append(
                SearchHit(
                    kind=kind,
                    item=items[owner_id],
                    title=highlight(getattr(row, title_field), terms, width=200),
                    snippet=highlight(body, terms),
                    lang=language_tag(row.locale),
                )
            )
    return terms, results


def ids_matching(translation, owner_column, text: str, locale: str) -> set[int] | None:
    """Return ids of items whose text in the locale's fallback chain holds every term; None without terms."""
    terms = search_terms(text)
    if not terms:
        return None
    query = sa.select(owner_column).where(
        translation.locale.in_(fallback_chain(locale)), *_text_conditions(translation, terms)
    )
    return set(db.session.scalars(query))


def _text_conditions(translation, terms: list[str]) -> list:
    # Every term must appear; LIKE wildcards in the terms are escaped.
    return [translation.search_text.like("%" + _escape_like(term) + "%", escape="\\") for term in terms]


def _rank(slug: str, featured: int | None, row, title_field: str, terms: list[str]) -> tuple:
    # Titles holding every term first, then featured places, then by slug for stable output.
    title = fold(getattr(row, title_field))
    in_title = all(term in title for term in terms)
    return (not in_title, featured is None, featured or 0, slug)


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
