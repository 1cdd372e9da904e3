"""The map: filters, what its script holds, caching, mini-maps, itineraries and offline assets."""

import json
import re
from datetime import datetime

import pytest
import sqlalchemy as sa

from tourism.map import services
from tourism.map.models import Itinerary
from tourism.map.points import (
    LAYERS,
    BadFilter,
    MapFilters,
    parse_bbox,
    parse_layers,
    points,
)
from tourism.portal.models import PROVINCE_BOUNDS, Event, Place, PlaceTranslation
from tourism.portal.services import content_version

SCRIPT_SRC = re.compile(r'<script src="([^"]+)"')
LINK_HREF = re.compile(r'<link rel="stylesheet" href="([^"]+)"')
LOCAL = datetime(2026, 11, 23, 10, 30)  # a Monday morning


def map_rows(client, path: str) -> dict[str, list]:
    """Fetch a map page, then its script, and return the rows of each layer the script draws."""
    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    script_url = [u for u in SCRIPT_SRC.findall(html) if "map.js?" in u or "script.js" in u][-1]
    script = client.get(script_url.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script.mimetype == "text/javascript"
    text = script.get_data(as_text=True)
    layers = {}
    # Each FastMarkerCluster names its layer in its callback and holds its rows as JSON.
    for layer, rows in re.findall(
        r'TourismMap\.marker\("(\w+)", row\); };\s*var data = (\[.*?\]);\n', text, re.S
    ):
        layers[layer] = json.loads(rows)
    return layers


def slugs(layers: dict[str, list]) -> set[str]:
    return {row[3] for rows in layers.values() for row in rows}


def all_place_count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count(Place.id)))


# -- the main map -----------------------------------------------------------------------------

def test_map_holds_every_place_in_its_category_layer(client, db):
    layers = map_rows(client, "/en/map")
    places = {p.slug: p.category for p in db.session.scalars(sa.select(Place))}
    # Places to stay and events have layers of their own.
    place_rows = [row for layer, rows in layers.items() if layer not in ("events", "lodging") for row in rows]
    assert len(place_rows) == len(places)
    for layer, rows in layers.items():
        for row in rows:
            if layer not in ("events", "lodging"):
                assert places[row[3]] == layer
            lat, lon = row[0], row[1]
            assert PROVINCE_BOUNDS["lat"][0] <= lat <= PROVINCE_BOUNDS["lat"][1]
            assert PROVINCE_BOUNDS["lon"][0] <= lon <= PROVINCE_BOUNDS["lon"][1]


def test_category_filter_keeps_only_those_layers(client):
    layers = map_rows(client, "/en/map?category=nature&category=food")
    assert set(layers) == {"nature", "food"}
    both = map_rows(client, "/en/map?category=nature,food")
    assert both == layers


def test_area_filter_keeps_only_places_of_that_ward_or_locality(client, db):
    ward = slugs(map_rows(client, "/en/map?area=mui-ne&category=nature"))
    assert "doi-cat-bay-mui-ne" in ward
    areas = {p.slug: p.area for p in db.session.scalars(sa.select(Place))}
    assert all(areas[slug].slug == "mui-ne" for slug in ward)
    locality = slugs(map_rows(client, "/en/map?area=da-lat&category=nature"))
    assert "thac-datanla" in locality and "doi-cat-bay-mui-ne" not in locality
    assert all(areas[slug].locality.slug == "da-lat" for slug in locality)


def test_text_filter_matches_without_accents(client):
    found = slugs(map_rows(client, "/en/map?q=xuan+huong"))
    assert "ho-xuan-huong" in found
    assert "doi-cat-bay-mui-ne" not in found
    assert slugs(map_rows(client, "/vi/map?q=Xu%C3%A2n+H%C6%B0%C6%A1ng")) == found


def test_step_free_filter_keeps_only_step_free_places(client, db):
    layers = map_rows(client, "/en/map?step_free=1")
    found = slugs({layer: rows for layer, rows in layers.items() if layer != "lodging"})
    step_free = set(db.session.scalars(sa.select(Place.slug).where(Place.step_free.is_(True))))
    assert found and found == step_free


def test_open_now_keeps_places_open_at_that_moment(app, ctx, db):
    monday_morning = datetime(2026, 11, 23, 10, 30)
    midnight = datetime(2026, 11, 23, 2, 30)
    morning = {p.slug for p in points(MapFilters(open_now=True), "en", monday_morning) if p.kind == "place"}
    night = {p.slug for p in points(MapFilters(open_now=True), "en", midnight) if p.kind == "place"}
    always = set(db.session.scalars(sa.select(Place.slug).where(Place.always_open.is_(True))))
    assert always <= night < morning
    # A market open in the morning is not open at 02:30.
    assert "cho-da-lat" in morning


