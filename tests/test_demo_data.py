"""The bundled demo content: real places of the province, complete texts, idempotent loading."""

import sqlalchemy as sa

from tourism.extensions import db
from tourism.i18n import LOCALES
from tourism.portal.demo import load_demo_content, parse_hours, read_places
from tourism.portal.models import (
    CATEGORIES,
    PROVINCE_BOUNDS,
    Event,
    EventTranslation,
    NewsArticle,
    NewsTranslation,
    Place,
    PlaceTranslation,
)


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_enough_places_events_and_news(app):
    assert count(Place) >= 80
    assert count(Event) >= 10
    assert count(NewsArticle) >= 10
    categories = set(db.session.scalars(sa.select(Place.category).distinct()))
    assert categories == set(CATEGORIES)


def test_every_place_is_inside_the_province(app):
    (lat_min, lat_max), (lon_min, lon_max) = PROVINCE_BOUNDS["lat"], PROVINCE_BOUNDS["lon"]
    for place in db.session.scalars(sa.select(Place)):
        assert lat_min <= place.lat <= lat_max and lon_min <= place.lon <= lon_max, place.slug


def test_places_cover_the_merged_province(app):
    localities = {p.area.locality.slug for p in db.session.scalars(sa.select(Place))}
    assert {"da-lat", "lac-duong", "duc-trong", "bao-loc", "di-linh", "phan-thiet", "gia-nghia"} <= localities


def test_vietnamese_and_english_are_complete(app):
    for model, translation, fields in (
        (Place, PlaceTranslation, ("name", "summary", "description")),
        (Event, EventTranslation, ("name", "summary", "description")),
        (NewsArticle, NewsTranslation, ("title", "summary", "body")),
    ):
        for item in db.session.scalars(sa.select(model)):
            rows = {t.locale: t for t in item.translations}
            for locale in ("vi", "en"):
                assert locale in rows, (item.slug, locale)
                for field in fields:
                    assert getattr(rows[locale], field).strip(), (item.slug, locale, field)


def test_best_known_places_are_in_all_seven_languages(app):
    featured = list(
        db.session.scalars(sa.select(Place).where(Place.featured_rank.is_not(None)).order_by(Place.featured_rank))
    )
    assert len(featured) >= 20
    for place in featured[:20]:
        rows = {t.locale: t for t in place.translations}
        for locale in LOCALES:
            assert rows[locale].name and rows[locale].summary, (place.slug, locale)


def test_loading_twice_changes_nothing(app):
    before = [count(m) for m in (Place, PlaceTranslation, Event, NewsArticle)]
    load_demo_content()
    assert [count(m) for m in (Place, PlaceTranslation, Event, NewsArticle)] == before


def test_slugs_are_unique_across_files():
    slugs = [row["slug"] for row in read_places()]
    assert len(slugs) == len(set(slugs))


def test_parse_hours():
    table, always = parse_hours([{"days": "mon-fri", "open": "07:30", "close": "11:00"},
                                 {"days": "mon-fri", "open": "13:30", "close": "16:30"},
                                 {"days": "sun", "open": "08:00", "close": "12:00"}])
    assert not always
    assert table["tue"] == [["07:30", "11:00"], ["13:30", "16:30"]]
    assert table["sat"] == [] and table["sun"] == [["08:00", "12:00"]]
    assert parse_hours("24/7") == (None, True)
    assert parse_hours(None) == (None, False)
    table, _ = parse_hours([{"days": "sat-mon", "open": "09:00", "close": "10:00"}])
    assert [d for d, r in table.items() if r] == ["mon", "sat", "sun"]
