"""Every public page, in every locale, and its handling of bad input."""

import re

import pytest
import sqlalchemy as sa

from tourism.extensions import db
from tourism.i18n import LOCALES, language_tag
from tourism.portal.models import Event, NewsArticle, Place

LIST_PAGES = ["/", "/places/", "/events/", "/news/", "/search?q=da+lat", "/search"]


def slugs(model):
    return list(db.session.scalars(sa.select(model.slug).order_by(model.slug)))


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("path", LIST_PAGES)
def test_list_pages_render_in_every_locale(client, locale, path):
    response = client.get(f"/{locale}{path}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<html lang="{language_tag(locale)}">' in html
    for code in LOCALES:
        assert f'hreflang="{language_tag(code)}"' in html
    assert 'hreflang="x-default"' in html


@pytest.mark.parametrize("model, prefix", [(Place, "places"), (Event, "events"), (NewsArticle, "news")])
def test_every_item_page_renders(app, client, model, prefix):
    with app.app_context():
        items = slugs(model)
    assert items
    for slug in items:
        for locale in ("vi", "en", "ko"):
            response = client.get(f"/{locale}/{prefix}/{slug}")
            assert response.status_code == 200, (locale, slug)


def test_root_negotiates_accept_language(client):
    assert client.get("/", headers={"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"}).location == "/ko/"
    assert client.get("/", headers={"Accept-Language": "zh-CN"}).location == "/zh/"
    assert client.get("/", headers={"Accept-Language": "fr-CA,fr;q=0.8"}).location == "/fr/"
    assert client.get("/", headers={"Accept-Language": "de"}).location == "/vi/"
    assert client.get("/").location == "/vi/"


@pytest.mark.parametrize("header", [";;;,,q=abc", "ü-ñ;q=2", "*;q=x" * 200, "en;q=-1"])
def test_malformed_accept_language_falls_back(client, header):
    response = client.get("/", headers={"Accept-Language": header})
    assert response.status_code == 302
    assert re.fullmatch(r"/(vi|en)/", response.location)


def test_bare_paths_redirect_to_a_locale(client):
    response = client.get("/places/?category=nature", headers={"Accept-Language": "ja"})
    assert response.status_code == 302
    assert response.location == "/ja/places/?category=nature"
    assert client.get("/events/").location == "/vi/events/"


def test_unknown_locale_is_404(client):
    assert client.get("/xx/").status_code == 404
    assert client.get("/de/places/").status_code == 404


@pytest.mark.parametrize("locale, text", [("en", "Page not found"), ("vi", "Không tìm thấy trang"),
                                          ("ko", "페이지를 찾을 수 없습니다")])
def test_unknown_slug_gets_localized_404(client, locale, text):
    response = client.get(f"/{locale}/places/no-such-place")
    assert response.status_code == 404
    assert text in response.get_data(as_text=True)
    assert f'<html lang="{locale}">' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        "page=-1", "page=abc", "page=0", "page=99999999999999999999999", "category=volcano",
        "area=atlantis", "step_free=maybe", "free=%00", "category=nature&page=2&free=1",
    ],
)
def test_bad_place_filters_never_fail(client, query):
    response = client.get(f"/en/places/?{query}")
    assert response.status_code in (200, 404)


def test_unknown_filter_values_are_ignored_with_notice(client):
    html = client.get("/en/places/?category=volcano&area=atlantis").get_data(as_text=True)
    assert "Unknown category ignored." in html
    assert "Unknown area ignored." in html


def test_page_past_the_end_is_404(client):
    assert client.get("/en/places/?page=500").status_code == 404
    assert client.get("/en/news/?page=500").status_code == 404


@pytest.mark.parametrize("month", ["2026-13", "abc", "2026-02-30", "99999-01", "-1--1", "2026-1x"])
def test_malformed_event_month_defaults(client, month):
    response = client.get(f"/en/events/?month={month}")
    assert response.status_code == 200


def test_huge_search_query(client):
    response = client.get("/en/search", query_string={"q": "đà lạt " * 1500})
    assert response.status_code == 200


