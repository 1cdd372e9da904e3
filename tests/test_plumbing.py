"""Sitemap, robots, health, security headers and error pages."""

import xml.etree.ElementTree as ET

import sqlalchemy as sa

from tourism.extensions import db
from tourism.i18n import LOCALES
from tourism.map.models import Itinerary
from tourism.portal.models import Event, NewsArticle, Place

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


def test_sitemap_lists_every_public_page_in_every_locale(app, client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    tree = ET.fromstring(response.data)
    locs = {el.text.replace("http://localhost", "") for el in tree.findall("s:url/s:loc", NS)}
    with app.app_context():
        counts = [db.session.scalar(sa.select(sa.func.count(m.id))) for m in (Place, Event, NewsArticle, Itinerary)]
        some_place = db.session.scalar(sa.select(Place.slug).limit(1))
        from tourism.lodging.models import Establishment

        # The lodging directory lists approved establishments only.
        counts.append(db.session.scalar(sa.select(sa.func.count(Establishment.id)).where(Establishment.status == "approved")))
    # home, places, events, news, map, itineraries, the lodging directory and the statistics, then one
    # page per item
    assert len(locs) == len(LOCALES) * (8 + sum(counts))
    for locale in LOCALES:
        assert f"/{locale}/" in locs and f"/{locale}/statistics/" in locs
        assert f"/{locale}/places/{some_place}" in locs
    first = tree.find("s:url", NS)
    assert len(first.findall("x:link", NS)) == len(LOCALES)
    # Every listed address really answers.
    client.get("/vi/")
    for loc in sorted(locs)[:: max(1, len(locs) // 40)]:
        assert client.get(loc).status_code == 200, loc


def test_robots(client):
    body = client.get("/robots.txt").get_data(as_text=True)
    assert "User-agent: *" in body and "Sitemap: http://localhost/sitemap.xml" in body


def test_healthz_and_readyz(client):
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.get("/readyz").json == {"status": "ok", "database": "ok"}


def test_readyz_reports_a_broken_database(unreachable_db_app):
    response = unreachable_db_app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_security_headers(client):
    response = client.get("/en/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_pages_load_assets_only_from_this_site(client):
    import re

    html = client.get("/en/places/ho-xuan-huong").get_data(as_text=True)
    assets = re.findall(r'<(?:script|img|link rel="(?:stylesheet|icon)")[^>]+(?:src|href)="([^"]+)"', html)
    assert len(assets) >= 5
    for asset in assets:
        assert asset.startswith("/") and not asset.startswith("//"), asset
    for url in re.findall(r'<meta property="og:(?:url|image)" content="([^"]+)"', html):
        assert url.startswith("http://localhost/"), url


def test_static_assets_are_served(client):
    html = client.get("/en/").get_data(as_text=True)
    import re

    for asset in re.findall(r'(?:src|href)="(/(?:static|bootstrap)/[^"]+)"', html):
        assert client.get(asset).status_code == 200, asset


def test_server_error_page_is_localized_without_traceback(app):
    from flask import g

    from tourism.core.errors import handle_server_error

    with app.test_request_context("/ko/places/"):
        g.locale = "ko"
        html, status = handle_server_error(RuntimeError("secret detail"))
    assert status == 500
    assert "secret detail" not in html and "Traceback" not in html
    assert '<html lang="ko">' in html


def test_method_not_allowed_is_not_500(client):
    assert client.post("/en/places/").status_code in (400, 405)


def test_page_cache_is_per_host_and_follows_content_changes(app, client, db):
    from tourism.portal.models import PlaceTranslation
    from tourism.portal.services import bump_content_version

    app.config["PAGE_CACHE_SECONDS"] = 300
    try:
        spoofed = client.get("/en/places/ho-xuan-huong", headers={"Host": "evil.example"})
        assert "evil.example" in spoofed.get_data(as_text=True)
        assert "evil.example" not in client.get("/en/places/ho-xuan-huong").get_data(as_text=True)

        row = db.session.scalar(
            sa.select(PlaceTranslation).join(Place).where(Place.slug == "ho-xuan-huong", PlaceTranslation.locale == "en")
        )
        row.name = "Renamed Lake"
        db.session.flush()
        assert "Renamed Lake" not in client.get("/en/places/ho-xuan-huong").get_data(as_text=True)  # cached
        db.session.commit()  # the commit of a content change invalidates by itself
        assert "Renamed Lake" in client.get("/en/places/ho-xuan-huong").get_data(as_text=True)
        bump_content_version()
    finally:
        app.config["PAGE_CACHE_SECONDS"] = 0


def test_page_cache_never_mixes_signed_in_and_anonymous_pages(app, client, db):
    from tests.conftest import ROLE_EMAILS, sign_in

    app.config["PAGE_CACHE_SECONDS"] = 300
    try:
        client.get("/en/account/sign-in")  # leaves only a CSRF token in the session
        anonymous = client.get("/en/places/").get_data(as_text=True)
        assert 'id="account-menu"' not in anonymous
        assert sign_in(client, ROLE_EMAILS["officer"]).status_code == 302
        signed_in = client.get("/en/places/").get_data(as_text=True)
        assert 'id="account-menu"' in signed_in  # rendered for this person, not the cached copy
        other = app.test_client().get("/en/places/").get_data(as_text=True)
        assert 'id="account-menu"' not in other and ROLE_EMAILS["officer"] not in other
    finally:
        app.config["PAGE_CACHE_SECONDS"] = 0
