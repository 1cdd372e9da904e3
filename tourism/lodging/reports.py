"""The monthly statistics report (Circular 18/2021/TT-BVHTTDL), computed from the guest register.

Definitions (UNWTO IRTS 2008, as the circular uses them):
- a night belongs to the month its date falls in: a stay from 30 Sep to 2 Oct has one night in
  September (the 30th) and one in October (the 1st); its arrival counts in September only;
- cancelled stays count for nothing; same-day stays (departure on the arrival day) have no night and
  are not tourist arrivals: they are counted apart as same-day visitors;
- international / domestic is by country of residence, not nationality;
- room-nights sold are the distinct (room, night) pairs occupied, from the stays' segments;
- rooms and bed-places available are room-days and bed-place-days of the rooms in use, minus the
  days a room is out of service and the days the establishment is closed;
- net room occupancy = room-nights sold / room-nights available; net bed occupancy = guest-nights /
  bed-place-nights available; average length of stay = guest-nights / arrivals.
"""

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from tourism.core import audit
from tourism.core.database import utcnow
from tourism.extensions import db
from tourism.lodging.errors import Conflict, LodgingError
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
from tourism.lodging.services import lock_establishment, today

# Circular 18/2021: the report is due by the 20th of the following month.
DUE_DAY = 20
# How many past months the manager's list offers.
MONTHS_LISTED = 24


def month_start(day: date) -> date:
    """Return the first day of the month of `day`."""
    return day.replace(day=1)


def next_month(month: date) -> date:
    """Return the first day of the month after `month`."""
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    """Return the first day of the month before `month`."""
    return date(month.year - 1, 12, 1) if month.month == 1 else date(month.year, month.month - 1, 1)


def parse_month(value: str | None) -> date | None:
    """Read "YYYY-MM" into the month's first day; None when it is not a plausible month."""
    value = (value or "").strip()
    if len(value) != 7 or value[4] != "-" or not (value[:4].isdigit() and value[5:].isdigit()):
        return None
    year, month = int(value[:4]), int(value[5:])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def due_date(month: date) -> date:
    """Return the last day to submit a month's report."""
    return next_month(month).replace(day=DUE_DAY)


def month_ended(month: date, on: date | None = None) -> bool:
    """Tell whether the whole month is in the past."""
    return next_month(month) <= (on or today())


