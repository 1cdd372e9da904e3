"""Open statistics: GET /api/v1/stats/accommodation and the public page, on a real refresh."""

import csv
import io
import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import guest, vietnamese_guest
from tourism.extensions import db
from tourism.i18n import LOCALES
from tourism.lodging import services
from tourism.lodging.models import Establishment
from tourism.warehouse import opendata
from tourism.warehouse.refresh import refresh

API = "/api/v1/stats/accommodation"
AS_OF = date(2026, 4, 30)
MARCH = date(2026, 3, 1)
# Four establishments in Đà Lạt with ten guests each; one at Mũi Né (Phan Thiết) with four.
DA_LAT = ("doi-thong-homestay", "thong-reo-boutique-hotel", "hoa-mai-lam-vien-hotel", "langbiang-pine-lodge")
MUI_NE = "mui-ne-sea-breeze-resort"
# Personal data of the guests below, which must never reach the output.
NAMES = ("Kim Min-ji", "Nguyễn Văn An", "Camille Martin")
BIRTH_DATE = "1990-05-01"


@pytest.fixture
def desk_day(monkeypatch):
    """The front desk's "today": check-ins take arrivals up to 3 years before it."""
    monkeypatch.setattr(services, "today", lambda: AS_OF)


def _establishment(slug: str) -> Establishment:
    return db.session.scalar(sa.select(Establishment).where(Establishment.slug == slug))


def _room(establishment: Establishment) -> str:
    return sorted((room for room in establishment.rooms if room.capacity >= 2), key=lambda room: room.number)[0].number


class Guests:
    """Guests with document numbers of their own."""

    def __init__(self):
        self.number = 0

    def kr(self) -> dict:
        self.number += 1
        return guest(document_number=f"M{self.number:08d}")

    def vn(self) -> dict:
        self.number += 1
        return vietnamese_guest(f"079190{self.number:06d}")

    def fr(self) -> dict:
        self.number += 1
        return guest(full_name="Camille Martin", nationality="FR", residence_country="FR",
                     document_number=f"FR{self.number:07d}")


def stay(establishment, arrival: date, nights: int, guests: list[dict]) -> None:
    services.check_in_one(establishment, _room(establishment), arrival, arrival + timedelta(days=nights), guests)


@pytest.fixture
def march(ctx, desk_day):
    """March 2026: 40 guests in four Đà Lạt establishments (24 KR, 16 VN), 4 at Mũi Né (2 FR, 2 KR); refreshed."""
    people = Guests()
    for slug in DA_LAT:
        establishment = _establishment(slug)
        for day in (2, 6, 10):
            stay(establishment, MARCH.replace(day=day), 2, [people.kr(), people.kr()])
        for day in (14, 18):
            stay(establishment, MARCH.replace(day=day), 3, [people.vn(), people.vn()])
    resort = _establishment(MUI_NE)
    stay(resort, MARCH.replace(day=5), 4, [people.fr(), people.fr()])
    stay(resort, MARCH.replace(day=20), 1, [people.kr(), people.kr()])
    return refresh(as_of=AS_OF)


def get_json(client, query: str = "", status: int = 200):
    response = client.get(f"{API}?{query}")
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    return response.get_json()


def by_key(rows, *keys) -> dict:
    return {tuple(row[key] for key in keys) if len(keys) > 1 else row[keys[0]]: row for row in rows}


# -- before any refresh ------------------------------------------------------------------------

def test_no_warehouse_is_a_503_and_the_page_says_so(client):
    body = get_json(client, "", 503)
    assert body["error"]["code"] == "no_statistics" and body["error"]["message"]
    assert get_json(client, "by=month,residence&format=csv", 503)["error"]["code"] == "no_statistics"
    page = client.get("/en/statistics/")
    assert page.status_code == 200
    assert "No figures have been published yet" in page.get_data(as_text=True)


# -- the contract --------------------------------------------------------------------------------