def test_events_layer_holds_this_weeks_events_only(app, ctx, db):
    event = db.session.scalar(sa.select(Event).where(Event.recurrence.is_(None)).limit(1))
    during = datetime.combine(event.start_date, datetime.min.time().replace(hour=12))
    inside = [p.slug for p in points(MapFilters(layers=("events",)), "en", during)]
    assert event.slug in inside
    after = datetime.combine(event.end_date.replace(year=event.end_date.year + 3), datetime.min.time())
    assert event.slug not in [p.slug for p in points(MapFilters(layers=("events",)), "en", after)]


def test_bbox_filter_keeps_points_inside(client):
    found = slugs(map_rows(client, "/en/map?bbox=108.2,10.9,108.35,11.0"))
    assert "doi-cat-bay-mui-ne" in found
    assert "ho-xuan-huong" not in found


@pytest.mark.parametrize(
    "query, notice",
    [
        ("category=volcanoes", "Unknown category ignored."),
        ("area=atlantis", "Unknown area ignored."),
        ("bbox=1,2,3", "could not be read"),
        ("bbox=200,0,201,1", "could not be read"),
        ("bbox=108.5,11,108.2,12", "could not be read"),
        ("bbox=nan,1,2,3", "could not be read"),
    ],
)
def test_bad_filters_are_ignored_with_a_notice(client, db, query, notice):
    response = client.get(f"/en/map?{query}")
    assert response.status_code == 200
    assert notice in response.get_data(as_text=True)
    place_rows = [row for layer, rows in map_rows(client, f"/en/map?{query}").items()
                  if layer not in ("events", "lodging") for row in rows]
    assert len(place_rows) == all_place_count(db)


def test_two_kilobytes_of_free_text_are_handled(client):
    response = client.get("/en/map?q=" + "đà lạt " * 300)
    assert response.status_code == 200
    assert map_rows(client, "/en/map?q=" + "x" * 2048) == {}


def test_page_is_translated_and_popups_get_their_labels(client):
    html = client.get("/ko/map").get_data(as_text=True)
    assert '<html lang="ko"' in html
    assert "필터" in html  # "Filters"
    script = client.get(SCRIPT_SRC.findall(html)[-1].replace("&amp;", "&")).get_data(as_text=True)
    config = json.loads(re.search(r"TourismMap\.setup\(map_0, (\{.*?\})\);", script).group(1))
    assert config["lang"] == "ko"
    assert config["layers"]["nature"] == "자연"
    assert config["links"]["nature"] == "/ko/places/__slug__"
    assert config["text"]["open"] and config["text"]["open"] != "Open page"


def test_language_links_keep_every_filter(client):
    html = client.get("/en/map?category=nature&category=food&step_free=1").get_data(as_text=True)
    alternate = re.search(r'<link rel="alternate" hreflang="ko" href="([^"]+)"', html).group(1)
    assert "/ko/map?" in alternate
    assert "category=nature" in alternate and "category=food" in alternate and "step_free=1" in alternate
    # The list of places behind the map keeps what the places page can filter by.
    assert 'href="/en/places/?area=' not in html
    single = client.get("/en/map?category=nature&area=da-lat&step_free=1").get_data(as_text=True)
    link = re.search(r'<a href="(/en/places/\?[^"]+)">Show these places as a list', single).group(1)
    assert "category=nature" in link and "area=da-lat" in link and "step_free=1" in link


def test_path_values_win_over_query_parameters_in_language_links(client):
    html = client.get("/en/places/ho-xuan-huong?slug=elsewhere").get_data(as_text=True)
    alternate = re.search(r'<link rel="alternate" hreflang="ko" href="([^"]+)"', html).group(1)
    assert "/ko/places/ho-xuan-huong" in alternate


def test_names_fall_back_with_their_language(client, db):
    # A place without a Korean name shows its English one, tagged as English.
    missing = db.session.scalar(
        sa.select(Place).where(~Place.translations.any(PlaceTranslation.locale == "ko")).limit(1)
    )
    layers = map_rows(client, "/ko/map")
    row = next(r for rows in layers.values() for r in rows if r[3] == missing.slug)
    assert row[4] == "en"
    assert row[2] == missing.localized("en").name


# -- assets, caching and the script response ---------------------------------------------------

def test_every_asset_of_the_map_is_served_by_us(client):
    html = client.get("/en/map").get_data(as_text=True)
    urls = SCRIPT_SRC.findall(html) + LINK_HREF.findall(html)
    assert any("/vendor/leaflet/" in u for u in urls)
    assert any("/vendor/markercluster/" in u for u in urls)
    for url in urls:
        assert url.startswith("/"), url
        assert client.get(url.replace("&amp;", "&")).status_code == 200, url
    script = client.get(SCRIPT_SRC.findall(html)[-1].replace("&amp;", "&")).get_data(as_text=True)
    assert "cdn" not in script and "AwesomeMarkers" not in script


