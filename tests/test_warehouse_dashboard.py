"""The officers' dashboard: drill-down figures, last year's, bad filters, exports, the map and data quality."""

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import ROLE_EMAILS, sign_in
from tourism.extensions import db
from tourism.lodging.models import Establishment, Guest, Room, Stay, StaySegment
from tourism.portal.models import Area, Locality
from tourism.warehouse import dashboard
from tourism.warehouse.models import MonthlyEstablishment, RefreshRun
from tourism.warehouse.refresh import refresh

AS_OF = date(2025, 12, 15)
URL = "/en/statistics/dashboard/"


def _at(day: date, days_later: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC) + timedelta(days=days_later)


def add_stay(place, room, arrival, departure, guests, recorded_after=0):
    """Put a stay straight into the register; `guests` is [residence_country]; recorded `recorded_after` days late."""
    stay = Stay(establishment_id=place.id, room_id=room.id, arrival=arrival, departure=departure,
                status="checked_out", source="import", created_at=_at(arrival, recorded_after),
                checked_in_at=_at(arrival))
    if departure > arrival:
        stay.segments.append(StaySegment(room_id=room.id, start_date=arrival, end_date=departure))
    for position, residence in enumerate(guests):
        stay.guests.append(Guest(establishment_id=place.id, position=position, full_name=f"Guest {position}",
                                 birth_year=1980, sex="F", nationality=residence, residence_country=residence,
                                 document_type="passport", purpose="leisure"))
    db.session.add(stay)
    db.session.flush()
    return stay


def _lodge(slug, kind, area, star_class=None):
    place = Establishment(slug=slug, name=slug.replace("-", " ").title(), kind=kind, star_class=star_class,
                          area_id=area.id, status="approved", created_at=datetime(2024, 1, 1, tzinfo=UTC))
    place.rooms = [Room(number="101", room_type="double", single_beds=0, double_beds=1, capacity=2),
                   Room(number="102", room_type="double", single_beds=0, double_beds=1, capacity=2)]
    db.session.add(place)
    db.session.flush()
    return place


@pytest.fixture
def world(app, ctx):
    """Three establishments with guests in two localities, one with none, refreshed as of 15 December 2025."""
    localities = list(db.session.scalars(sa.select(Locality).order_by(Locality.position, Locality.id)))
    first = db.session.scalar(sa.select(Area).where(Area.locality_id == localities[0].id).order_by(Area.slug))
    second = db.session.scalar(sa.select(Area).where(Area.locality_id == localities[1].id).order_by(Area.slug))
    a = _lodge("dash-pine-hotel", "hotel", first, 3)
    b = _lodge("dash-valley-homestay", "homestay", first)
    c = _lodge("dash-sea-hotel", "hotel", second, 4)
    d = _lodge("dash-silent-villa", "villa", second)
    # This year (December 2024 – November 2025): 4 arrivals, 1 same-day visitor, 12 nights.
    add_stay(a, a.rooms[0], date(2025, 10, 5), date(2025, 10, 8), ["KR", "VN"])
    add_stay(b, b.rooms[0], date(2025, 11, 3), date(2025, 11, 4), ["JP"], recorded_after=5)
    add_stay(c, c.rooms[0], date(2025, 10, 20), date(2025, 10, 20), ["VN"])
    add_stay(c, c.rooms[1], date(2025, 11, 10), date(2025, 11, 15), ["US"])
    # A year earlier: 1 arrival, 2 nights.
    add_stay(a, a.rooms[1], date(2024, 10, 10), date(2024, 10, 12), ["VN"])
    refresh(as_of=AS_OF)
    return {"a": a, "b": b, "c": c, "d": d, "first": first, "second": second, "localities": localities}


def text_of(response) -> str:
    return response.get_data(as_text=True)


def row_values(html: str, table: str) -> dict[str, str]:
    """Return the `data-value` of each row of a dashboard table with the row's HTML."""
    body = html.split(f'data-table="{table}"', 1)[1].split("</table>", 1)[0]
    return dict(re.findall(r'<tr data-value="([^"]*)"[^>]*>(.*?)</tr>', body, re.S))


def cell(row_html: str, column: str) -> str:
    match = re.search(rf'data-column="{column}">([^<]*)<', row_html)
    return match.group(1) if match else None


# -- figures -----------------------------------------------------------------------------------

def test_defaults_are_the_last_twelve_full_months(ctx):
    assert dashboard.default_range(date(2025, 12, 15)) == (date(2024, 12, 1), date(2025, 11, 1))
    assert dashboard.default_range(date(2025, 11, 30)) == (date(2024, 12, 1), date(2025, 11, 1))