def test_contract_shape(client, march):
    body = get_json(client, "from=2026-03&to=2026-03&by=month")
    assert set(body) >= {"from", "to", "by", "refreshed_at", "as_of", "rows"}
    assert body["from"] == body["to"] == "2026-03" and body["by"] == ["month"]
    assert body["as_of"] == "2026-04-30"
    assert body["refreshed_at"] == march.finished_at.isoformat()
    [row] = body["rows"]
    assert list(row) == ["month", "arrivals", "same_day", "nights", "average_length_of_stay",
                         "room_occupancy", "bed_occupancy", "suppressed"]
    assert row["month"] == "2026-03" and row["suppressed"] is False
    # 32 KR stays of 2 nights, 16 VN of 3, 2 FR of 4, 2 KR of 1.
    assert (row["arrivals"], row["same_day"], row["nights"]) == (44, 0, 24 * 2 + 16 * 3 + 2 * 4 + 2 * 1)
    assert row["average_length_of_stay"] == round(106 / 44, 2)
    assert isinstance(row["room_occupancy"], float) and 0 < row["room_occupancy"] < 1
    assert isinstance(row["bed_occupancy"], float) and row["bed_occupancy"] == round(row["bed_occupancy"], 4)


def test_defaults_are_the_last_twelve_full_months_by_month(client, march):
    body = get_json(client)
    assert (body["from"], body["to"], body["by"]) == ("2025-05", "2026-04", ["month"])
    assert [row["month"] for row in body["rows"] if row["arrivals"]] == ["2026-03"]
    # Only `from`: twelve months from it, up to the last full month.
    assert (get_json(client, "from=2026-02")["from"], get_json(client, "from=2026-02")["to"]) == ("2026-02", "2026-04")
    assert get_json(client, "to=2026-03")["from"] == "2025-04"
    # An empty `by` is one total.
    [total] = get_json(client, "from=2026-03&to=2026-03&by=")["rows"]
    assert total["arrivals"] == 44 and "month" not in total


def test_the_example_by_month_residence_area_type(client, march):
    body = get_json(client, "from=2026-03&to=2026-03&by=month,residence,area,type")
    assert body["by"] == ["month", "residence", "area", "type"]
    for row in body["rows"]:
        assert list(row) == ["month", "residence", "area", "type", "arrivals", "same_day", "nights",
                             "average_length_of_stay", "suppressed"]
        assert row["month"] == "2026-03" and isinstance(row["suppressed"], bool)
        if row["suppressed"]:
            assert all(row[key] is None for key in ("arrivals", "same_day", "nights", "average_length_of_stay"))
        else:
            assert isinstance(row["arrivals"], int) and isinstance(row["nights"], int)
    # Every cell is one establishment: all are withheld.
    assert body["rows"] and all(row["suppressed"] for row in body["rows"])
    assert {row["residence"] for row in body["rows"]} == {"KR", "VN", "FR"}


def test_a_small_establishment_is_suppressed_and_so_is_its_complement(client, march):
    rows = by_key(get_json(client, "from=2026-03&to=2026-03&by=locality")["rows"], "locality")
    # Phan Thiết is one resort with four guests; Đà Lạt would then be the total minus it.
    assert rows["phan-thiet"]["suppressed"] and rows["phan-thiet"]["arrivals"] is None
    assert rows["da-lat"]["suppressed"] and rows["da-lat"]["nights"] is None
    # The total itself has five establishments and 44 guests: published.
    [total] = get_json(client, "from=2026-03&to=2026-03&by=")["rows"]
    assert not total["suppressed"] and total["arrivals"] == 44


def test_secondary_suppression_on_real_data_hides_the_smallest_other_cell(client, march):
    rows = by_key(get_json(client, "from=2026-03&to=2026-03&by=residence")["rows"], "residence")
    # France: two guests at one resort (primary). Then the smallest other country, Viet Nam (16
    # guests), so that the total minus Korea leaves two countries, not one.
    assert rows["FR"]["suppressed"] and rows["VN"]["suppressed"]
    assert not rows["KR"]["suppressed"] and rows["KR"]["arrivals"] == 26
    assert "room_occupancy" not in rows["KR"]
    [total] = get_json(client, "from=2026-03&to=2026-03&by=")["rows"]
    hidden = {"FR": 2, "VN": 16}
    assert total["arrivals"] - rows["KR"]["arrivals"] not in hidden.values()


def test_filters_narrow_the_figures(client, march):
    [row] = get_json(client, "from=2026-03&to=2026-03&by=&locality=da-lat")["rows"]
    assert row["arrivals"] == 40 and not row["suppressed"]
    [row] = get_json(client, "from=2026-03&to=2026-03&by=&locality=da-lat&type=hotel")["rows"]
    assert row["suppressed"]  # two hotels
    rows = get_json(client, "from=2026-03&to=2026-03&by=origin&area=mui-ne,lam-vien-da-lat")["rows"]
    assert {row["origin"] for row in rows} == {"domestic", "international"}


