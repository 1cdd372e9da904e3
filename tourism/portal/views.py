"""Public pages under /<locale>/."""

from datetime import date

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _

from tourism.core.pages import cached_page, flag_arg, int_arg, local_now
from tourism.extensions import db
from tourism.i18n import current_locale
from tourism.map import services as map_services
from tourism.portal import services
from tourism.portal.models import CATEGORIES
from tourism.portal.weather import current_weather

bp = Blueprint("portal", __name__, url_prefix="/<lang:locale>")

PLACES_PER_PAGE = 12
NEWS_PER_PAGE = 10


@bp.get("/")
@cached_page(timeout=60)
def home():
    today = local_now().date()
    return render_template(
        "portal/home.html",
        featured=services.featured_places(6),
        upcoming=services.upcoming_events(today, limit=4),
        news=services.latest_news(4),
        weather=current_weather(),
        today=today,
    )


@bp.get("/places/")
@cached_page()
def places():
    notices = []
    category = request.args.get("category") or None
    if category and category not in CATEGORIES:
        notices.append(_("Unknown category ignored."))
        category = None
    area_slug, area_ids = services.resolve_area_filter(request.args.get("area"))
    if request.args.get("area") and area_slug is None:
        notices.append(_("Unknown area ignored."))
    step_free, free_entry = flag_arg("step_free"), flag_arg("free")
    query = services.place_query(category, area_ids, step_free, free_entry)
    pagination = db.paginate(query, page=int_arg("page"), per_page=PLACES_PER_PAGE, error_out=False)
    if pagination.page > 1 and not pagination.items:
        abort(404)
    filters = {"category": category, "area": area_slug, "step_free": step_free, "free": free_entry}
    return render_template(
        "portal/places.html",
        pagination=pagination,
        filters={k: v for k, v in filters.items() if v},
        categories=CATEGORIES,
        localities=services.localities(),
        notices=notices,
    )


@bp.get("/places/<slug>")
@cached_page()
def place(slug):
    place = services.get_place(slug)
    return render_template(
        "portal/place.html",
        place=place,
        nearby=services.nearby_places(place.lat, place.lon, exclude_id=place.id, **map_services.NEARBY["place"]),
        opening_rows=services.opening_rows(place),
        open_now=services.is_open(place, local_now()),
        map_bundle=map_services.mini_map("place", place, current_locale()),
    )


@bp.get("/events/")
@cached_page()
def events():
    today = local_now().date()
    month = _month_arg(today)
    events = services.all_events()
    weeks, by_day, month_events = services.month_calendar(month.year, month.month, events)
    previous = date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return render_template(
        "portal/events.html",
        month=month,
        weeks=weeks,
        by_day=by_day,
        month_events=month_events,
        seasons=[o for o in month_events if services.is_season(o)],
        upcoming=services.upcoming_events(today, limit=12, events=events),
        previous=previous,
        following=following,
        today=today,
    )


def _month_arg(today: date) -> date:
    """Read ?month=YYYY-MM within a sensible window, defaulting to this month."""
    raw = request.args.get("month", "")
    try:
        year, month = (int(part) for part in raw.split("-"))
        chosen = date(year, month, 1)
    except ValueError:
        return today.replace(day=1)
    return chosen if abs(chosen.year - today.year) <= 5 else today.replace(day=1)


@bp.get("/events/<slug>")
@cached_page()
def event(slug):
    event = services.get_event(slug)
    today = local_now().date()
    upcoming = services.occurrences(event, today, date(today.year + 2, 12, 31))
    return render_template(
        "portal/event.html",
        event=event,
        occurrence=upcoming[0] if upcoming else None,
        nearby=services.nearby_places(event.lat, event.lon, **map_services.NEARBY["event"]),
        map_bundle=map_services.mini_map("event", event, current_locale()),
        today=today,
    )


@bp.get("/news/")
@cached_page()
def news():
    pagination = db.paginate(
        services.news_query(), page=int_arg("page"), per_page=NEWS_PER_PAGE, error_out=False
    )
    if pagination.page > 1 and not pagination.items:
        abort(404)
    return render_template("portal/news.html", pagination=pagination)


@bp.get("/news/<slug>")
@cached_page()
def article(slug):
    return render_template("portal/article.html", article=services.get_article(slug))


@bp.get("/search")
@cached_page()
def search():
    query = request.args.get("q", "")[:200]
    terms, results = services.search(query, current_locale())
    return render_template(
        "portal/search.html",
        query=query.strip(),
        terms=terms,
        results=results,
        total=sum(len(hits) for hits in results.values()),
    )


@bp.app_context_processor
def portal_helpers():
    from tourism.portal.labels import template_helpers
    from tourism.portal.weather import condition

    return {**template_helpers(), "weather_condition": condition}
