"""The map in a real browser: clusters, popups in the page's language, layer toggles, own origin."""

import pytest
import sqlalchemy as sa

from tests.browser.conftest import TILE_PREFIX

pytestmark = pytest.mark.browser

DRAWN = ".leaflet-marker-pane .leaflet-marker-icon"


def watch_console(page) -> list[str]:
    """Collect script errors, CSP refusals and failed requests to our own server."""
    problems = []

    def on_console(message):
        # Blocked tiles log "Failed to load resource"; failed requests are checked below instead.
        if "Failed to load resource" in message.text:
            return
        if message.type == "error" or "Content Security Policy" in message.text:
            problems.append(message.text)

    page.page.on("console", on_console)
    page.page.on("pageerror", lambda error: problems.append(str(error)))
    page.page.on(
        "requestfailed",
        lambda request: problems.append(request.url) if request.url.startswith(page.base_url) else None,
    )
    return problems


def expected(app, locale: str, text):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale(locale):
        return str(text)


def test_clusters_and_markers_appear_without_tiles(page):
    problems = watch_console(page)
    page.goto("/en/map")
    page.page.locator(DRAWN).first.wait_for()
    assert page.page.locator(".map-cluster").count() > 0
    assert page.page.locator(".leaflet-tile-loaded").count() == 0  # tiles never arrived…
    assert page.page.locator(DRAWN).count() > 0  # …and the markers are there anyway
    assert page.outside == []
    assert any(url.startswith(TILE_PREFIX) for url in page.foreign)
    assert problems == []


def test_popup_speaks_the_page_language_and_links_to_the_place(app, page):
    from tourism.map.services import browser_config
    from tourism.portal.labels import CATEGORY_LABELS
    from tourism.portal.models import Place

    with app.app_context():
        from tourism.extensions import db

        name = db.session.scalar(sa.select(Place).filter_by(slug="ho-xuan-huong")).localized("ko").name
    problems = watch_console(page)
    page.goto("/ko/map?category=sights&bbox=108.443,11.941,108.445,11.943")
    marker = page.page.locator(f'.map-pin--sights[title="{name}"]')
    marker.wait_for()
    marker.click()
    popup = page.page.locator(".leaflet-popup .map-popup")
    popup.wait_for()
    assert expected(app, "ko", CATEGORY_LABELS["sights"]) in popup.inner_text()
    with app.test_request_context("/ko/"):
        from flask import g

        g.locale = "ko"
        open_label = browser_config("ko")["text"]["open"]
    more = popup.locator(".map-popup__more")
    assert more.inner_text() == open_label
    assert more.get_attribute("href") == "/ko/places/ho-xuan-huong"
    more.click()
    page.page.wait_for_url("**/ko/places/ho-xuan-huong")
    assert page.page.locator("html").get_attribute("lang") == "ko"
    assert page.outside == []
    assert problems == []


def test_toggling_a_layer_hides_and_shows_its_markers(page):
    page.goto("/en/map")
    page.page.locator(DRAWN).first.wait_for()
    nature = page.page.locator(f"{DRAWN}.map-pin--nature, {DRAWN}.map-cluster--nature")
    others = page.page.locator(f"{DRAWN}.map-cluster--heritage, {DRAWN}.map-pin--heritage")
    before_others = others.count()
    assert nature.count() > 0 and before_others > 0
    page.page.locator(".leaflet-control-layers").hover()  # Leaflet opens the control on hover
    toggle = page.page.locator(".leaflet-control-layers-overlays label:has(.map-swatch--nature) input")
    toggle.uncheck()
    assert nature.count() == 0
    assert others.count() == before_others
    toggle.check()
    nature.first.wait_for()
    assert nature.count() > 0
    assert page.outside == []


def test_filters_from_the_url_change_the_markers(page):
    page.goto("/en/map?category=food")
    page.page.locator(DRAWN).first.wait_for()
    assert page.page.locator(f"{DRAWN}.map-pin--food, {DRAWN}.map-cluster--food").count() > 0
    assert page.page.locator(f"{DRAWN}:not(.map-pin--food):not(.map-cluster--food)").count() == 0
    assert page.page.locator("#filter-food").is_checked()


def test_place_page_mini_map_and_itinerary_route(page):
    problems = watch_console(page)
    page.goto("/en/places/ho-xuan-huong")
    page.page.locator(".map-pin--here").wait_for()
    assert page.page.locator(DRAWN).count() > 1  # the place and its neighbours
    page.goto("/en/itineraries/da-lat-in-a-day")
    page.page.locator(".map-pin--numbered").first.wait_for()
    assert page.page.locator("path.map-route").count() == 1
    assert page.page.locator(".map-pin--numbered").count() == page.page.locator(".itinerary-stops > li").count()
    assert page.outside == []
    assert problems == []


def test_map_page_has_no_serious_accessibility_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    page.goto("/en/map")
    page.page.locator(DRAWN).first.wait_for()
    results = Axe().run(page.page)
    serious = [
        (v["id"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