def test_csv_has_the_same_rows_as_json(client, march):
    for query in ("from=2026-03&to=2026-03&by=month,residence,area,type", "from=2026-01&to=2026-04&by=month",
                  "from=2026-03&to=2026-03&by=residence", "from=2026-03&to=2026-03&by="):
        body = get_json(client, query)
        response = client.get(f"{API}?{query}&format=csv")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        text = response.get_data().decode("utf-8")
        records = list(csv.reader(io.StringIO(text)))
        columns = records[0]
        assert columns == [*body["by"], "arrivals", "same_day", "nights", "average_length_of_stay",
                           *([] if "residence" in body["by"] else ["room_occupancy", "bed_occupancy"]),
                           "suppressed"]
        as_text = [["" if row[column] is None else str(row[column]).lower() if isinstance(row[column], bool)
                    else str(row[column]) for column in columns] for row in body["rows"]]
        assert records[1:] == as_text
        assert len(records) == len(body["rows"]) + 1


@pytest.mark.parametrize(("query", "code", "field"), [
    ("by=month,nowhere", "unknown_dimension", "by"),
    ("by=establishment", "establishment_not_published", "by"),
    ("by=month,establishment", "establishment_not_published", "by"),
    ("establishment=doi-thong-homestay", "establishment_not_published", "establishment"),
    ("from=2026-04&to=2026-01", "reversed_range", "to"),
    ("from=1999-01&to=2026-01", "range_too_early", "from"),
    ("from=2020-01&to=2026-03", "range_too_long", "to"),
    ("from=2031-01&to=2031-02", "range_after_data", "from"),
    ("from=2026-13", "invalid_month", "from"),
    ("from=abc", "invalid_month", "from"),
    ("to=2026-3", "invalid_month", "to"),
    ("from=0000-01", "invalid_month", "from"),
    ("from=2026-01-01", "invalid_month", "from"),
    ("format=xml", "invalid_format", "format"),
    ("by=month,quarter", "two_periods", "by"),
    ("by=month,month", "repeated_dimension", "by"),
    ("by=residence,sex", "two_guest_characteristics", "by"),
    ("by=residence&sex=F", "two_guest_characteristics", "by"),
    ("class=99999999999999999999", "invalid_filter", "class"),
    ("area=a%00b", "invalid_filter", "area"),
    ("colour=blue", "unknown_parameter", "colour"),
])
def test_bad_input_is_a_400_with_a_message(client, march, query, code, field):
    body = get_json(client, query, 400)
    assert body["error"]["code"] == code
    assert body["error"]["message"] and field in body["error"]["fields"]
    assert client.get(f"{API}?{query}&format=csv").status_code == 400


def test_errors_come_in_the_callers_language(client, march):
    english = get_json(client, "from=2026-13&lang=en", 400)["error"]["message"]
    assert get_json(client, "from=2026-13", 400)["error"]["message"]  # Accept-Language, else Vietnamese
    response = client.get(f"{API}?from=2026-13", headers={"Accept-Language": "en"})
    assert response.get_json()["error"]["message"] == english


def test_answers_are_cached_per_run(client, march, desk_day):
    first = get_json(client, "from=2026-03&to=2026-03&by=")["rows"][0]["arrivals"]
    table = client.get(f"{API}?from=2026-03&to=2026-03&by=&format=csv").get_data(as_text=True)
    people = Guests()
    people.number = 900
    stay(_establishment(DA_LAT[0]), MARCH.replace(day=25), 1, [people.kr(), people.kr()])
    # Not refreshed yet: the same figures, in both formats.
    assert get_json(client, "from=2026-03&to=2026-03&by=")["rows"][0]["arrivals"] == first
    assert client.get(f"{API}?from=2026-03&to=2026-03&by=&format=csv").get_data(as_text=True) == table
    refresh(as_of=AS_OF)
    assert get_json(client, "from=2026-03&to=2026-03&by=")["rows"][0]["arrivals"] == first + 2
    assert f"\r\n{first + 2}," in client.get(f"{API}?from=2026-03&to=2026-03&by=&format=csv").get_data(as_text=True)


