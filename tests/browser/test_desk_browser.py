"""The front desk in a real browser at phone width: the add-guest button, a check-in, accessibility."""

import pytest
import sqlalchemy as sa

from tests.browser.test_map_browser import watch_console
from tests.conftest import ROLE_EMAILS
from tourism.accounts.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser
GUESTS = ("Lý Thu Hà", "Hoàng Gia Bảo")


def _forget_stays(database_url: str) -> None:
    # The live server commits for real; leave the shared test database as the other tests expect.
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sa.text(
            "DELETE FROM stay WHERE id IN (SELECT stay_id FROM guest WHERE full_name IN (:a, :b))"
        ), {"a": GUESTS[0], "b": GUESTS[1]})
    engine.dispose()


def test_add_guest_clones_the_fieldset_and_the_check_in_goes_through(page, database_url):
    problems = watch_console(page)
    page.goto("/vi/account/sign-in?next=/vi/lodging/check-in")
    browser = page.page
    browser.locator("#email").fill(ROLE_EMAILS["lodging_staff"])
    browser.locator("#password").fill(DEMO_PASSWORD)
    browser.locator("main button[type=submit]").click()
    browser.wait_for_url("**/vi/lodging/check-in")
    try:
        browser.locator("#f-room").select_option("202")
        browser.locator("#f-guests-0-full-name").fill(GUESTS[0])
        browser.locator("#f-guests-0-birth-date").fill("1994-03-08")
        browser.locator("#f-guests-0-sex").select_option("F")
        browser.locator("#f-guests-0-document-number").fill("079194002468")
        browser.locator("[data-add-guest]").click()
        # Cloned in place by the script: no round trip, the first guest's answers kept.
        second = browser.locator("#f-guests-1-full-name")
        second.wait_for()
        assert browser.locator("[data-guest]").count() == 2
        assert browser.locator("#f-guests-0-full-name").input_value() == GUESTS[0]
        assert second.input_value() == ""
        assert browser.locator("#f-guests-1-nationality").input_value() == "VN"
        second.fill(GUESTS[1])
        browser.locator("#f-guests-1-birth-date").fill("1992-10-19")
        browser.locator("#f-guests-1-sex").select_option("M")
        browser.locator("#f-guests-1-document-number").fill("079092001357")
        browser.locator("button[name=save]:not(.visually-hidden)").click()
        browser.wait_for_url("**/vi/lodging/stays/*")
        text = browser.locator("main").inner_text()
        assert GUESTS[0] in text and GUESTS[1] in text
        assert "•••••468" in text and "079194002468" not in text
        assert page.outside == []
        assert problems == []
    finally:
        browser.evaluate("document.querySelector('form[action$=\"/account/sign-out\"]').submit()")
        browser.wait_for_url("**/vi/")
        _forget_stays(database_url)


def test_front_desk_pages_fit_a_phone_and_have_no_serious_accessibility_problems(page):
    from axe_playwright_python.sync_playwright import Axe

    page.goto("/en/account/sign-in?next=/en/lodging/")
    page.page.locator("#email").fill(ROLE_EMAILS["lodging_manager"])
    page.page.locator("#password").fill(DEMO_PASSWORD)
    page.page.locator("main button[type=submit]").click()
    page.page.wait_for_url("**/en/lodging/")
    try:
        found, too_wide = {}, {}
        for path in ("/en/lodging/", "/en/lodging/check-in", "/en/lodging/register", "/en/lodging/rooms/",
                     "/en/lodging/import/", "/en/lodging/declarations/", "/en/lodging/reports/", "/en/lodging/tokens/"):
            page.goto(path)
            # Wide tables scroll inside themselves; the page itself never scrolls sideways at 390 px.
            width = page.page.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                too_wide[path] = width
            results = Axe().run(page.page)
            serious = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]
                       if v["impact"] in ("serious", "critical")]
            if serious:
                found[path] = serious
        assert found == {}
        assert too_wide == {}
    finally:
        page.page.evaluate("document.querySelector('form[action$=\"/account/sign-out\"]').submit()")
        page.page.wait_for_url("**/en/")
