"""The monthly statistics report: figures computed by hand, the manager's submit flow, the department's view."""

from datetime import date

import pytest
import sqlalchemy as sa
from babel import Locale

from tests.conftest import ROLE_EMAILS, csrf_token, sign_in
from tourism.core.audit import AuditEvent
from tourism.extensions import db
from tourism.i18n import LOCALES
from tourism.lodging import reports
from tourism.lodging.models import (
    Establishment,
    EstablishmentClosure,
    Guest,
    MonthlyReport,
    Room,
    RoomOutOfService,
    Stay,
    StaySegment,
)

SEP, OCT = date(2025, 9, 1), date(2025, 10, 1)


def add_stay(establishment, segments, arrival, departure, guests, status="checked_out"):
    """Put a stay straight into the register (check-in refuses arrivals this far back).

    `segments` is [(room, start, end)], `guests` is [(nationality, residence_country)].
    """
    stay = Stay(establishment_id=establishment.id, room_id=segments[-1][0].id, arrival=arrival,
                departure=departure, status=status, source="import")
    for room, start, end in segments:
        stay.segments.append(StaySegment(room_id=room.id, start_date=start, end_date=end))
    for position, (nationality, residence) in enumerate(guests):
        stay.guests.append(Guest(establishment_id=establishment.id, position=position, full_name=f"Guest {position}",
                                 birth_year=1980, sex="F", nationality=nationality, residence_country=residence,
                                 document_type="passport", purpose="leisure"))
    db.session.add(stay)
    db.session.flush()
    return stay


@pytest.fixture
def lodge(app, ctx):
    """A fresh establishment with three rooms in use (2 + 2 + 3 bed-places) and one out of use."""
    lodge = Establishment(slug="report-test-lodge", name="Report Test Lodge", kind="hotel", status="approved")
    lodge.rooms = [
        Room(number="R1", room_type="double", single_beds=0, double_beds=1, capacity=2),
        Room(number="R2", room_type="twin", single_beds=2, double_beds=0, capacity=2),
        Room(number="R3", room_type="family", single_beds=1, double_beds=1, capacity=3),
        Room(number="R4", room_type="double", single_beds=0, double_beds=1, capacity=2, active=False),
    ]
    db.session.add(lodge)
    db.session.flush()
    return lodge


@pytest.fixture
def register(lodge, other_establishment):
    """September and October 2025 in the register, with every case the figures must handle."""
    r1, r2, r3, _out_of_use = lodge.rooms
    # Closed 10–12 September (3 days); R2 repaired 11–15 September (13–15 beyond the closure);
    # R3 repaired from 29 September to 3 October, across the month end.
    db.session.add(EstablishmentClosure(establishment_id=lodge.id, start_date=date(2025, 9, 10),
                                        end_date=date(2025, 9, 12)))
    db.session.add(RoomOutOfService(room_id=r2.id, start_date=date(2025, 9, 11), end_date=date(2025, 9, 15)))
    db.session.add(RoomOutOfService(room_id=r3.id, start_date=date(2025, 9, 29), end_date=date(2025, 10, 3)))
    # A: arrived in August; nights of 1 and 2 September fall in September.
    add_stay(lodge, [(r1, date(2025, 8, 28), date(2025, 9, 3))], date(2025, 8, 28), date(2025, 9, 3),
             [("KR", "KR"), ("VN", "VN")])
    # B: a French national living in Japan, 28 September to 2 October: three nights here, one in October.
    add_stay(lodge, [(r2, date(2025, 9, 28), date(2025, 10, 2))], date(2025, 9, 28), date(2025, 10, 2),
             [("FR", "JP")])
    # C: three guests, one a Vietnamese living in the US; moved from R3 to R1 for the last night.
    add_stay(lodge, [(r3, date(2025, 9, 5), date(2025, 9, 7)), (r1, date(2025, 9, 7), date(2025, 9, 8))],
             date(2025, 9, 5), date(2025, 9, 8), [("VN", "VN"), ("VN", "VN"), ("VN", "US")])
    # D: a same-day stay: no night, not an arrival.
    add_stay(lodge, [(r1, date(2025, 9, 15), date(2025, 9, 15))], date(2025, 9, 15), date(2025, 9, 15),
             [("VN", "VN")])
    # E: cancelled: counts for nothing.
    add_stay(lodge, [(r2, date(2025, 9, 20), date(2025, 9, 25))], date(2025, 9, 20), date(2025, 9, 25),
             [("KR", "KR"), ("KR", "KR")], status="cancelled")
    # F and G share R1 on the night of the 21st: one room-night, not two.
    add_stay(lodge, [(r1, date(2025, 9, 20), date(2025, 9, 22))], date(2025, 9, 20), date(2025, 9, 22),
             [("VN", "VN")])
    add_stay(lodge, [(r1, date(2025, 9, 21), date(2025, 9, 23))], date(2025, 9, 21), date(2025, 9, 23),
             [("KR", "KR")])
    # I: left on 1 September: its nights are all in August.
    add_stay(lodge, [(r2, date(2025, 8, 30), date(2025, 9, 1))], date(2025, 8, 30), date(2025, 9, 1),
             [("KR", "KR")])
    # H: October only.
    add_stay(lodge, [(r2, date(2025, 10, 1), date(2025, 10, 3))], date(2025, 10, 1), date(2025, 10, 3),
             [("VN", "VN")])
    # Another establishment's guests in the same month never count here.
    add_stay(other_establishment, [(other_establishment.rooms[0], date(2025, 9, 5), date(2025, 9, 9))],
             date(2025, 9, 5), date(2025, 9, 9), [("DE", "DE"), ("DE", "DE")])
    db.session.commit()
    return lodge