def _days(start: date, end: date) -> set[date]:
    """Every date from `start` to `end`, both included."""
    return {start + timedelta(days=offset) for offset in range((end - start).days + 1)}


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def monthly_figures(establishment_id: int, month: date) -> dict:
    """Compute one establishment's figures for a month from the register; a JSON-ready dict."""
    start = month_start(month)
    end = next_month(start)  # excluded
    last = end - timedelta(days=1)
    month_days = _days(start, last)

    # Guests per stay and country of residence, for the stays with a day or a night in the month.
    rows = db.session.execute(
        sa.select(Stay.id, Stay.arrival, Stay.departure, Guest.residence_country, sa.func.count(Guest.id))
        .join(Guest, Guest.stay_id == Stay.id)
        .where(
            Stay.establishment_id == establishment_id,
            Stay.status != "cancelled",
            Stay.arrival < end,
            Stay.departure >= start,
        )
        .group_by(Stay.id, Stay.arrival, Stay.departure, Guest.residence_country)
    )
    arrivals: Counter = Counter()
    nights: Counter = Counter()
    same_day_guests = 0
    same_day_stays: set[int] = set()
    for _stay_id, arrival, departure, country, count in rows:
        if arrival == departure:
            if start <= arrival < end:
                same_day_guests += count
                same_day_stays.add(_stay_id)
            continue
        if start <= arrival < end:
            arrivals[country] += count
        first_night, end_of_nights = max(arrival, start), min(departure, end)
        if end_of_nights > first_night:
            nights[country] += count * (end_of_nights - first_night).days

    # Distinct rooms occupied on each night of the month (same-day segments sell no night).
    sold: set[tuple[int, date]] = set()
    segments = db.session.execute(
        sa.select(StaySegment.room_id, StaySegment.start_date, StaySegment.end_date)
        .join(Stay, Stay.id == StaySegment.stay_id)
        .where(
            Stay.establishment_id == establishment_id,
            Stay.status != "cancelled",
            StaySegment.start_date < end,
            StaySegment.end_date > start,
            StaySegment.end_date > StaySegment.start_date,
        )
    )
    for room_id, segment_start, segment_end in segments:
        day = max(segment_start, start)
        while day < min(segment_end, end):
            sold.add((room_id, day))
            day += timedelta(days=1)

    # What could be sold: every day of the month, for each room in use, unless closed or repaired.
    closed: set[date] = set()
    for closure_start, closure_end in db.session.execute(
        sa.select(EstablishmentClosure.start_date, EstablishmentClosure.end_date).where(
            EstablishmentClosure.establishment_id == establishment_id,
            EstablishmentClosure.start_date <= last,
            EstablishmentClosure.end_date >= start,
        )
    ):
        closed |= _days(max(closure_start, start), min(closure_end, last))
    rooms = list(db.session.execute(
        sa.select(Room.id, Room.single_beds, Room.double_beds).where(
            Room.establishment_id == establishment_id, Room.active
        )
    ))
    repairs: dict[int, set[date]] = defaultdict(set)
    for room_id, repair_start, repair_end in db.session.execute(
        sa.select(RoomOutOfService.room_id, RoomOutOfService.start_date, RoomOutOfService.end_date)
        .join(Room, Room.id == RoomOutOfService.room_id)
        .where(
            Room.establishment_id == establishment_id,
            RoomOutOfService.start_date <= last,
            RoomOutOfService.end_date >= start,
        )
    ):
        repairs[room_id] |= _days(max(repair_start, start), min(repair_end, last))
    room_nights_available = bed_nights_available = bed_places = 0
    for room_id, single_beds, double_beds in rooms:
        open_days = len(month_days - closed - repairs[room_id])
        places = single_beds + 2 * double_beds
        bed_places += places
        room_nights_available += open_days
        bed_nights_available += open_days * places

    total_arrivals = sum(arrivals.values())
    guest_nights = sum(nights.values())
    countries = sorted((set(arrivals) | set(nights)) - {"VN"})
    return {
        "month": start.strftime("%Y-%m"),
        "arrivals": total_arrivals,
        "guest_nights": guest_nights,
        "domestic": {"arrivals": arrivals["VN"], "guest_nights": nights["VN"]},
        "international": {
            "arrivals": total_arrivals - arrivals["VN"],
            "guest_nights": guest_nights - nights["VN"],
            "by_country": {code: {"arrivals": arrivals[code], "guest_nights": nights[code]} for code in countries},
        },
        "same_day": {"stays": len(same_day_stays), "visitors": same_day_guests},
        "rooms": len(rooms),
        "bed_places": bed_places,
        "room_nights_sold": len(sold),
        "room_nights_available": room_nights_available,
        "bed_nights_available": bed_nights_available,
        "room_occupancy": _ratio(len(sold), room_nights_available),
        "bed_occupancy": _ratio(guest_nights, bed_nights_available),
        "average_length_of_stay": round(guest_nights / total_arrivals, 2) if total_arrivals else None,
    }


# -- the manager's months --------------------------------------------------------------------

def get_report(establishment_id: int, month: date) -> MonthlyReport | None:
    """Return the stored report of a month, if there is one."""
    return db.session.scalar(
        sa.select(MonthlyReport).where(MonthlyReport.establishment_id == establishment_id, MonthlyReport.month == month)
    )


def report_status(report: MonthlyReport | None, month: date, on: date | None = None) -> dict:
    """Describe a month's report: status, due date, overdue, whether it can be submitted now."""
    on = on or today()
    due = due_date(month)
    submitted = report is not None and report.status == "submitted"
    ended = month_ended(month, on)
    return {
        "month": month,
        "report": report,
        "status": "submitted" if submitted else "draft",
        "due": due,
        "ended": ended,
        "overdue": not submitted and on > due,
        "late": submitted and report.submitted_at is not None and _local_date(report.submitted_at) > due,
        # A correction may replace a submitted report until the deadline; after it, the report stands.
        "can_submit": ended and (not submitted or on <= due),
    }


def _local_date(moment: datetime) -> date:
    from tourism.core.pages import LOCAL_TZ

    return moment.astimezone(LOCAL_TZ).date()


