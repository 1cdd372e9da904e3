"""The lodging pages in a real browser: picking a location on the map, the directory's mini-map."""

import pytest

from tests.browser.test_map_browser import DRAWN, watch_console
from tests.conftest import ROLE_EMAILS
from tourism.accounts.demo import DEMO_PASSWORD
from tourism.portal.models import PROVINCE_BOUNDS

pytestmark = pytest.mark.browser


def test_a_click_on_the_map_fills_the_coordinates(page):
    problems = watch_console(page)
    page.goto("/en/account/sign-in?next=/en/lodging/register-establishment")
    page.page.locator("#email").fill(ROLE_EMAILS["tourist"])
    page.page.locator("#password").fill(DEMO_PASSWORD)
    page.page.locator("main button[type=submit]").click()
    page.page.wait_for_url("**/en/lodging/register-establishment")
    try:
        page.page.locator("#location-map.leaflet-container").wait_for()
        assert page.page.locator("#lat").input_value() == ""
        page.page.locator("#location-map").click()
        lat = float(page.page.locator("#lat").input_value())
        lon = float(page.page.locator("#lon").input_value())
        assert PROVINCE_BOUNDS["lat"][0] <= lat <= PROVINCE_BOUNDS["lat"][1]
        assert PROVINCE_BOUNDS["lon"][0] <= lon <= PROVINCE_BOUNDS["lon"][1]
        assert page.page.locator("#location-map .leaflet-marker-icon").count() == 1
        # Typed coordinates move the marker (and the form works without the map too).
        page.page.locator("#lat").fill("11.9404")
        page.page.locator("#lon").fill("108.4583")
        page.page.locator("#lon").dispatch_event("change")
        assert page.page.locator("#location-map .leaflet-marker-icon").count() == 1
        assert page.outside == []
        assert problems == []
    finally:
        # Sign out, so the demo tourist's session does not outlive this test in the shared database.
        page.page.evaluate("document.querySelector('form[action$=\"/account/sign-out\"]').submit()")
        page.page.wait_for_url("**/en/")


def test_establishment_page_draws_its_mini_map(page):
    problems = watch_console(page)
    page.goto("/en/stay/doi-thong-homestay")
    page.page.locator(f".map-canvas {DRAWN}").first.wait_for()
    assert page.page.locator(".map-pin--here.map-pin--lodging").count() == 1
    assert page.outside == []
    assert problems == []