def test_september_figures_by_hand(register):
    figures = reports.monthly_figures(register.id, SEP)
    # Arrivals: B (1, JP), C (3: two VN, one US), F (1, VN), G (1, KR).
    assert figures["arrivals"] == 6
    assert figures["domestic"] == {"arrivals": 3, "guest_nights": 10}  # C 2×3 + A 2 + F 2
    # Nights: A 2×2, B 3 (28, 29, 30), C 3×3, F 2, G 2.
    assert figures["guest_nights"] == 20
    assert figures["international"]["arrivals"] == 3
    assert figures["international"]["guest_nights"] == 10
    # By residence, not nationality: B's French national counts under Japan, C's Vietnamese under the US.
    assert figures["international"]["by_country"] == {
        "JP": {"arrivals": 1, "guest_nights": 3},
        "KR": {"arrivals": 1, "guest_nights": 4},  # A's Korean arrived in August: nights only
        "US": {"arrivals": 1, "guest_nights": 3},
    }
    assert "FR" not in figures["international"]["by_country"] and "DE" not in figures["international"]["by_country"]
    assert figures["same_day"] == {"stays": 1, "visitors": 1}
    # R1: 1, 2 (A), 7 (C), 20, 21, 22 (F and G) = 6; R2: 28, 29, 30 (B) = 3; R3: 5, 6 (C) = 2.
    assert figures["room_nights_sold"] == 11
    assert figures["rooms"] == 3 and figures["bed_places"] == 7
    # R1 30 − 3 closed = 27; R2 30 − 3 closed − 3 more repaired = 24; R3 30 − 3 − 2 (29, 30) = 25.
    assert figures["room_nights_available"] == 27 + 24 + 25
    assert figures["bed_nights_available"] == 27 * 2 + 24 * 2 + 25 * 3
    assert figures["room_occupancy"] == pytest.approx(11 / 76, abs=1e-4)
    assert figures["bed_occupancy"] == pytest.approx(20 / 177, abs=1e-4)
    assert figures["average_length_of_stay"] == pytest.approx(20 / 6, abs=0.01)


def test_october_gets_the_nights_after_the_month_end(register):
    figures = reports.monthly_figures(register.id, OCT)
    assert figures["arrivals"] == 1  # H; B arrived in September
    assert figures["guest_nights"] == 3  # B's night of 1 October, H's two
    assert figures["domestic"] == {"arrivals": 1, "guest_nights": 2}
    assert figures["international"]["by_country"] == {"JP": {"arrivals": 0, "guest_nights": 1}}
    assert figures["room_nights_sold"] == 2  # R2 on the 1st (B and H together) and the 2nd
    assert figures["room_nights_available"] == 31 + 31 + 28  # R3 repaired 1–3 October
    assert figures["bed_nights_available"] == 31 * 2 + 31 * 2 + 28 * 3
    assert figures["average_length_of_stay"] == 3.0


def test_an_empty_month_has_no_ratios_to_divide_by_zero(lodge):
    for room in lodge.rooms:
        room.active = False
    db.session.commit()
    figures = reports.monthly_figures(lodge.id, SEP)
    assert figures["arrivals"] == 0 and figures["room_nights_available"] == 0
    assert figures["room_occupancy"] is None and figures["bed_occupancy"] is None
    assert figures["average_length_of_stay"] is None


def test_month_helpers():
    assert reports.parse_month("2025-09") == SEP
    for bad in ("2025-13", "2025-00", "abcd-ef", "2025-9", "", None, "1999-12", "20250-1", "2025-09-01"):
        assert reports.parse_month(bad) is None, bad
    assert reports.due_date(date(2025, 12, 1)) == date(2026, 1, 20)
    assert reports.next_month(date(2025, 12, 1)) == date(2026, 1, 1)
    assert reports.previous_month(date(2026, 1, 1)) == date(2025, 12, 1)
    assert not reports.month_ended(SEP, date(2025, 9, 30)) and reports.month_ended(SEP, date(2025, 10, 1))


