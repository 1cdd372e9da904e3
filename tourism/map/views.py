"""The map page, the scripts of every map, and itinerary pages, under /<locale>/."""

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tourism.core.pages import cached_page, flag_arg, local_now
from tourism.core.permissions import DEPARTMENT
from tourism.i18n import current_locale
from tourism.map import itineraries, services
from tourism.map.points import LAYERS, TEXT_FILTER_LENGTH, BadFilter, MapFilters, parse_bbox, parse_layers
from tourism.portal import services as portal
from tourism.portal.services import localities

bp = Blueprint("map", __name__, url_prefix="/<lang:locale>")


def read_filters() -> tuple[MapFilters, list[str]]:
    """Read the map's filters from the URL; values that cannot be used are dropped with a notice."""
    notices = []
    try:
        layers = parse_layers(request.args.getlist("category"))
    except BadFilter:
        layers = ()
        notices.append(_("Unknown category ignored."))
    area = request.args.get("area") or None
    if area and portal.resolve_area_filter(area)[0] is None:
        area = None
        notices.append(_("Unknown area ignored."))
    bbox = None
    if request.args.get("bbox"):
        try:
            bbox = parse_bbox(request.args["bbox"])
        except BadFilter:
            notices.append(_("The map area in the link could not be read, so the whole province is shown."))
    text = " ".join(request.args.get("q", "")[:TEXT_FILTER_LENGTH].split())
    filters = MapFilters(
        layers=layers, area=area, text=text, step_free=flag_arg("step_free"), open_now=flag_arg("open_now"),
        bbox=bbox,
    )
    return filters, notices


def officers_heat() -> services.Heat | None:
    """Return the warehouse's arrivals as a heat layer for department officers, else None."""
    if getattr(current_user, "role", None) not in DEPARTMENT:
        return None
    from tourism.warehouse.dashboard import arrivals_heat

    return arrivals_heat()


@bp.get("/map")
@cached_page(timeout=60)
def map_page():
    filters, notices = read_filters()
    bundle = services.main_map(filters, current_locale(), local_now(), heat=officers_heat())
    return render_template(
        "map/map.html",
        bundle=bundle,
        filters=filters,
        notices=notices,
        layers=LAYERS,
        localities=localities(),
        script_url=url_for("map.script", **filters.args(), v=bundle.etag[:12]),
        layer_label=services.layer_label,
    )


@bp.get("/map/script.js")
def script():
    filters, _notices = read_filters()
    heat = officers_heat()
    response = script_response(services.main_map(filters, current_locale(), local_now(), heat=heat))
    if heat:
        # The officers' layer is theirs: no shared cache keeps it.
        response.cache_control.public = False
        response.cache_control.private = True
    return response


@bp.get("/places/<slug>/map.js")
def place_script(slug):
    return script_response(services.mini_map("place", portal.get_place(slug), current_locale()))


@bp.get("/events/<slug>/map.js")
def event_script(slug):
    return script_response(services.mini_map("event", portal.get_event(slug), current_locale()))


@bp.get("/itineraries/")
@cached_page()
def itinerary_list():
    found = itineraries.all_itineraries()
    return render_template(
        "map/itineraries.html",
        itineraries=found,
        totals={i.id: itineraries.total_km(i) for i in found},
    )


@bp.get("/itineraries/<slug>")
@cached_page()
def itinerary(slug):
    found = itineraries.get_itinerary(slug)
    bundle = services.route_map(found, current_locale())
    return render_template(
        "map/itinerary.html",
        itinerary=found,
        legs=itineraries.legs(found),
        total=itineraries.total_km(found),
        bundle=bundle,
        script_url=url_for("map.itinerary_script", slug=slug, v=bundle.etag[:12]),
    )


@bp.get("/itineraries/<slug>/map.js")
def itinerary_script(slug):
    return script_response(services.route_map(itineraries.get_itinerary(slug), current_locale()))


def script_response(bundle: services.MapBundle) -> Response:
    """Send a map's script, compressed when the browser accepts it, revalidated by its ETag."""
    compressed = "gzip" in request.accept_encodings
    response = Response(bundle.script_gzip if compressed else bundle.script, mimetype="text/javascript")
    if compressed:
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    response.set_etag(bundle.etag + ("-gz" if compressed else ""))
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response.make_conditional(request)
