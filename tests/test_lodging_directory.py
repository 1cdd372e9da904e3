"""The public lodging directory, establishment pages and the "Places to stay" map layer."""

import re

import pytest
import sqlalchemy as sa

from tests.test_map import map_rows, slugs
from tourism.extensions import cache
from tourism.i18n import LOCALES, language_tag
from tourism.lodging import establishments
from tourism.lodging.models import Establishment
from tourism.map.geojson import feature_collection
from tourism.map.points import LAYERS, MapFilters, lodging_points, parse_layers

CARD_LINK = re.compile(r'href="/en/stay/([a-z0-9-]+)"')


def listed(client, query: str = "") -> set[str]:
    response = client.get(f"/en/stay/?{query}")
    assert response.status_code == 200
    return set(CARD_LINK.findall(response.get_data(as_text=True)))


def approved(db, *conditions) -> set[str]:
    query = sa.select(Establishment.slug).where(Establishment.status == "approved", *conditions)
    return set(db.session.scalars(query))


def set_status(db, slug: str, status: str, reason: str = "") -> Establishment:
    establishment = db.session.scalar(sa.select(Establishment).where(Establishment.slug == slug))
    establishment.status, establishment.status_reason = status, reason
    db.session.commit()
    return establishment


def test_directory_lists_approved_establishments_only(client, db):
    everything = set()
    for page in (1, 2, 3):
        response = client.get(f"/en/stay/?page={page}")
        if response.status_code == 404:
            break
        everything |= set(CARD_LINK.findall(response.get_data(as_text=True)))
    assert everything == approved(db)
    assert len(everything) >= 15
    assert "thung-lung-may-glamping" not in everything and "hai-au-guesthouse" not in everything
    assert client.get("/en/stay/?page=99").status_code == 404


@pytest.mark.parametrize(
    ("query", "condition"),
    [
        ("type=resort", lambda: Establishment.kind == "resort"),
        ("type=hostel", lambda: Establishment.kind == "hostel"),
        ("class=4", lambda: Establishment.star_class == 4),
        ("area=mui-ne", lambda: Establishment.area.has(slug="mui-ne")),
        ("price=under-500k", lambda: Establishment.price_from < 500_000),
        ("price=500k-1.5m", lambda: Establishment.price_from.between(500_000, 1_499_999)),
        ("price=1.5m-3m", lambda: Establishment.price_from.between(1_500_000, 2_999_999)),
        ("price=over-3m", lambda: Establishment.price_from >= 3_000_000),
        ("step_free=1", lambda: Establishment.step_free.is_(True)),
    ],
)
def test_each_filter_narrows_the_list(client, db, query, condition):
    found = listed(client, query)
    expected = approved(db, condition())
    assert found == expected
    assert found and found != approved(db)


def test_locality_filter_takes_every_ward(client, db):
    found = listed(client, "area=da-lat")
    assert {"doi-thong-homestay", "nha-go-cam-ly-hostel", "hoa-mai-lam-vien-hotel"} <= found
    assert "mui-ne-sea-breeze-resort" not in found
    assert listed(client, "area=lam-vien-da-lat") < found


def test_filters_combine(client):
    assert listed(client, "area=phan-thiet&type=resort") == {"mui-ne-sea-breeze-resort", "doi-cat-do-resort"}
    assert listed(client, "area=phan-thiet&type=resort&class=5") == {"doi-cat-do-resort"}


@pytest.mark.parametrize(
    ("query", "notice"),
    [
        ("type=castle", "Unknown type of establishment ignored."),
        ("class=9", "Unknown star class ignored."),
        ("class=abc", "Unknown star class ignored."),
        ("price=cheap", "Unknown price band ignored."),
        ("area=atlantis", "Unknown area ignored."),
        ("page=abc&type=%00", "Unknown type of establishment ignored."),
    ],
)
def test_bad_filters_give_a_notice_and_the_whole_list(client, db, query, notice):
    response = client.get(f"/en/stay/?{query}")
    assert response.status_code == 200
    assert notice in response.get_data(as_text=True)
    first_page = set(CARD_LINK.findall(response.get_data(as_text=True)))
    assert first_page == listed(client)


def test_establishment_page_shows_details_rooms_map_and_nearby(client, establishment):
    response = client.get("/en/stay/doi-thong-homestay")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Đồi Thông Homestay" in html and "+84 263 382 1142" in html and "Homestay" in html
    assert "6 rooms" in html and "17 bed-places" in html  # from the rooms, not as declared
    assert 'class="folium-map"' in html and "/en/stay/doi-thong-homestay/map.js?v=" in html
    assert "Nearby" in html and "/en/places/" in html
    script = client.get("/en/stay/doi-thong-homestay/map.js")
    assert script.status_code == 200 and script.mimetype == "text/javascript"
    text = script.get_data(as_text=True)
    assert '"doi-thong-homestay"' in text and 'TourismMap.here("lodging"' in text