# -- the manager's pages ---------------------------------------------------------------------

MARCH = date(2019, 3, 1)


@pytest.fixture
def march(app, ctx, establishment, other_establishment, monkeypatch):
    """Đồi Thông's March 2019, seen on 10 April 2019 (before the 20 April deadline)."""
    monkeypatch.setattr(reports, "today", lambda: date(2019, 4, 10))
    rooms = {room.number: room for room in establishment.rooms}
    add_stay(establishment, [(rooms["101"], date(2019, 3, 30), date(2019, 4, 2))], date(2019, 3, 30),
             date(2019, 4, 2), [("KR", "KR"), ("FR", "JP")])
    add_stay(establishment, [(rooms["102"], date(2019, 3, 3), date(2019, 3, 4))], date(2019, 3, 3),
             date(2019, 3, 4), [("VN", "VN")])
    theirs = other_establishment.rooms[0]
    add_stay(other_establishment, [(theirs, date(2019, 3, 5), date(2019, 3, 9))], date(2019, 3, 5),
             date(2019, 3, 9), [("DE", "DE")])
    db.session.add(MonthlyReport(establishment_id=other_establishment.id, month=MARCH, status="draft",
                                 figures={"arrivals": 999}, note="THEIR PRIVATE NOTE"))
    db.session.commit()
    return establishment


def test_manager_reviews_the_month_with_country_names(march, sign_in_as):
    client = sign_in_as("lodging_manager")
    listing = client.get("/en/lodging/reports/")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert "March 2019" in html and "/en/lodging/reports/2019-03" in html
    page = client.get("/en/lodging/reports/2019-03")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-figure="arrivals">3<' in html
    assert 'data-figure="guest_nights">5<' in html  # 2 guests × 2 March nights + 1
    assert 'data-figure="domestic_arrivals">1<' in html
    assert "South Korea" in html and "Japan" in html and "France" not in html
    assert "Germany" not in html and "THEIR PRIVATE NOTE" not in html
    assert "Submit to the department" in html
    vietnamese = client.get("/vi/lodging/reports/2019-03").get_data(as_text=True)
    assert Locale("vi").territories["KR"] in vietnamese and Locale("vi").territories["JP"] in vietnamese
    assert client.get("/en/lodging/reports/2019-13").status_code == 404
    assert client.get("/en/lodging/reports/nonsense").status_code == 404