def test_vendor_route_serves_only_known_versions_and_files(client):
    from tourism.map.assets import PACKAGES

    version = PACKAGES["leaflet"].version
    response = client.get(f"/vendor/leaflet/{version}/leaflet.js")
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert client.get("/vendor/leaflet/0.0.1/leaflet.js").status_code == 404
    assert client.get(f"/vendor/leaflet/{version}/../__init__.py").status_code == 404
    assert client.get(f"/vendor/folium/{PACKAGES['folium'].version}/pa7_hm.min.js").status_code == 404
    assert client.get("/vendor/nothing/1/x.js").status_code == 404


def test_unknown_folium_asset_is_refused(app, ctx):
    import folium

    from tourism.map.assets import localize

    fmap = folium.Map(tiles=None)
    # An instance list: folium's add_js_link would append to the class-wide one.
    fmap.default_js = [*fmap.default_js, ("somewhere", "https://cdn.example.com/plugin.js")]
    with pytest.raises(LookupError):
        localize(fmap)


def test_script_is_compressed_and_revalidated(client):
    html = client.get("/en/map").get_data(as_text=True)
    url = SCRIPT_SRC.findall(html)[-1].replace("&amp;", "&")
    plain = client.get(url)
    packed = client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert len(packed.data) < len(plain.data) / 2
    again = client.get(url, headers={"If-None-Match": plain.headers["ETag"]})
    assert again.status_code == 304


def test_maps_are_cached_per_filter_and_invalidated_by_content_changes(app, ctx, db, monkeypatch):
    builds = []
    real_render = services.render
    monkeypatch.setattr(services, "render", lambda *a, **k: builds.append(1) or real_render(*a, **k))
    first = services.main_map(MapFilters(), "en", LOCAL)
    assert services.main_map(MapFilters(), "en", LOCAL) == first
    assert len(builds) == 1
    services.main_map(MapFilters(layers=("nature",)), "en", LOCAL)
    services.main_map(MapFilters(), "fr", LOCAL)
    assert len(builds) == 3
    # Renaming a place (a committed content change) must show on the next map.
    version = content_version()
    place = db.session.scalar(sa.select(Place).filter_by(slug="ho-xuan-huong"))
    next(t for t in place.translations if t.locale == "en").name = "Renamed Lake"
    db.session.commit()
    assert content_version() != version
    fresh = services.main_map(MapFilters(), "en", LOCAL)
    assert len(builds) == 4
    assert b"Renamed Lake" in fresh.script


def test_rollback_does_not_invalidate(app, ctx, db):
    version = content_version()
    place = db.session.scalar(sa.select(Place).filter_by(slug="ho-xuan-huong"))
    place.lat = 11.95
    db.session.flush()
    db.session.rollback()
    assert content_version() == version


def test_build_is_deterministic_so_page_and_script_agree(app, ctx):
    one = services.render(services.build_map(
        [services.Layer("nature", "Nature", points(MapFilters(layers=("nature",)), "en", LOCAL))],
        tiles=services.tiles(), config=services.browser_config("en"),
    ))
    two = services.render(services.build_map(
        [services.Layer("nature", "Nature", points(MapFilters(layers=("nature",)), "en", LOCAL))],
        tiles=services.tiles(), config=services.browser_config("en"),
    ))
    assert one.script == two.script
    assert 'id="map_0"' in one.html


def test_page_element_is_the_one_folium_renders(app, ctx):
    fmap = services.build_map(
        [services.Layer("nature", "Nature", points(MapFilters(layers=("nature",)), "en", LOCAL))],
        tiles=services.tiles(), config=services.browser_config("en"), heat=[(11.9, 108.4, 1.0)],
    )
    bundle = services.render(fmap)
    folium_html = " ".join(fmap.get_root().html.render().split())
    assert folium_html == str(bundle.html).replace("></div>", " ></div>")


def test_heat_layer_draws_weighted_points_with_local_plugin(app, ctx):
    bundle = services.render(services.build_map(
        [], tiles=services.tiles(), config=services.browser_config("en"),
        heat=[(11.94, 108.44, 120.0), (10.95, 108.25, 80.0)], heat_label="Guest arrivals",
    ))
    assert any(url.startswith("/vendor/folium/") and url.endswith("leaflet_heat.min.js") for url in bundle.scripts)
    assert b"L.heatLayer" in bundle.script and b"120.0" in bundle.script


def test_layer_labels_are_escaped_for_leaflet(app, ctx):
    bundle = services.render(services.build_map(
        [services.Layer("nature", "<img src=x onerror=alert(1)>", points(MapFilters(layers=("nature",)), "en", LOCAL))],
        tiles=services.tiles(), config=services.browser_config("en"),
    ))
    assert b"<img src=x" not in bundle.script
    assert b"\\u0026lt;img src=x" in bundle.script  # HTML-escaped, then JSON-escaped