def test_province_level_is_by_area_with_last_year(world, sign_in_as):
    client = sign_in_as("officer")
    response = client.get(URL)
    assert response.status_code == 200
    html = text_of(response)
    assert "Figures as of 2025-12-15" in html
    rows = row_values(html, "breakdown")
    first, second = world["first"], world["second"]
    assert cell(rows[first.slug], "arrivals") == "3"
    assert cell(rows[first.slug], "nights") == "7"
    assert cell(rows[second.slug], "arrivals") == "1"
    assert cell(rows[second.slug], "same_day") == "1"
    assert cell(rows[second.slug], "nights") == "5"
    # Last year: 1 arrival in the first area; 3 now, so +200 %.
    assert cell(rows[first.slug], "arrivals_previous") == "1"
    assert cell(rows[first.slug], "arrivals_change") == "+200.0%"
    assert first.name in rows[first.slug]  # the portal's area name, a drill-down link
    assert f"area={first.slug}" in rows[first.slug]
    assert "Province" in html.split("dashboard-breadcrumbs", 1)[1].split("</ol>", 1)[0]


def test_cards_compare_with_the_same_period_last_year(world, ctx):
    filters, notices = dashboard.parse_filters({}, AS_OF)
    assert notices == []
    cards = {card.key: card for card in dashboard.cards(filters)}
    assert (cards["arrivals"].value, cards["arrivals"].previous, cards["arrivals"].change) == (4, 1, 3.0)
    assert (cards["nights"].value, cards["nights"].previous, cards["nights"].change) == (12, 2, 5.0)
    assert cards["same_day"].value == 1 and cards["same_day"].change is None  # none a year earlier
    assert cards["average_length_of_stay"].value == 3.0
    # 2 of 4 arrivals live in Viet Nam (VN, and the VN same-day visitor is not an arrival); last year 1 of 1.
    assert cards["domestic_share"].value == pytest.approx(0.25)
    assert cards["domestic_share"].change == pytest.approx(0.25 - 1.0)


def test_series_has_this_year_and_last_year(world, sign_in_as):
    html = text_of(sign_in_as("officer").get(URL))
    body = html.split('data-table="series"', 1)[1].split("</table>", 1)[0]
    october = body.split("2025-10", 1)[1].split("</tr>", 1)[0]
    assert cell(october, "arrivals") == "2" and cell(october, "arrivals_previous") == "1"
    assert cell(october, "nights") == "6" and cell(october, "nights_previous") == "2"
    assert body.count("<tr") == 13  # header and twelve months, empty ones included
    assert 'id="chart-series"' in html and '"dashed": true' in html


def test_area_level_is_by_type(world, sign_in_as):
    html = text_of(sign_in_as("officer").get(URL, query_string={"area": world["first"].slug}))
    rows = row_values(html, "breakdown")
    assert set(rows) == {"hotel", "homestay"}
    assert cell(rows["hotel"], "arrivals") == "2" and cell(rows["homestay"], "arrivals") == "1"
    assert "Homestay" in rows["homestay"]


def test_area_and_type_level_is_by_establishment(world, sign_in_as):
    html = text_of(sign_in_as("officer").get(URL, query_string={"area": world["first"].slug, "type": "hotel"}))
    rows = row_values(html, "breakdown")
    assert set(rows) == {"dash-pine-hotel"}
    assert cell(rows["dash-pine-hotel"], "arrivals") == "2"
    assert cell(rows["dash-pine-hotel"], "nights") == "6"
    assert "establishment=dash-pine-hotel" in rows["dash-pine-hotel"]


def test_establishment_level_shows_it_alone_with_breadcrumbs(world, sign_in_as):
    client = sign_in_as("officer")
    html = text_of(client.get(URL, query_string={"establishment": "dash-pine-hotel", "from": "2025-10", "to": "2025-10"}))
    rows = row_values(html, "breakdown")
    assert set(rows) == {"dash-pine-hotel"}
    # October: 2 rooms × 31 days, 3 room-nights used; 4 bed-places × 31 days, 6 nights.
    assert cell(rows["dash-pine-hotel"], "room_occupancy") == "4.8%"
    assert cell(rows["dash-pine-hotel"], "bed_occupancy") == "4.8%"
    crumbs = html.split("dashboard-breadcrumbs", 1)[1].split("</ol>", 1)[0]
    labels = re.findall(r"<a [^>]*>([^<]*)</a>", crumbs)
    assert labels == ["Province", world["first"].name, "Hotel", "Dash Pine Hotel"]
    assert f"area={world['first'].slug}" in crumbs