def test_submit_snapshots_the_figures_and_a_correction_replaces_them(march, sign_in_as, monkeypatch):
    client = sign_in_as("lodging_manager")
    token = csrf_token(client, "/en/lodging/reports/2019-03")
    response = client.post("/en/lodging/reports/2019-03/submit", data={"csrf_token": token, "note": "All fine."})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    db.session.expire_all()
    report = reports.get_report(march.id, MARCH)
    assert report.status == "submitted" and report.submitted_at is not None and report.note == "All fine."
    assert report.figures == reports.monthly_figures(march.id, MARCH)
    assert report.figures["arrivals"] == 3 and report.figures["guest_nights"] == 5
    manager_id = report.submitted_by_id
    assert manager_id is not None
    events = list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "report_submitted")))
    assert [(e.target_id, e.details["month"], e.details["correction"]) for e in events] == [(report.id, "2019-03", False)]
    page = client.get("/en/lodging/reports/2019-03").get_data(as_text=True)
    assert "Submitted figures" in page and "Submit a correction" in page

    # A stay entered late: the register changes, the submitted figures do not until a correction.
    rooms = {room.number: room for room in march.rooms}
    add_stay(march, [(rooms["103"], date(2019, 3, 10), date(2019, 3, 12))], date(2019, 3, 10),
             date(2019, 3, 12), [("VN", "VN")])
    db.session.commit()
    db.session.expire_all()
    assert reports.get_report(march.id, MARCH).figures["arrivals"] == 3
    response = client.post("/en/lodging/reports/2019-03/submit", data={"csrf_token": token, "note": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert reports.get_report(march.id, MARCH).figures["arrivals"] == 4
    assert db.session.scalar(sa.select(sa.func.count(MonthlyReport.id)).where(
        MonthlyReport.establishment_id == march.id)) == 1

    # After the deadline the submitted report stands.
    monkeypatch.setattr(reports, "today", lambda: date(2019, 4, 21))
    response = client.post("/en/lodging/reports/2019-03/submit", data={"csrf_token": token, "note": "late fix"})
    assert response.status_code == 409
    assert "no longer be corrected" in response.get_data(as_text=True)
    page = client.get("/en/lodging/reports/2019-03").get_data(as_text=True)
    assert "the submitted report stands" in page and "Submit a correction" not in page
    db.session.expire_all()
    assert reports.get_report(march.id, MARCH).note == ""


def test_a_month_in_progress_cannot_be_submitted(march, sign_in_as):
    client = sign_in_as("lodging_manager")
    token = csrf_token(client, "/en/lodging/reports/2019-04")
    page = client.get("/en/lodging/reports/2019-04").get_data(as_text=True)
    assert "Month in progress" in page and "Submit to the department" not in page
    response = client.post("/en/lodging/reports/2019-04/submit", data={"csrf_token": token})
    assert response.status_code == 422
    assert reports.get_report(march.id, date(2019, 4, 1)) is None


def test_a_late_report_is_overdue_then_accepted_once(march, sign_in_as, monkeypatch):
    monkeypatch.setattr(reports, "today", lambda: date(2019, 5, 2))
    client = sign_in_as("lodging_manager")
    listing = client.get("/en/lodging/reports/").get_data(as_text=True)
    assert "report-overdue" in listing and "Overdue" in listing
    token = csrf_token(client, "/en/lodging/reports/2019-03")
    assert client.post("/en/lodging/reports/2019-03/submit", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert reports.get_report(march.id, MARCH).status == "submitted"


def test_staff_can_view_but_not_submit(march, sign_in_as):
    client = sign_in_as("lodging_staff")
    page = client.get("/en/lodging/reports/2019-03")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-figure="arrivals">3<' in html and "Submit to the department" not in html
    token = csrf_token(client, "/en/account/")
    assert client.post("/en/lodging/reports/2019-03/submit", data={"csrf_token": token}).status_code == 403
    assert reports.get_report(march.id, MARCH) is None


def test_other_roles_cannot_see_the_reports(march, sign_in_as):
    client = sign_in_as("tourist")
    assert client.get("/en/lodging/reports/2019-03").status_code == 403
    assert client.get("/en/lodging/reports/").status_code == 403


# -- the department's page -------------------------------------------------------------------

def test_department_sees_who_submitted(march, other_establishment, sign_in_as, monkeypatch):
    pending = Establishment(slug="not-yet-approved", name="Not Yet Approved Inn", kind="hostel", status="pending")
    db.session.add(pending)
    db.session.commit()
    reports.submit_report(march.id, MARCH)
    monkeypatch.setattr(reports, "today", lambda: date(2019, 4, 25))
    client = sign_in_as("officer")
    page = client.get("/en/backoffice/lodging-reports?month=2019-03")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    ours = html.split('data-establishment="doi-thong-homestay"')[1].split("</tr>")[0]
    theirs = html.split('data-establishment="mui-ne-sea-breeze-resort"')[1].split("</tr>")[0]
    assert "Submitted" in ours and "Overdue" in theirs and "Submitted" not in theirs
    assert "Not Yet Approved Inn" not in html
    approved = db.session.scalar(sa.select(sa.func.count(Establishment.id)).where(Establishment.status == "approved"))
    assert f"1 of {approved} establishments have submitted" in html
    # Totals are of the submitted reports only: the other resort's draft (999 arrivals) is not in them.
    assert 'data-total="arrivals">3<' in html and 'data-total="guest_nights">5<' in html
    assert "999" not in html
    assert "South Korea" in html
    overview = reports.department_overview(MARCH)
    assert overview["submitted"] == 1 and overview["missing"] == approved - 1


def test_department_page_survives_bad_months(sign_in_as):
    client = sign_in_as("admin")
    for value in ("2019-13", "nonsense", "0000-00", "9999-99", "2019-03-01", "%00"):
        response = client.get("/en/backoffice/lodging-reports", query_string={"month": value})
        assert response.status_code == 200, value
        assert "is not a month" in response.get_data(as_text=True)
    assert client.get("/en/backoffice/lodging-reports").status_code == 200


def test_lodging_people_cannot_see_the_department_page(sign_in_as):
    assert sign_in_as("lodging_manager").get("/en/backoffice/lodging-reports").status_code == 403


def test_pages_answer_in_every_locale(march, sign_in_as, app):
    reports.submit_report(march.id, MARCH)
    manager = sign_in_as("lodging_manager")
    for locale in LOCALES:
        for path in ("lodging/reports/", "lodging/reports/2019-03", "lodging/declarations/"):
            assert manager.get(f"/{locale}/{path}").status_code == 200, (locale, path)
    officer = app.test_client()
    assert sign_in(officer, ROLE_EMAILS["officer"]).status_code == 302
    for locale in LOCALES:
        page = officer.get(f"/{locale}/backoffice/lodging-reports?month=2019-03")
        assert page.status_code == 200, locale
        assert Locale.parse(locale).territories["KR"] in page.get_data(as_text=True)