def test_tile_server_is_the_only_other_origin_in_the_policy(app, client):
    from tourism.core.security import content_security_policy

    policy = client.get("/en/map").headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://tile.openstreetmap.org" in policy
    assert "script-src 'self';" in policy
    assert "img-src 'self' data: https://*.tiles.example.org;" in content_security_policy(
        "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    )
    assert "img-src 'self' data:;" in content_security_policy("/tiles/{z}/{x}/{y}.png")


# -- parsing ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "raw, code",
    [("", "malformed"), ("1,2,3", "malformed"), ("a,b,c,d", "malformed"), ("1,2,3,4,5", "malformed"),
     ("inf,1,2,3", "malformed"), ("1,nan,2,3", "malformed"), ("181,0,182,1", "out_of_range"),
     ("0,-91,1,0", "out_of_range"), ("2,0,1,1", "reversed"), ("0,2,1,1", "reversed"),
     ("1," * 100 + "1", "malformed")],
)
def test_bad_bbox_is_refused_with_a_reason(raw, code):
    with pytest.raises(BadFilter) as refused:
        parse_bbox(raw)
    assert refused.value.code == code


def test_good_bbox_and_layers_parse():
    assert parse_bbox("108.2,10.9,108.35,11") == (108.2, 10.9, 108.35, 11.0)
    assert parse_layers(["events,nature", "sights"]) == tuple(x for x in LAYERS if x in {"events", "nature", "sights"})
    with pytest.raises(BadFilter):
        parse_layers(["nature,nope"])


# -- mini-maps and itineraries -------------------------------------------------------------------

def test_place_page_has_a_mini_map_with_its_neighbours(client):
    html = client.get("/en/places/ho-xuan-huong").get_data(as_text=True)
    assert 'class="folium-map"' in html
    script_url = next(u for u in SCRIPT_SRC.findall(html) if "/map.js" in u and "places" in u)
    script = client.get(script_url.replace("&amp;", "&")).get_data(as_text=True)
    assert "TourismMap.here" in script and "ho-xuan-huong" in script
    nearby = re.findall(r'class="card-title[^"]*"><a href="/en/places/([^"]+)"', html)
    for slug in nearby:
        assert slug in script


def test_event_page_has_a_mini_map(client, db):
    slug = db.session.scalar(sa.select(Event.slug).limit(1))
    html = client.get(f"/en/events/{slug}").get_data(as_text=True)
    script_url = next(u for u in SCRIPT_SRC.findall(html) if f"/events/{slug}/map.js" in u)
    assert slug in client.get(script_url.replace("&amp;", "&")).get_data(as_text=True)


def test_there_are_at_least_five_itineraries_in_every_language(db):
    from tourism.i18n import LOCALES

    found = list(db.session.scalars(sa.select(Itinerary)))
    assert len(found) >= 5
    for itinerary in found:
        assert len(itinerary.stops) >= 3
        assert {t.locale for t in itinerary.translations} >= set(LOCALES)
        for stop in itinerary.stops:
            assert {t.locale for t in stop.translations} >= set(LOCALES)


@pytest.mark.parametrize("locale", ["vi", "en", "ko", "zh", "ja", "ru", "fr"])
def test_itinerary_page_draws_stops_in_order_with_total_distance(client, db, locale):
    from tourism.map.itineraries import legs

    itinerary = db.session.scalar(sa.select(Itinerary).filter_by(slug="da-lat-in-a-day"))
    html = client.get(f"/{locale}/itineraries/da-lat-in-a-day").get_data(as_text=True)
    assert itinerary.localized(locale).name in html
    assert not itinerary.localized(locale).is_fallback("name")
    script_url = next(u for u in SCRIPT_SRC.findall(html) if "/itineraries/da-lat-in-a-day/map.js" in u)
    script = client.get(script_url.replace("&amp;", "&")).get_data(as_text=True)
    line = json.loads(re.search(r"L\.polyline\(\s*(\[\[.*?\]\])", script, re.S).group(1))
    assert line == [[round(s.place.lat, 5), round(s.place.lon, 5)] for s in itinerary.stops]
    assert sum(legs(itinerary)) > 1
    assert "itinerary-total" in html


def test_itinerary_list_links_every_itinerary(client, db):
    html = client.get("/fr/itineraries/").get_data(as_text=True)
    for slug in db.session.scalars(sa.select(Itinerary.slug)):
        assert f"/fr/itineraries/{slug}" in html
    assert client.get("/fr/itineraries/nowhere").status_code == 404
    assert client.get("/fr/itineraries/nowhere/map.js").status_code == 404