def test_bed_places_come_from_the_rooms(establishment):
    rooms, beds = establishments.capacity(establishment)
    assert rooms == 6 and beds == sum(room.bed_places for room in establishment.rooms)
    assert beds == 17


@pytest.mark.parametrize("slug", ["thung-lung-may-glamping", "hai-au-guesthouse", "no-such-place"])
def test_non_approved_establishments_are_not_found(client, slug):
    assert client.get(f"/en/stay/{slug}").status_code == 404
    assert client.get(f"/en/stay/{slug}/map.js").status_code == 404


def test_rejected_establishment_is_not_found(client, db):
    set_status(db, "thung-lung-may-glamping", "rejected", "Wrong licence")
    assert client.get("/en/stay/thung-lung-may-glamping").status_code == 404


@pytest.mark.parametrize("locale", LOCALES)
def test_every_locale_renders_list_and_page_with_alternates(client, locale):
    for path in (f"/{locale}/stay/", f"/{locale}/stay/mui-ne-sea-breeze-resort"):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert f'<html lang="{language_tag(locale)}">' in html
        for code in LOCALES:
            assert f'hreflang="{language_tag(code)}"' in html
        assert 'hreflang="x-default"' in html
        assert f'href="/{locale}/stay/"' in html  # the main navigation's "Stay"


def test_directory_is_in_the_sitemap(client):
    body = client.get("/sitemap.xml").get_data(as_text=True)
    assert "/en/stay/" in body and "/vi/stay/doi-cat-do-resort" in body
    assert "thung-lung-may-glamping" not in body and "hai-au-guesthouse" not in body


def test_cached_directory_changes_when_an_establishment_is_approved(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 300)
    cache.clear()
    before = client.get("/en/stay/?type=villa").get_data(as_text=True)
    assert "thung-lung-may-glamping" not in before
    set_status(db, "thung-lung-may-glamping", "approved")
    after = client.get("/en/stay/?type=villa").get_data(as_text=True)
    assert "thung-lung-may-glamping" in after


# -- the map -------------------------------------------------------------------------------------

def test_lodging_is_a_map_layer():
    assert "lodging" in LAYERS and parse_layers(["lodging"]) == ("lodging",)


def test_map_shows_approved_establishments_in_their_own_layer(client, db):
    layers = map_rows(client, "/en/map?category=lodging")
    assert set(layers) == {"lodging"}
    assert {row[3] for row in layers["lodging"]} == approved(db)
    html = client.get("/en/map").get_data(as_text=True)
    assert 'value="lodging"' in html and "Places to stay" in html


def test_map_lodging_layer_follows_area_and_step_free_filters(client, db):
    ward = slugs(map_rows(client, "/en/map?category=lodging&area=mui-ne"))
    assert ward == approved(db, Establishment.area.has(slug="mui-ne"))
    step_free = slugs(map_rows(client, "/en/map?category=lodging&step_free=1"))
    assert step_free == approved(db, Establishment.step_free.is_(True))
    text = slugs(map_rows(client, "/en/map?category=lodging&q=doi+thong"))
    assert text == {"doi-thong-homestay"}


def test_map_popups_link_to_the_directory(client):
    html = client.get("/en/map").get_data(as_text=True)
    script_url = re.findall(r'<script src="([^"]*script\.js[^"]*)"', html)[-1].replace("&amp;", "&")
    script = client.get(script_url).get_data(as_text=True)
    assert '"lodging": "/en/stay/__slug__"' in script


def test_approval_and_suspension_change_the_cached_map(client, db):
    assert "thung-lung-may-glamping" not in slugs(map_rows(client, "/en/map?category=lodging"))
    set_status(db, "thung-lung-may-glamping", "approved")
    assert "thung-lung-may-glamping" in slugs(map_rows(client, "/en/map?category=lodging"))
    set_status(db, "thung-lung-may-glamping", "suspended", "Inspection")
    assert "thung-lung-may-glamping" not in slugs(map_rows(client, "/en/map?category=lodging"))


def test_geojson_of_lodging_points_links_to_the_directory(ctx, db):
    points = lodging_points(MapFilters(layers=("lodging",)), None, "en")
    collection = feature_collection(points, "en")
    feature = next(f for f in collection["features"] if f["properties"]["slug"] == "doi-thong-homestay")
    assert feature["properties"]["url"].endswith("/en/stay/doi-thong-homestay")
    assert feature["properties"]["category"] == "lodging"
    assert feature["properties"]["category_label"] == "Places to stay"
    assert feature["geometry"]["coordinates"] == [108.4523, 11.9288]
    assert "hai-au-guesthouse" not in {f["properties"]["slug"] for f in collection["features"]}


def test_the_places_api_does_not_take_the_lodging_layer(client):
    assert client.get("/api/v1/places?category=lodging").status_code == 400