def test_top_countries_and_origin(world, ctx):
    filters, _ = dashboard.parse_filters({}, AS_OF)
    countries = dashboard.countries_table(filters)
    assert [row["value"] for row in countries.rows][:1] in (["JP"], ["KR"], ["US"], ["VN"])
    assert {row["value"]: row["arrivals"] for row in countries.rows} == {"KR": 1, "VN": 1, "JP": 1, "US": 1}
    assert {row["name"] for row in countries.rows} >= {"South Korea", "Japan"}
    origin = {row["value"]: row for row in dashboard.origin_table(filters).rows}
    assert origin["domestic"]["arrivals"] == 1 and origin["international"]["arrivals"] == 3
    international, _ = dashboard.parse_filters({"origin": "international"}, AS_OF)
    assert {row["value"] for row in dashboard.countries_table(international).rows} == {"KR", "JP", "US"}
    assert dashboard.cards(international)[0].value == 3


def test_country_names_follow_the_locale(world, sign_in_as):
    html = text_of(sign_in_as("officer").get("/fr/statistics/dashboard/"))
    assert "Japon" in html and "Corée du Sud" in html


# -- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("query, notice", [
    ({"from": "2026-13"}, "is not a month"),
    ({"from": "2025-06", "to": "2025-01"}, "before its start"),
    ({"area": "atlantis"}, "Unknown area"),
    ({"class": "abc"}, "Unknown class"),
    ({"from": "2015-01", "to": "2025-12"}, "At most 60 months"),
    ({"period": "week", "type": "castle", "origin": "mars", "establishment": "nope"}, "Unknown period"),
    ({"from": "<script>", "to": "9999-99"}, "is not a month"),
])
def test_garbage_filters_show_a_notice_and_the_defaults(world, sign_in_as, query, notice):
    response = sign_in_as("officer").get(URL, query_string=query)
    assert response.status_code == 200
    html = text_of(response)
    assert "dashboard-notice" in html and notice in html
    assert "<script>" not in html.split("dashboard-notice", 1)[1].split("</div>", 1)[0]
    assert 'name="from" value="2024-12"' in html or query.get("from") == "2025-06"
    assert 'data-table="breakdown"' in html


def test_several_bad_filters_name_each_problem(world, sign_in_as):
    html = text_of(sign_in_as("officer").get(URL, query_string={"type": "castle", "origin": "mars"}))
    assert "Unknown establishment type “castle”" in html and "Unknown origin “mars”" in html


def test_without_a_refresh_the_page_says_how_to_run_one(app, db, sign_in_as):
    assert db.session.scalar(sa.select(sa.func.count(RefreshRun.id))) == 0
    client = sign_in_as("officer")
    response = client.get(URL, query_string={"from": "nonsense"})
    assert response.status_code == 200
    html = text_of(response)
    assert "No warehouse refresh has run yet" in html and "warehouse refresh" in html
    quality = client.get("/en/statistics/dashboard/quality")
    assert quality.status_code == 200 and "No warehouse refresh has run yet" in text_of(quality)


def test_provisional_month_is_marked(world, sign_in_as):
    html = text_of(sign_in_as("officer").get(URL, query_string={"from": "2025-10", "to": "2025-12"}))
    assert "Figures for 2025-12 are provisional" in html
    december = html.split('data-table="series"', 1)[1].split("2025-12", 1)[1].split("</tr>", 1)[0]
    assert "Provisional" in december


# -- exports -----------------------------------------------------------------------------------

def _sections(rows: list[list[str]], titles: list[str]) -> dict[str, list[list[str]]]:
    found, current = {}, None
    for row in rows:
        if len(row) == 1 and row[0] in titles:
            current = found.setdefault(row[0], [])
        elif current is not None and row:
            current.append(row)
        elif not row:
            current = None
    return found


def _as_text(value) -> str:
    return "" if value is None else str(round(value, 4) if isinstance(value, float) else value)


def test_csv_is_the_tables_shown(world, sign_in_as):
    query = {"area": world["first"].slug}
    response = sign_in_as("officer").get("/en/statistics/dashboard/export.csv", query_string=query)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(text_of(response).lstrip("\ufeff"))))
    assert ["Area", world["first"].name] in rows
    assert ["Figures as of", "2025-12-15"] in rows
    filters, _ = dashboard.parse_filters(query, AS_OF)
    view = dashboard.build(filters)
    sections = _sections(rows, [table.title for table in view.tables()])
    for table in view.tables():
        header, *body = sections[table.title]
        assert header == [column.label for column in table.columns]
        assert body == [[_as_text(value) for value in values] for values in table.values()]
    assert {row[0] for row in sections[view.breakdown.title][1:]} == {"Hotel", "Homestay"}


