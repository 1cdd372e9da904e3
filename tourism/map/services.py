"""Build the province's maps with folium (data in, map out) and cache what they render to."""

import gzip
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import folium
from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from folium.plugins import FastMarkerCluster, HeatMap
from folium.template import Template
from markupsafe import Markup, escape

from tourism.extensions import cache
from tourism.i18n import language_tag
from tourism.map import assets
from tourism.map.points import EVENTS_LAYER, LAYERS, LODGING_LAYER, MapFilters, Point, points
from tourism.portal.labels import CATEGORY_LABELS, date_range
from tourism.portal.models import CATEGORIES, PROVINCE_BOUNDS
from tourism.portal.services import content_version, nearby_places

PROVINCE_VIEW = [
    [PROVINCE_BOUNDS["lat"][0], PROVINCE_BOUNDS["lon"][0]],
    [PROVINCE_BOUNDS["lat"][1], PROVINCE_BOUNDS["lon"][1]],
]
MAP_ID = "0"
EVENTS_LABEL = _l("Events this week")
LODGING_LABEL = _l("Places to stay")


@dataclass(frozen=True)
class Tiles:
    url: str
    attribution: str


@dataclass
class Layer:
    """One toggleable group of points, drawn in one colour."""

    key: str
    label: str
    points: list[Point]


@dataclass(frozen=True)
class MapBundle:
    """A rendered map: the element to place in the page, its script and the assets both need."""

    html: Markup
    script: bytes
    script_gzip: bytes
    scripts: tuple[str, ...]
    styles: tuple[str, ...]
    counts: dict[str, int]
    etag: str


class Setup(folium.MacroElement):
    """Hand the map to static/js/map.js with the page's labels, before any marker is made."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "TourismMap.setup({{ this._parent.get_name() }}, {{ this.config|tojson }});"
        "{% endmacro %}"
    )

    def __init__(self, config: dict):
        super().__init__()
        self._name = "Setup"
        self.config = config


class PointGroup(folium.FeatureGroup):
    """A plain layer of markers made in the browser from compact rows (for small maps)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = L.featureGroup();"
        "{{ this.rows|tojson }}.forEach(function (row) {"
        " TourismMap.{{ this.maker }}({{ this.key|tojson }}, row).addTo({{ this.get_name() }}); });"
        "{% endmacro %}"
    )

    def __init__(self, key: str, rows: list, name: str, maker: str = "marker"):
        super().__init__(name=name, control=False)
        self._name = "PointGroup"
        self.key, self.rows, self.maker = key, rows, maker


def point_row(point: Point, images: list[str], page_lang: str, detail: str | None = None) -> list:
    """Squeeze a point into the row static/js/map.js reads: [lat, lon, name, slug, lang, image, detail]."""
    image = None
    if point.image:
        if point.image not in images:
            images.append(point.image)
        image = images.index(point.image)
    return [
        round(point.lat, 5),
        round(point.lon, 5),
        point.name,
        point.slug,
        None if point.name_lang == page_lang else point.name_lang,
        image,
        detail,
    ]


def build_map(
    layers: list[Layer],
    *,
    tiles: Tiles,
    config: dict,
    details: dict[tuple[str, int], str] | None = None,
    heat: list[tuple[float, float, float]] | None = None,
    heat_label: str = "",
) -> folium.Map:
    """Build the main map: one clustered, toggleable layer per non-empty group, fitted to its points."""
    details = details or {}
    # Filled while the rows are made, and rendered into the Setup call after that.
    images: list[str] = []
    config = {**config, "images": images}
    fmap = _base_map(tiles, config)
    shown = [layer for layer in layers if layer.points]
    coordinates = [(p.lat, p.lon) for layer in shown for p in layer.points]
    coordinates += [(lat, lon) for lat, lon, _ in heat or []]
    # The view is set before the clusters arrive, so they are laid out once, at the final zoom.
    fmap.fit_bounds(_bounds(coordinates) if coordinates else PROVINCE_VIEW, max_zoom=15)
    for layer in shown:
        rows = [point_row(p, images, config["lang"], details.get((p.kind, p.id))) for p in layer.points]
        FastMarkerCluster(
            rows,
            callback=f"function (row) {{ return TourismMap.marker({json.dumps(layer.key)}, row); }}",
            icon_create_function=f"function (c) {{ return TourismMap.cluster({json.dumps(layer.key)}, c); }}",
            # Leaflet writes layer names as HTML; the swatch is ours and the label is escaped.
            name=str(Markup('<span class="map-swatch map-swatch--{}"></span>{}').format(layer.key, layer.label)),
            showCoverageOnHover=False,
        ).add_to(fmap)
    if heat:
        HeatMap(heat, name=str(escape(heat_label)), radius=25, min_opacity=0.3).add_to(fmap)
    folium.LayerControl(collapsed=True).add_to(fmap)
    return fmap


