"""The portal in a real browser: language switching, own-origin assets, accessibility."""

import pytest

pytestmark = pytest.mark.browser


def test_korean_home_renders_and_switcher_keeps_the_page(page):
    response = page.goto("/ko/places/ho-xuan-huong")
    assert response.status == 200
    assert page.page.locator("html").get_attribute("lang") == "ko"
    assert page.page.locator("h1").inner_text().strip()
    # Phone width: open the collapsed menu, then the language menu.
    page.page.locator(".navbar-toggler").click()
    page.page.locator("#site-nav.show:not(.collapsing)").wait_for()
    page.page.locator("#language-menu").click()
    page.page.locator(".language-switcher .dropdown-menu.show").wait_for()
    page.page.locator('a[data-locale="en"]').click()
    page.page.wait_for_load_state("networkidle")
    assert page.page.url.endswith("/en/places/ho-xuan-huong")
    assert page.page.locator("html").get_attribute("lang") == "en"
    assert "Xuan Huong" in page.page.locator("h1").inner_text()
    assert page.outside == []


def test_home_in_korean_loads_nothing_from_other_origins(page):
    page.goto("/ko/")
    assert page.page.locator("html").get_attribute("lang") == "ko"
    # Bootstrap's stylesheet really applied: the navbar is a flex container.
    assert page.page.eval_on_selector(".navbar", "el => getComputedStyle(el).display") == "flex"
    assert page.page.locator(".place-card").count() >= 3
    assert page.outside == []


@pytest.mark.parametrize(
    "path",
    ["/en/", "/en/places/", "/en/places/ho-xuan-huong", "/en/search?q=da+lat", "/en/events/", "/ko/",
     "/en/account/sign-in", "/vi/account/sign-up"],
)
def test_no_serious_accessibility_violations(page, path):
    from axe_playwright_python.sync_playwright import Axe

    page.goto(path)
    results = Axe().run(page.page)
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    assert page.outside == []


def test_sign_in_and_out_at_phone_width(page):
    from tourism.accounts.demo import DEMO_PASSWORD

    blocked = []
    page.page.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text
                 else None)
    page.goto("/vi/account/sign-in?next=/vi/places/")
    page.page.locator("#email").fill("officer@demo.lamdong.travel")
    page.page.locator("#password").fill(DEMO_PASSWORD)
    page.page.locator("main button[type=submit]").click()
    page.page.wait_for_url("**/vi/places/")
    page.page.locator(".navbar-toggler").click()
    page.page.locator("#site-nav.show:not(.collapsing)").wait_for()
    page.page.locator("#account-menu").click()
    page.page.locator(".account-menu .dropdown-menu.show button[type=submit]").click()
    page.page.wait_for_url("**/vi/")
    assert page.page.locator(".alert").first.inner_text().strip()
    # Signed out: the account page asks for sign-in again.
    page.goto("/vi/account/")
    assert "/vi/account/sign-in" in page.page.url
    assert blocked == [] and page.outside == []