def report_months(establishment_id: int, on: date | None = None) -> list[dict]:
    """List the establishment's months, newest first: the current one, then the past ones."""
    on = on or today()
    current = month_start(on)
    establishment = db.session.get(Establishment, establishment_id)
    earliest = db.session.scalar(
        sa.select(sa.func.min(Stay.arrival)).where(Stay.establishment_id == establishment_id)
    )
    first = month_start(min(filter(None, [earliest, _local_date(establishment.created_at) if establishment else None]),
                            default=current))
    reports = {
        report.month: report
        for report in db.session.scalars(
            sa.select(MonthlyReport).where(MonthlyReport.establishment_id == establishment_id)
        )
    }
    if reports:
        first = min(first, min(reports))
    months = []
    month = current
    while month >= first and len(months) < MONTHS_LISTED:
        months.append(report_status(reports.get(month), month, on))
        month = previous_month(month)
    return months


def submit_report(establishment_id: int, month: date, actor=None, note: str = "") -> MonthlyReport:
    """Snapshot a month's figures as the submitted report; a correction replaces it before the deadline."""
    month = month_start(month)
    on = today()
    if not month_ended(month, on):
        raise LodgingError(_("A month's report can be submitted once the month has ended."),
                           {"month": _("This month has not ended yet.")}, code="month_not_ended")
    # Serialise with the front desk and with a second submit of the same month.
    lock_establishment(establishment_id)
    report = get_report(establishment_id, month)
    resubmission = report is not None and report.status == "submitted"
    if resubmission and on > due_date(month):
        raise Conflict(_("The deadline has passed: the submitted report can no longer be corrected."),
                       code="report_closed")
    figures = monthly_figures(establishment_id, month)
    if report is None:
        report = MonthlyReport(establishment_id=establishment_id, month=month, figures=figures)
        db.session.add(report)
    report.figures = figures
    report.status = "submitted"
    report.note = " ".join((note or "").split())[:1000]
    report.submitted_at = utcnow()
    report.submitted_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record(
        "report_submitted",
        actor=actor,
        target=report,
        details={"establishment_id": establishment_id, "month": month.strftime("%Y-%m"), "correction": resubmission},
    )
    db.session.commit()
    return report


# -- the department's view -------------------------------------------------------------------

TOTALLED = ("arrivals", "guest_nights", "room_nights_sold", "room_nights_available", "bed_nights_available")


def department_overview(month: date, on: date | None = None) -> dict:
    """Every approved establishment's report status for a month, and totals of the submitted figures."""
    on = on or today()
    establishments = list(db.session.scalars(
        sa.select(Establishment).where(Establishment.status == "approved").order_by(Establishment.name, Establishment.id)
    ))
    reports = {
        report.establishment_id: report
        for report in db.session.scalars(sa.select(MonthlyReport).where(MonthlyReport.month == month))
    }
    rows = []
    totals = dict.fromkeys(TOTALLED, 0)
    totals.update(domestic_arrivals=0, domestic_nights=0, international_arrivals=0, international_nights=0)
    by_country: dict[str, dict[str, int]] = defaultdict(lambda: {"arrivals": 0, "guest_nights": 0})
    submitted = 0
    for establishment in establishments:
        state = report_status(reports.get(establishment.id), month, on)
        rows.append({"establishment": establishment, **state})
        if state["status"] != "submitted":
            continue
        submitted += 1
        figures = state["report"].figures or {}
        for key in TOTALLED:
            totals[key] += int(figures.get(key) or 0)
        totals["domestic_arrivals"] += int(figures.get("domestic", {}).get("arrivals") or 0)
        totals["domestic_nights"] += int(figures.get("domestic", {}).get("guest_nights") or 0)
        international = figures.get("international", {})
        totals["international_arrivals"] += int(international.get("arrivals") or 0)
        totals["international_nights"] += int(international.get("guest_nights") or 0)
        for code, values in (international.get("by_country") or {}).items():
            by_country[code]["arrivals"] += int(values.get("arrivals") or 0)
            by_country[code]["guest_nights"] += int(values.get("guest_nights") or 0)
    totals["room_occupancy"] = _ratio(totals["room_nights_sold"], totals["room_nights_available"])
    totals["bed_occupancy"] = _ratio(totals["guest_nights"], totals["bed_nights_available"])
    return {
        "month": month,
        "due": due_date(month),
        "rows": rows,
        "submitted": submitted,
        "missing": len(rows) - submitted,
        "totals": totals,
        "by_country": dict(sorted(by_country.items())),
    }