def _trimmed(row) -> list:
    row = list(row)
    while row and row[-1] is None:
        row.pop()
    return row


def test_xlsx_is_the_tables_shown(world, sign_in_as):
    from openpyxl import load_workbook

    response = sign_in_as("officer").get("/en/statistics/dashboard/export.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    filters, _ = dashboard.parse_filters({}, AS_OF)
    view = dashboard.build(filters)
    assert len(book.sheetnames) == len(view.tables())
    for sheet, table in zip(book.worksheets, view.tables(), strict=True):
        rows = [_trimmed(row) for row in sheet.iter_rows(values_only=True)]
        assert ["Figures as of", "2025-12-15"] in rows
        start = rows.index([column.label for column in table.columns])
        expected = [_trimmed(round(v, 4) if isinstance(v, float) else v for v in values) for values in table.values()]
        assert rows[start + 1:] == expected


def test_export_cells_cannot_be_formulas(ctx):
    assert dashboard._safe("=HYPERLINK()") == "'=HYPERLINK()"
    assert dashboard._safe("Pine Hotel") == "Pine Hotel" and dashboard._safe(3) == 3


# -- the map -----------------------------------------------------------------------------------

def test_map_script_is_served_from_this_site(world, sign_in_as):
    client = sign_in_as("officer")
    html = text_of(client.get(URL))
    sources = re.findall(r'<script[^>]*\ssrc="([^"]+)"', html)
    assert sources and all(source.startswith("/") for source in sources)
    map_src = next(source for source in sources if "/statistics/dashboard/map.js" in source)
    response = client.get(map_src.replace("&amp;", "&"))
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    script = response.get_data(as_text=True)
    assert "L.circleMarker" in script and "textContent" in script
    names = dashboard.locality_names("en")
    for locality in world["localities"][:2]:
        assert json.dumps(names[locality.slug]) in script
    assert '"Arrivals: 3"' in script  # the first locality's three arrivals
    # Filters reach the map: only the second locality with the second area's filter.
    filtered = client.get("/en/statistics/dashboard/map.js", query_string={"area": world["second"].slug})
    assert json.dumps(names[world["localities"][0].slug]) not in filtered.get_data(as_text=True)
    assert json.dumps(names[world["localities"][1].slug]) in filtered.get_data(as_text=True)


def test_map_radius_grows_with_the_square_root(world, ctx):
    filters, _ = dashboard.parse_filters({}, AS_OF)
    rows = {row["arrivals"]: row for row in dashboard.map_rows(filters)}
    assert set(rows) == {3, 1}
    bundle = dashboard.build_map(filters)
    assert b"\"radius\": 30.0" in bundle.script
    assert str(round(30 * (1 / 3) ** 0.5, 1)).encode() in bundle.script


# -- data quality ------------------------------------------------------------------------------

def test_quality_lists_no_data_late_data_and_implausible_figures(world, sign_in_as):
    from tourism.warehouse.models import execute as _execute

    a = world["a"]
    # More room-nights sold than there were rooms: a figure no register can produce, made in the warehouse.
    _execute(sa.update(MonthlyEstablishment)
             .where(MonthlyEstablishment.establishment_id == a.id, MonthlyEstablishment.month == date(2025, 10, 1))
             .values(rooms_occupied=MonthlyEstablishment.room_days_available + 5))
    response = sign_in_as("officer").get("/en/statistics/dashboard/quality",
                                         query_string={"from": "2025-01", "to": "2025-11"})
    assert response.status_code == 200
    html = text_of(response)
    no_data = html.split('class="quality-no-data"', 1)[1].split("</ul>", 1)[0]
    assert 'data-establishment="dash-silent-villa"' in no_data
    assert 'data-establishment="dash-pine-hotel"' not in no_data
    late = html.split('class="table table-sm align-middle quality-late"', 1)[1].split("</table>", 1)[0]
    assert 'data-establishment="dash-valley-homestay"' in late and "100.0%" in late
    assert 'data-establishment="dash-pine-hotel"' not in late
    implausible = html.split("quality-implausible", 1)[1].split("</table>", 1)[0]
    assert 'data-establishment="dash-pine-hotel" data-month="2025-10"' in implausible
    assert "room occupancy over 100%" in implausible
    assert "establishment=dash-pine-hotel" in implausible  # links to its dashboard view


def test_quality_flags_long_stays_and_bad_ranges(world, ctx):
    found = dashboard.quality(date(2025, 1, 1), date(2025, 11, 1))
    assert found.implausible == []
    assert [row["slug"] for row in found.late] == ["dash-valley-homestay"]
    assert found.late[0]["late"] == 1 and found.late[0]["worst"] == 5
    start, end, notices = dashboard.quality_range({"from": "2025-13"}, AS_OF)
    assert (start, end) == (date(2024, 12, 1), date(2025, 11, 1)) and notices


# -- who may see it ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["", "map.js", "export.csv", "export.xlsx", "quality"])
def test_only_the_department_may_look(app, client, path):
    url = URL + path
    response = client.get(url)
    assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"]
    for role in ("tourist", "lodging_manager"):
        with app.test_client() as other:
            sign_in(other, ROLE_EMAILS[role])
            assert other.get(url).status_code == 403
    with app.test_client() as admin:
        sign_in(admin, ROLE_EMAILS["admin"])
        assert admin.get(url).status_code == 200


def test_officers_menu_links_to_statistics(app, sign_in_as):
    html = text_of(sign_in_as("officer").get("/en/"))
    assert 'href="/en/statistics/dashboard/"' in html


# -- visits to tourist sites -------------------------------------------------------------------

def test_site_visits_are_shown_beside_the_lodging_figures(world, sign_in_as):
    from tourism.warehouse.models import DimSite, FactSiteDay
    from tourism.warehouse.models import execute as _execute

    _execute(sa.insert(DimSite), [{"site_id": 9001, "slug": "dash-peak", "name": "Dash Peak", "area_id": None,
                                   "locality": ""}])
    _execute(sa.insert(FactSiteDay), [
        {"site_id": 9001, "day": date(2025, 10, 2), "area_key": None, "visitors": 120,
         "international_visitors": 20, "revenue": 0},
        {"site_id": 9001, "day": date(2025, 11, 2), "area_key": None, "visitors": 30,
         "international_visitors": 0, "revenue": 0},
    ])
    html = text_of(sign_in_as("officer").get(URL))
    sites = row_values(html, "visits_sites")
    assert cell(sites["dash-peak"], "visitors") == "150"
    assert cell(sites["dash-peak"], "international_visitors") == "20"
    assert "Dash Peak" in sites["dash-peak"]
    # Never added to the lodging figures: the arrivals card still counts guests only.
    assert re.search(r'data-card="arrivals".*?card-value">4<', html, re.S)


def test_periods_by_quarter_and_year(world, ctx):
    filters, _ = dashboard.parse_filters({"period": "year"}, AS_OF)
    rows = {row["period"]: row for row in dashboard.series(filters, dashboard.freshness()).rows}
    assert set(rows) == {"2024", "2025"}
    assert rows["2025"]["arrivals"] == 4 and rows["2025"]["arrivals_previous"] == 1
    filters, _ = dashboard.parse_filters({"period": "quarter", "from": "2025-10", "to": "2025-12"}, AS_OF)
    rows = dashboard.series(filters, dashboard.freshness()).rows
    assert [(row["period"], row["arrivals"], row["arrivals_previous"], row["provisional"]) for row in rows] == [
        ("2025-Q4", 4, 1, True)]


@pytest.mark.parametrize("locale", ["vi", "ko", "zh", "ja", "ru", "fr"])
def test_every_language_renders(world, sign_in_as, locale):
    client = sign_in_as("officer")
    for path in ("", "quality", "export.csv", "export.xlsx", "map.js"):
        response = client.get(f"/{locale}/statistics/dashboard/{path}", query_string={"area": "bad", "period": "year"})
        assert response.status_code == 200, (locale, path)


# -- the officers' heat layer on the province map ----------------------------------------------

def test_officers_map_has_a_heat_layer_of_arrivals_from_the_warehouse(world, client, sign_in_as):
    anonymous = client.get("/en/map/script.js")
    assert b"heatLayer" not in anonymous.data
    officer = sign_in_as("officer")
    page = officer.get("/en/map")
    script_url = re.search(r'src="(/en/map/script\.js[^"]*)"', page.get_data(as_text=True)).group(1)
    script = officer.get(script_url.replace("&amp;", "&"))
    assert b"heatLayer" in script.data and b"Guest arrivals" in script.data
    # Arrivals of 3 in Da Lat and 1 in Lac Duong, weighted by arrivals.
    assert b"[11.9404, 108.4583, 3.0]" in script.data
    assert "public" not in script.headers["Cache-Control"]


def test_tourists_map_has_no_heat_layer(world, sign_in_as):
    assert b"heatLayer" not in sign_in_as("tourist").get("/en/map/script.js").data