def test_place_filters_select_the_right_places(app, client):
    html = client.get("/en/places/?category=nature&free=1").get_data(as_text=True)
    with app.app_context():
        free_nature = db.session.scalar(
            sa.select(sa.func.count(Place.id)).where(Place.category == "nature", Place.price_max == 0)
        )
    assert free_nature > 0
    assert f"{free_nature} place" in html


def test_area_filter_by_locality_and_ward(client):
    # The dropdown names every area, so check the place links, not the text.
    coast = client.get("/en/places/?area=phan-thiet").get_data(as_text=True)
    assert 'href="/en/places/doi-cat-bay-mui-ne"' in coast
    assert 'href="/en/places/ho-xuan-huong"' not in coast
    assert 'href="/en/places/thap-po-sah-inu"' in coast
    ward = client.get("/en/places/?area=mui-ne").get_data(as_text=True)
    assert 'href="/en/places/doi-cat-bay-mui-ne"' in ward
    assert 'href="/en/places/thap-po-sah-inu"' not in ward


def test_step_free_filter(app, client):
    with app.app_context():
        step_free = db.session.scalar(sa.select(sa.func.count(Place.id)).where(Place.step_free.is_(True)))
        total = db.session.scalar(sa.select(sa.func.count(Place.id)))
    assert 0 < step_free < total
    html = client.get("/en/places/?step_free=1").get_data(as_text=True)
    assert f"{step_free} place" in html


def test_pagination_links_keep_filters(client):
    html = client.get("/en/places/?category=nature").get_data(as_text=True)
    assert 'rel="next"' in html  # more nature places than fit on a page
    assert re.search(r'href="/en/places/\?[^"]*category=nature[^"]*page=2', html) or re.search(
        r'href="/en/places/\?[^"]*page=2[^"]*category=nature', html
    )


def test_place_page_shows_hours_nearby_and_map_spot(client):
    html = client.get("/en/places/ho-xuan-huong").get_data(as_text=True)
    assert "Xuan Huong Lake" in html
    assert "Opening hours" in html
    assert 'class="folium-map"' in html
    assert "km away" in html


def test_language_switcher_keeps_page_and_query(client):
    html = client.get("/ko/places/?category=nature").get_data(as_text=True)
    assert 'href="/en/places/?category=nature"' in html
    html = client.get("/ko/places/ho-xuan-huong").get_data(as_text=True)
    assert 'href="/fr/places/ho-xuan-huong"' in html


def test_home_has_highlights_events_news_and_weather(client):
    html = client.get("/en/").get_data(as_text=True)
    assert "Highlights" in html and "Upcoming events" in html and "Latest news" in html
    # The test settings point WEATHER_URL at a closed port.
    assert "weather service is unavailable" in html


def test_opengraph_tags(client):
    html = client.get("/fr/places/ho-xuan-huong").get_data(as_text=True)
    assert '<meta property="og:locale" content="fr_FR">' in html
    assert 'property="og:title"' in html and 'property="og:image"' in html


def test_missing_translation_falls_back_visibly(client):
    # Not every place has a Korean description: the English one shows, marked as such.
    html = client.get("/ko/places/cho-da-lat").get_data(as_text=True)
    assert 'lang="en"' in html
    assert "fallback-note" in html


def test_events_calendar_and_month_list(client):
    html = client.get("/en/events/?month=2026-12").get_data(as_text=True)
    assert "December 2026" in html
    assert 'rel="prev"' in html and "November 2026" in html
    # A yearly event shows in the month it recurs in, years after its stored dates.
    assert client.get("/en/events/?month=2029-12").status_code == 200


def test_yearly_events_recur(ctx):
    from datetime import date

    import sqlalchemy as sa

    from tourism.extensions import db
    from tourism.portal import services
    from tourism.portal.models import Event

    event = db.session.scalar(sa.select(Event).where(Event.recurrence == "yearly").limit(1))
    later = services.occurrences(event, date(2030, 1, 1), date(2030, 12, 31))
    assert len(later) >= 1
    assert later[0].start.year in (2029, 2030)
    assert (later[0].end - later[0].start) == (event.end_date - event.start_date)