def build_mini_map(here: Point, here_layer: str, nearby: list[Point], *, tiles: Tiles, config: dict) -> folium.Map:
    """Build a small map of one place or event with its neighbours around it."""
    images: list[str] = []
    config = {**config, "images": images}
    fmap = _base_map(tiles, config, scroll_wheel=False)
    rows = [point_row(p, images, config["lang"]) for p in nearby]
    for layer in dict.fromkeys(p.layer for p in nearby):
        PointGroup(layer, [r for r, p in zip(rows, nearby, strict=True) if p.layer == layer], layer).add_to(fmap)
    PointGroup(here_layer, [point_row(here, images, config["lang"])], "here", maker="here").add_to(fmap)
    fmap.fit_bounds(_bounds([(here.lat, here.lon)] + [(r[0], r[1]) for r in rows]), max_zoom=14)
    return fmap


def build_route_map(stops: list[Point], *, tiles: Tiles, config: dict) -> folium.Map:
    """Build an itinerary's map: numbered stops joined in order by a line."""
    images: list[str] = []
    config = {**config, "images": images}
    fmap = _base_map(tiles, config, scroll_wheel=False)
    line = [(round(p.lat, 5), round(p.lon, 5)) for p in stops]
    folium.PolyLine(line, weight=4, opacity=0.8, class_name="map-route").add_to(fmap)
    rows = [[*point_row(p, images, config["lang"]), index, p.layer] for index, p in enumerate(stops, 1)]
    PointGroup("stops", rows, "stops", maker="stop").add_to(fmap)
    fmap.fit_bounds(_bounds(line), max_zoom=14)
    return fmap


def _base_map(tiles: Tiles, config: dict, scroll_wheel: bool = True) -> folium.Map:
    fmap = folium.Map(
        location=[11.9, 108.4], zoom_start=9, tiles=None, control_scale=True, scrollWheelZoom=scroll_wheel
    )
    folium.TileLayer(tiles=tiles.url, attr=tiles.attribution, control=False, max_zoom=19).add_to(fmap)
    Setup(config).add_to(fmap)
    return fmap


def _bounds(coordinates) -> list[list[float]]:
    lats = [lat for lat, _ in coordinates]
    lons = [lon for _, lon in coordinates]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


def render(fmap: folium.Map, counts: dict[str, int] | None = None) -> MapBundle:
    """Render a folium map into the parts a page embeds, every asset pointing at our server."""
    assets.localize(fmap)
    # Fixed names make the output depend only on the data, so a page and its script always agree.
    for number, element in enumerate(assets.walk(fmap)):
        element._id = MAP_ID if element is fmap else f"{number:x}"
    figure = fmap.get_root()
    figure.render()
    scripts, styles = [], []
    for element in figure.header._children.values():
        url = getattr(element, "url", None)
        if url is None:
            continue
        if not url.startswith("/"):
            raise LookupError(f"map asset {url} is not served by this site")
        (scripts if url.endswith(".js") else styles).append(url)
    script = figure.script.render().encode()
    return MapBundle(
        # The element folium's Map renders into the page body; none of the layers used add to it.
        html=Markup('<div class="folium-map" id="{}"></div>').format(fmap.get_name()),
        script=script,
        script_gzip=gzip.compress(script, compresslevel=6, mtime=0),
        scripts=tuple(scripts),
        styles=tuple(styles),
        counts=counts or {},
        etag=hashlib.sha256(script).hexdigest()[:32],
    )


def cached_bundle(key: str, build: Callable[[], MapBundle], timeout: int) -> MapBundle:
    """Return the bundle cached under `key` for the current content, building it on a miss."""
    full_key = f"map:{content_version()}:{key}"
    bundle = cache.get(full_key)
    if bundle is None:
        bundle = build()
        cache.set(full_key, bundle, timeout=timeout)
    return bundle


def layer_counts(points: list[Point]) -> dict[str, int]:
    """Count points per layer, in map order."""
    counts = dict.fromkeys(LAYERS, 0)
    for point in points:
        counts[point.layer] += 1
    return counts


# -- the site's maps ------------------------------------------------------------------------