def test_a_poller_gets_304_until_the_next_refresh(client, march, desk_day):
    url = f"{API}?from=2026-03&to=2026-03&by=area"
    first = client.get(url)
    tag = first.headers["ETag"]
    assert first.status_code == 200 and tag
    again = client.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304 and not again.data
    # Another format or another question is another answer.
    assert client.get(f"{url}&format=csv", headers={"If-None-Match": tag}).status_code == 200
    assert client.get(f"{API}?from=2026-03&to=2026-03&by=type", headers={"If-None-Match": tag}).status_code == 200
    refresh(as_of=AS_OF)
    after = client.get(url, headers={"If-None-Match": tag})
    assert after.status_code == 200 and after.headers["ETag"] != tag
    assert after.get_json()["rows"] == first.get_json()["rows"]


def test_no_personal_data_in_any_output(client, march):
    outputs = []
    for query in ("from=2026-03&to=2026-03&by=month,residence,area,type", "by=month,nationality",
                  "by=age_band", "by=sex", "by=purpose", "by=month,class,locality"):
        for output in ("json", "csv"):
            outputs.append(client.get(f"{API}?{query}&format={output}").get_data(as_text=True))
    for locale in LOCALES:
        outputs.append(client.get(f"/{locale}/statistics/?from=2026-03&to=2026-03").get_data(as_text=True))
    for text in outputs:
        for secret in (*NAMES, BIRTH_DATE, "M00000001", "079190000017", "document", "full_name", "birth"):
            assert secret not in text
        for slug in (*DA_LAT, MUI_NE):
            assert slug not in text


def test_openapi_describes_the_endpoint(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/stats/accommodation"]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"from", "to", "by", "format", "area", "type", "residence"} <= names
    assert "establishment" not in names
    assert {"200", "304", "400", "503"} <= set(operation["responses"])
    row = document["components"]["schemas"]["AccommodationRow"]
    assert {"arrivals", "nights", "average_length_of_stay", "suppressed"} <= set(row["required"])
    assert "AccommodationStatistics" in document["components"]["schemas"]


# -- the public page ---------------------------------------------------------------------------

@pytest.mark.parametrize("locale", LOCALES)
def test_page_renders_in_every_locale_with_suppressed_marks(client, march, locale):
    response = client.get(f"/{locale}/statistics/?from=2026-03&to=2026-04")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count('data-suppressed="true"') >= 2 and 'id="suppression-note"' in page
    assert f'hreflang="{ "zh-Hans" if locale == "zh" else locale }"' in page
    assert 'rel="alternate" hreflang="x-default"' in page
    assert "/api/v1/stats/accommodation?" in page and "format=csv" in page and "/api/v1/openapi.json" in page
    assert 'data-chart="chart-time"' in page and "chart.umd.min.js" in page


def test_page_shows_the_published_figures_only(client, march):
    page = client.get("/en/statistics/?from=2026-03&to=2026-03").get_data(as_text=True)
    assert "Figures as of April 30, 2026" in page
    published = opendata.published(opendata.parse(
        __import__("werkzeug.datastructures", fromlist=["MultiDict"]).MultiDict(
            {"from": "2026-03", "to": "2026-03", "by": "residence"}), march), march)
    korea = by_key(published.rows, "residence")["KR"]
    assert "South Korea" in page and ">26<" in page.replace(" ", "") and korea["arrivals"] == 26
    # Viet Nam and France are withheld in the countries' table: not named with figures there.
    countries = page[page.index('id="table-countries"'):page.index("</table>", page.index('id="table-countries"'))]
    assert "France" not in countries and "Vietnam" not in countries
    assert "2 further countries are suppressed" in page
    # Locality names in the page's language.
    assert "Đà Lạt" in page or "Da Lat" in page
    localities = page[page.index('id="table-localities"'):]
    assert localities.index("data-suppressed") > 0


def test_page_ignores_bad_input_with_a_notice(client, march):
    for query in ("from=abc", "from=2026-04&to=2026-01", "by=establishment", "from=1999-01", "to=2026-13"):
        response = client.get(f"/en/statistics/?{query}")
        assert response.status_code == 200, query
        page = response.get_data(as_text=True)
        assert 'class="alert alert-warning"' in page, query
        assert 'value="2025-05"' in page and 'value="2026-04"' in page


def test_page_in_the_sitemap_and_footer(client, march):
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    for locale in LOCALES:
        assert f"/{locale}/statistics/" in sitemap
    home = client.get("/en/").get_data(as_text=True)
    assert 'href="/en/statistics/"' in home


def test_chart_data_has_no_figure_the_table_withholds(client, march):
    page = client.get("/en/statistics/?from=2026-03&to=2026-03").get_data(as_text=True)
    start = page.index('<script type="application/json" id="chart-localities">')
    data = json.loads(page[page.index(">", start) + 1:page.index("</script>", start)])
    assert all(value is None for dataset in data["datasets"] for value in dataset["data"])


# -- the OpenAPI document, exercised (tests/test_api_schema.py checks every operation is listed) --

STATS_OPERATIONS = [("/stats/accommodation", "GET"), ("/stats/site-visits", "GET")]


@pytest.mark.parametrize(("path", "method"), STATS_OPERATIONS)
def test_api_answers_as_its_document_says(app, march, path, method):
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case):
        # A schema-valid request may rightly get a 400: a reversed range, two periods, two guest
        # characteristics. Every other check (no 500, answers as documented) stays on.
        case.call_and_validate(excluded_checks=[positive_data_acceptance])

    check()


