"""The officers' dashboard in a real browser: charts drawn, the map's circles, nothing from another origin."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.browser.test_map_browser import watch_console
from tests.conftest import ROLE_EMAILS
from tourism.accounts.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def refreshed(live_server):
    """A month of guests at Đồi Thông Homestay, refreshed into the served app's warehouse; all undone after."""
    from tourism.extensions import db
    from tourism.lodging import services
    from tourism.lodging.models import Establishment, Guest, Stay, StaySegment
    from tourism.warehouse.models import RefreshRun
    from tourism.warehouse.refresh import refresh

    served = live_server.server.app
    with served.app_context():
        assert db.session.scalar(sa.select(sa.func.count(RefreshRun.id))) == 0, "the warehouse is not empty"
        place = db.session.scalar(sa.select(Establishment).where(Establishment.slug == "doi-thong-homestay"))
        arrival = services.today().replace(day=1) - timedelta(days=20)
        stays = []
        for offset, residence in enumerate(("VN", "KR", "JP")):
            room = place.rooms[offset % len(place.rooms)]
            stay = Stay(establishment_id=place.id, room_id=room.id, arrival=arrival + timedelta(days=offset),
                        departure=arrival + timedelta(days=offset + 2), status="checked_out", source="import")
            stay.segments.append(StaySegment(room_id=room.id, start_date=stay.arrival, end_date=stay.departure))
            stay.guests.append(Guest(establishment_id=place.id, position=0, full_name="Browser Guest",
                                     birth_year=1985, sex="M", nationality=residence, residence_country=residence,
                                     document_type="passport", purpose="leisure"))
            db.session.add(stay)
            stays.append(stay)
        db.session.commit()
        ids = [stay.id for stay in stays]
        refresh()
    try:
        yield
    finally:
        with served.app_context():
            for stay in db.session.scalars(sa.select(Stay).where(Stay.id.in_(ids))):
                db.session.delete(stay)
            db.session.commit()
            # The warehouse was empty before: it holds only what this test loaded.
            for table in reversed(db.metadatas["warehouse"].sorted_tables):
                db.session.execute(table.delete(), bind_arguments={"mapper": RefreshRun.__mapper__})
            db.session.commit()


def test_officer_sees_charts_and_map_drawn_from_this_site(page, refreshed):
    problems = watch_console(page)
    page.goto("/en/account/sign-in?next=/en/statistics/dashboard/")
    page.page.locator("#email").fill(ROLE_EMAILS["officer"])
    page.page.locator("#password").fill(DEMO_PASSWORD)
    page.page.locator("main button[type=submit]").click()
    page.page.wait_for_url("**/en/statistics/dashboard/")
    try:
        page.page.wait_for_load_state("networkidle")
        canvases = page.page.locator("canvas[data-chart]")
        assert canvases.count() == 4
        drawn = page.page.evaluate(
            "() => Array.from(document.querySelectorAll('canvas[data-chart]'))"
            ".map(c => Boolean(window.Chart && Chart.getChart(c)) && c.width > 0 && c.height > 0)"
        )
        assert drawn == [True, True, True, True]
        page.page.locator(".dashboard-map path.dashboard-map-circle").first.wait_for()
        assert page.page.locator(".dashboard-map path.dashboard-map-circle").count() >= 1
        assert "3" in page.page.locator('[data-card="arrivals"] .card-value').inner_text()
        assert page.outside == []
        assert problems == []
    finally:
        page.page.evaluate("document.querySelector('form[action$=\"/account/sign-out\"]').submit()")
        page.page.wait_for_url("**/en/")