def tiles() -> Tiles:
    """Return the tile server the settings name."""
    return Tiles(current_app.config["TILE_URL"], current_app.config["TILE_ATTRIBUTION"])


def layer_label(layer: str) -> str:
    """Return a layer's name in the visitor's language."""
    if layer == LODGING_LAYER:
        return str(LODGING_LABEL)
    return str(EVENTS_LABEL if layer == EVENTS_LAYER else CATEGORY_LABELS[layer])


def browser_config(locale: str) -> dict:
    """Return what static/js/map.js needs to label markers and popups in the page's language."""
    place_link = url_for("portal.place", locale=locale, slug="__slug__")
    return {
        "lang": language_tag(locale),
        "static": url_for("static", filename=""),
        "links": {**dict.fromkeys(CATEGORIES, place_link),
                  LODGING_LAYER: url_for("directory.directory_page", locale=locale, slug="__slug__"),
                  EVENTS_LAYER: url_for("portal.event", locale=locale, slug="__slug__")},
        "layers": {layer: layer_label(layer) for layer in LAYERS},
        "text": {
            "open": _("Open page"),
            "locate": _("Show my location"),
            "locating": _("Finding your location…"),
            "locateError": _("Your location could not be found."),
            "here": _("You are here"),
        },
    }


@dataclass(frozen=True)
class Heat:
    """A weighted heat layer for the officers' map, and the data version it was read at."""

    points: list[tuple[float, float, float]]
    label: str
    version: str


def main_map(filters: MapFilters, locale: str, now: datetime, heat: "Heat | None" = None) -> MapBundle:
    """Return the province map for these filters, from the cache when it is there."""
    # Events depend on the day, and "open now" on the minute.
    moment = now.strftime("%Y-%m-%dT%H:%M") if filters.open_now else now.date().isoformat()
    key = f"main:{locale}:{moment}:{filters.key()}" + (f":heat:{heat.version}" if heat else "")

    def build() -> MapBundle:
        found = points(filters, locale, now)
        details = {
            (p.kind, p.id): date_range(p.starts, p.ends) for p in found if p.starts is not None
        }
        layers = [
            Layer(layer, f"{layer_label(layer)} ({count})", [p for p in found if p.layer == layer])
            for layer, count in layer_counts(found).items()
        ]
        fmap = build_map(layers, tiles=tiles(), config=browser_config(locale), details=details,
                         heat=heat.points if heat else None, heat_label=heat.label if heat else "")
        return render(fmap, counts=layer_counts(found))

    return cached_bundle(key, build, timeout=60 if filters.open_now else 3600)


# The same neighbours the place and event pages list beside their maps.
NEARBY = {"place": {"limit": 6}, "event": {"limit": 4}, "lodging": {"limit": 6}}


def mini_map(kind: str, item, locale: str) -> MapBundle:
    """Return the small map of a place, event or establishment page, with the places listed as nearby."""

    def build() -> MapBundle:
        exclude = item.id if kind == "place" else None
        nearby = nearby_places(item.lat, item.lon, exclude_id=exclude, **NEARBY[kind])
        here = _point_of(kind, item, locale)
        around = [_point_of("place", place, locale) for place, _ in nearby]
        fmap = build_mini_map(here, here.layer, around, tiles=tiles(), config=browser_config(locale))
        return render(fmap)

    return cached_bundle(f"mini:{locale}:{kind}:{item.id}", build, timeout=3600)


def route_map(itinerary, locale: str) -> MapBundle:
    """Return the map of an itinerary."""

    def build() -> MapBundle:
        stops = [_point_of("place", stop.place, locale) for stop in itinerary.stops]
        return render(build_route_map(stops, tiles=tiles(), config=browser_config(locale)))

    return cached_bundle(f"route:{locale}:{itinerary.id}", build, timeout=3600)


def _point_of(kind: str, item, locale: str) -> Point:
    if kind == "lodging":
        return Point(kind=kind, id=item.id, slug=item.slug, layer=LODGING_LAYER, lat=item.lat, lon=item.lon,
                     name=item.name, name_lang=language_tag(locale), step_free=item.step_free)
    localized = item.localized(locale)
    return Point(
        kind=kind,
        id=item.id,
        slug=item.slug,
        layer=item.category if kind == "place" else EVENTS_LAYER,
        lat=item.lat,
        lon=item.lon,
        name=localized.name,
        name_lang=localized.lang("name"),
        image=item.image.path if kind == "place" and item.image else None,
    )