# -- visits to ticketed sites ------------------------------------------------------------------

VISITS = "/api/v1/stats/site-visits"


@pytest.fixture
def site_visits(march, monkeypatch):
    """A waterfall in Đà Lạt with 200 visitors in March 2026 (40 from abroad); refreshed."""
    from tourism.sites import services as site_services

    monkeypatch.setattr(site_services, "today", lambda: AS_OF)
    site = site_services.create_site("h6-test-falls", "Test Falls", "lam-vien-da-lat")
    site_services.record_visits(site, date(2026, 3, 5), 120, 30, 5_000_000, "form")
    site_services.record_visits(site, date(2026, 3, 6), 80, 10, 3_000_000, "form")
    return refresh(as_of=AS_OF)


def test_site_visits_by_month_and_site_without_revenue(client, site_visits):
    response = client.get(f"{VISITS}?from=2026-03&to=2026-03&by=month,site")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["from"], body["to"], body["by"]) == ("2026-03", "2026-03", ["month", "site"])
    assert body["as_of"] == "2026-04-30" and body["refreshed_at"] == site_visits.finished_at.isoformat()
    row = by_key(body["rows"], "site")["h6-test-falls"]
    assert row == {"month": "2026-03", "site": "h6-test-falls", "visitors": 200, "international_visitors": 40}
    assert "revenue" not in response.get_data(as_text=True)
    text = client.get(f"{VISITS}?from=2026-03&to=2026-03&by=month,site&format=csv").get_data().decode("utf-8")
    records = list(csv.reader(io.StringIO(text)))
    assert records[0] == ["month", "site", "visitors", "international_visitors"]
    assert ["2026-03", "h6-test-falls", "200", "40"] in records[1:]
    assert len(records) == len(body["rows"]) + 1
    [mine] = client.get(f"{VISITS}?from=2026-03&to=2026-03&by=locality&site=h6-test-falls").get_json()["rows"]
    assert mine == {"locality": "da-lat", "visitors": 200, "international_visitors": 40}


@pytest.mark.parametrize(("query", "code", "field"), [
    ("by=month,establishment", "unknown_dimension", "by"),
    ("by=residence", "unknown_dimension", "by"),
    ("by=site,site", "repeated_dimension", "by"),
    ("by=month,year", "two_periods", "by"),
    ("from=2026-13", "invalid_month", "from"),
    ("from=2026-04&to=2026-01", "reversed_range", "to"),
    ("from=2020-01&to=2026-03", "range_too_long", "to"),
    ("format=pdf", "invalid_format", "format"),
    ("type=hotel", "unknown_parameter", "type"),
    ("site=a%00", "invalid_filter", "site"),
])
def test_site_visits_bad_input_is_a_400(client, site_visits, query, code, field):
    response = client.get(f"{VISITS}?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"]["code"] == code and body["error"]["message"] and field in body["error"]["fields"]


def test_site_visits_before_any_refresh_is_a_503(client):
    response = client.get(VISITS)
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "no_statistics"
