"""`warehouse refresh`: load the star schema from the lodging tables, incrementally and all or nothing.

One run is one warehouse transaction, so readers see the previous figures until it commits and a
crash leaves them intact. Changed stays are found by `Stay.updated_at`; their old rows are
replaced. The days and months they touch, plus a look-back window for every establishment, are
then recomputed inside the warehouse with set-based SQL.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import OperationalError

from tourism.core.database import utcnow
from tourism.extensions import db
from tourism.lodging import services
from tourism.lodging.models import (
    Establishment,
    EstablishmentClosure,
    Guest,
    Room,
    RoomOutOfService,
    Stay,
    StaySegment,
)
from tourism.warehouse import dimensions
from tourism.warehouse.models import (
    BEGINNING,
    LEVEL_AREA,
    LEVEL_CLASS,
    LEVEL_KIND,
    LEVELS,
    ClosedPeriod,
    FactEstablishmentDay,
    FactStay,
    GuestsByPlace,
    MonthlyEstablishment,
    MonthlyGuests,
    RefreshRun,
    RefreshWindow,
    StageGuestMonth,
    StayRoomSegment,
    execute,
)

# An arbitrary, fixed key for PostgreSQL's advisory lock: one refresh at a time.
LOCK_KEY = 6_072_025
BATCH = 10_000
LONGEST_STAY = timedelta(days=366)
GUEST_DIMENSIONS = ("residence", "nationality", "origin", "age_band", "sex", "purpose")

Progress = Callable[[str, int], None]


class RefreshLocked(Exception):
    """Another refresh holds the warehouse."""


def _lock() -> None:
    dialect = db.engines["warehouse"].dialect.name
    try:
        if dialect == "postgresql":
            if not execute(sa.text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": LOCK_KEY}).scalar():
                raise RefreshLocked
        else:
            # On SQLite the first statement must write: it takes the write lock (waiting out the busy
            # timeout), and nothing read before it can turn stale.
            execute(sa.update(RefreshRun).where(sa.false()).values(status="running"))
    except OperationalError as error:
        raise RefreshLocked from error


def month_start(day: date) -> date:
    """Return the first day of the month of `day`."""
    return day.replace(day=1)


@dataclass
class Window:
    """Days of one establishment that this run recomputes."""

    start: date
    end: date

    def widen(self, start: date, end: date) -> None:
        """Grow the window to cover `start` to `end`."""
        self.start, self.end = min(self.start, start), max(self.end, end)


class Refresh:
    """One run: what changed, what to recompute, and the writing."""

    def __init__(self, run: RefreshRun, previous: RefreshRun | None, as_of: date, on_progress: Progress | None):
        self.run, self.previous, self.as_of = run, previous, as_of
        self.on_progress = on_progress or (lambda step, count: None)
        self.lookback = timedelta(days=current_app.config["WAREHOUSE_LOOKBACK_DAYS"])
        self.windows: dict[int, Window] = {}

    def _widen(self, establishment_id: int, start: date, end: date) -> None:
        start, end = month_start(start), min(end, self.as_of)
        window = self.windows.get(establishment_id)
        if window is None:
            self.windows[establishment_id] = Window(start, end)
        else:
            window.widen(start, end)

    def _changed_filter(self):
        if self.run.full:
            return sa.true()
        return Stay.updated_at >= self.run.changed_since

    def count_changed(self) -> int:
        """Return how many stays this run reads."""
        return db.session.scalar(sa.select(sa.func.count(Stay.id)).where(self._changed_filter()))

    def forget_changed(self) -> None:
        """Delete the warehouse rows of changed stays, widening windows over the days they covered."""
        if self.run.full:
            for model in (FactStay, StayRoomSegment):
                self.run.rows_written += execute(sa.delete(model)).rowcount
            return
        changed = list(db.session.scalars(sa.select(Stay.id).where(self._changed_filter())))
        for offset in range(0, len(changed), BATCH):
            ids = changed[offset:offset + BATCH]
            spans = execute(
                sa.select(FactStay.establishment_id, sa.func.min(FactStay.arrival), sa.func.max(FactStay.departure))
                .where(FactStay.stay_id.in_(ids)).group_by(FactStay.establishment_id)
            )
            for establishment_id, first, last in spans:
                self._widen(establishment_id, first, last)
            for model in (FactStay, StayRoomSegment):
                self.run.rows_written += execute(sa.delete(model).where(model.stay_id.in_(ids))).rowcount

    def load_changed(self) -> set[str]:
        """Copy the changed stays' guests and room segments in; return the countries seen."""
        countries: set[str] = set()
        profiles = dimensions.ensure_profiles()
        guests = (
            sa.select(
                Stay.id, Stay.establishment_id, Stay.arrival, Stay.departure, Stay.created_at,
                Guest.position, Guest.birth_year, Guest.sex, Guest.nationality, Guest.residence_country,
                Guest.purpose,
            )
            .join(Guest, Guest.stay_id == Stay.id)
            .where(Stay.status != "cancelled", self._changed_filter())
            .order_by(Stay.id, Guest.position)
            .execution_options(yield_per=BATCH)
        )
        batch: list[dict] = []
        stays_read, last_stay = 0, None
        for row in db.session.execute(guests):
            if row.id != last_stay:
                stays_read += 1
                last_stay = row.id
                self._widen(row.establishment_id, row.arrival, row.departure)
            countries.add(row.residence_country)
            countries.add(row.nationality)
            band = dimensions.age_band(row.arrival.year - row.birth_year)
            batch.append({
                "stay_id": row.id, "position": row.position, "establishment_id": row.establishment_id,
                "arrival": row.arrival, "departure": row.departure,
                "nights": (row.departure - row.arrival).days,
                "residence": row.residence_country, "nationality": row.nationality,
                "profile_key": profiles[(band, row.sex, row.purpose)],
                "recorded_after_days": max(0, (dimensions.local_date(row.created_at) - row.arrival).days),
            })
            if len(batch) >= BATCH:
                self._write(FactStay, batch)
                self.on_progress("stays", stays_read)
                stays_read = 0
        self._write(FactStay, batch)
        self.on_progress("stays", stays_read)

        segments = (
            sa.select(StaySegment.stay_id, Stay.establishment_id, StaySegment.room_id,
                      StaySegment.start_date, StaySegment.end_date)
            .join(Stay, Stay.id == StaySegment.stay_id)
            .where(Stay.status != "cancelled", Stay.departure > Stay.arrival,
                   StaySegment.end_date > StaySegment.start_date, self._changed_filter())
            .execution_options(yield_per=BATCH)
        )
        batch = []
        for row in db.session.execute(segments):
            batch.append(row._asdict())
            if len(batch) >= BATCH:
                self._write(StayRoomSegment, batch)
        self._write(StayRoomSegment, batch)
        return countries

    def _write(self, model, rows: list[dict]) -> None:
        if rows:
            execute(sa.insert(model), rows)
            self.run.rows_written += len(rows)
            rows.clear()

    def copy_closed_periods(self) -> None:
        """Replace the copy of closures and rooms out of service: small, and never dated by an update."""
        execute(sa.delete(ClosedPeriod))
        rows = [
            {"establishment_id": row.establishment_id, "room_id": None, "bed_places": 0,
             "start_date": row.start_date, "end_date": row.end_date}
            for row in db.session.scalars(sa.select(EstablishmentClosure))
        ]
        rows += [
            {"establishment_id": row.establishment_id, "room_id": row.room_id,
             "bed_places": row.single_beds + 2 * row.double_beds,
             "start_date": row.start_date, "end_date": row.end_date}
            for row in db.session.execute(
                sa.select(Room.establishment_id, RoomOutOfService.room_id, Room.single_beds, Room.double_beds,
                          RoomOutOfService.start_date, RoomOutOfService.end_date)
                .join(Room, Room.id == RoomOutOfService.room_id).where(Room.active)
            )
        ]
        self._write(ClosedPeriod, rows)

    def first_days(self) -> dict[int, date]:
        """Return each counted establishment's first day in the statistics."""
        first_arrivals = dict(db.session.execute(
            sa.select(Stay.establishment_id, sa.func.min(Stay.arrival))
            .where(Stay.status != "cancelled").group_by(Stay.establishment_id)
        ).all())
        days = {}
        for establishment_id, created_at in db.session.execute(
            sa.select(Establishment.id, Establishment.created_at)
            .where(Establishment.status.in_(dimensions.COUNTED_STATUSES))
        ):
            created = dimensions.local_date(created_at)
            arrival = first_arrivals.get(establishment_id)
            days[establishment_id] = min(created, arrival) if arrival else created
        return days

    def write_windows(self, first_days: dict[int, date]) -> int:
        """Store the windows to recompute, with the look-back for every establishment; return their count."""
        if self.run.full:
            self.windows = {}
            for establishment_id, first in first_days.items():
                self._widen(establishment_id, first, self.as_of)
        else:
            # Back far enough for late edits, closures and rooms, and for nights that passed since the last run.
            start = min(self.as_of - self.lookback, self.previous.as_of or self.as_of)
            for establishment_id in first_days:
                self._widen(establishment_id, start, self.as_of)
        execute(sa.delete(RefreshWindow))
        rows = []
        for establishment_id, window in self.windows.items():
            first = first_days.get(establishment_id)
            if first is None or window.end < window.start:
                continue  # not counted (pending, rejected), or nothing before as_of
            first = max(first, window.start)
            rows.append({
                "establishment_id": establishment_id, "start_date": window.start, "end_date": window.end,
                "first_day": first, "scan_from": window.start - LONGEST_STAY,
            })
        if rows:
            execute(sa.insert(RefreshWindow), rows)
        return len(rows)

    def recompute(self) -> None:
        """Rebuild the daily facts and the monthly rollups inside the windows."""
        for model, column in (
            (FactEstablishmentDay, FactEstablishmentDay.day), (MonthlyEstablishment, MonthlyEstablishment.month),
            (MonthlyGuests, MonthlyGuests.month),
        ):
            statement = sa.delete(model)
            if not self.run.full:
                statement = statement.where(sa.exists().where(
                    RefreshWindow.establishment_id == model.establishment_id, column >= RefreshWindow.start_date))
            self.run.rows_written += execute(statement).rowcount
        self.on_progress("steps", 1)
        self.run.rows_written += execute(sa.text(DAILY_FACTS), {"domestic": dimensions.DOMESTIC}).rowcount
        self.on_progress("steps", 1)
        self.run.rows_written += execute(sa.text(MONTHLY_ESTABLISHMENTS)).rowcount
        self.on_progress("steps", 1)
        execute(sa.delete(StageGuestMonth))
        execute(sa.text(STAGE_GUESTS))
        for dimension in GUEST_DIMENSIONS:
            statement = MONTHLY_GUESTS.format(value=GUEST_VALUES[dimension])
            self.run.rows_written += execute(
                sa.text(statement), {"dimension": dimension, "domestic": dimensions.DOMESTIC}
            ).rowcount
        self.run.rows_written += self.sum_guests_by_place()
        execute(sa.delete(StageGuestMonth))
        execute(sa.delete(RefreshWindow))
        self.on_progress("steps", 1)

    def sum_guests_by_place(self) -> int:
        """Sum the guest rollup over establishments, at every level of place, for the months recomputed."""
        # A month's sums cover all establishments, so every month from the earliest window's
        # start is summed again; all of them on a full run, or when the table is new and empty.
        start = execute(sa.select(sa.func.min(RefreshWindow.start_date))).scalar()
        if self.run.full or execute(sa.select(GuestsByPlace.id).limit(1)).first() is None:
            start = BEGINNING
        if start is None:
            return 0
        written = execute(sa.delete(GuestsByPlace).where(GuestsByPlace.month >= start)).rowcount
        for level in LEVELS:
            kept = [column if level & bit else f"CAST(NULL AS {kind})" for bit, column, kind in (
                (LEVEL_AREA, "area_key", "INTEGER"), (LEVEL_KIND, "kind", "VARCHAR(20)"),
                (LEVEL_CLASS, "star_class", "INTEGER"))]
            grouped = "".join(f", {column}" for column in kept if not column.startswith("CAST"))
            statement = GUESTS_BY_PLACE.format(area=kept[0], kind=kept[1], star_class=kept[2], grouped=grouped)
            written += execute(sa.text(statement), {"level": level, "start": start}).rowcount
        return written


# Every establishment-day in the windows, its capacity from the establishment version of that day,
# less closures and rooms out of service, and what was used that day. Guest-nights are a running
# sum of guests checking in (+) and out (−): linear in the stays, where expanding every guest into
# nights and grouping them again would cost a sort of every guest-night.
DAILY_FACTS = """
INSERT INTO fact_establishment_day (establishment_id, day, establishment_key, area_key, is_open,
    rooms_available, bed_places_available, rooms_occupied, guest_nights, arrivals, same_day,
    domestic_nights, domestic_arrivals, domestic_same_day)
SELECT w.establishment_id, d.day, e.establishment_key, a.area_key,
    CASE WHEN closed.day IS NULL THEN TRUE ELSE FALSE END,
    CASE WHEN closed.day IS NULL THEN e.rooms - COALESCE(repairs.rooms, 0) ELSE 0 END,
    CASE WHEN closed.day IS NULL THEN e.bed_places - COALESCE(repairs.bed_places, 0) ELSE 0 END,
    COALESCE(used.rooms_occupied, 0),
    SUM(COALESCE(moves.guests, 0)) OVER (PARTITION BY w.establishment_id ORDER BY d.day
                                         ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
    COALESCE(came.arrivals, 0), COALESCE(came.same_day, 0),
    SUM(COALESCE(moves.domestic, 0)) OVER (PARTITION BY w.establishment_id ORDER BY d.day
                                           ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
    COALESCE(came.domestic_arrivals, 0), COALESCE(came.domestic_same_day, 0)
FROM refresh_window w
JOIN dim_date d ON d.day >= w.first_day AND d.day <= w.end_date
JOIN dim_establishment e ON e.establishment_id = w.establishment_id
    AND d.day >= e.valid_from AND d.day <= e.valid_to
LEFT JOIN dim_area a ON a.area_id = e.area_id AND d.day >= a.valid_from AND d.day <= a.valid_to
LEFT JOIN (
    SELECT DISTINCT p.establishment_id, cd.day
    FROM closed_period p JOIN dim_date cd ON cd.day >= p.start_date AND cd.day <= p.end_date
    WHERE p.room_id IS NULL
) closed ON closed.establishment_id = w.establishment_id AND closed.day = d.day
LEFT JOIN (
    SELECT r.establishment_id, r.day, COUNT(*) AS rooms, SUM(r.bed_places) AS bed_places
    FROM (
        SELECT DISTINCT p.establishment_id, p.room_id, p.bed_places, rd.day
        FROM closed_period p JOIN dim_date rd ON rd.day >= p.start_date AND rd.day <= p.end_date
        WHERE p.room_id IS NOT NULL
    ) r GROUP BY r.establishment_id, r.day
) repairs ON repairs.establishment_id = w.establishment_id AND repairs.day = d.day
LEFT JOIN (
    SELECT s.establishment_id, sd.day, COUNT(DISTINCT s.room_id) AS rooms_occupied
    FROM refresh_window sw
    JOIN stay_room_segment s ON s.establishment_id = sw.establishment_id
        AND s.start_date >= sw.scan_from AND s.end_date > sw.first_day
    CROSS JOIN dim_date sd
    WHERE sd.day >= s.start_date AND sd.day < s.end_date AND sd.day >= sw.first_day AND sd.day <= sw.end_date
    GROUP BY s.establishment_id, sd.day
) used ON used.establishment_id = w.establishment_id AND used.day = d.day
LEFT JOIN (
    -- In on the arrival day (or on the window's first day for those already there), out on departure.
    -- Three plain column selects, not one CASE: SQLite indexes the result only by typed columns.
    SELECT m.establishment_id, m.day, SUM(m.guests) AS guests, SUM(m.domestic) AS domestic
    FROM (
        SELECT f.establishment_id, f.arrival AS day,
            COUNT(*) AS guests, SUM(CASE WHEN f.residence = :domestic THEN 1 ELSE 0 END) AS domestic
        FROM refresh_window iw
        JOIN fact_stay f ON f.establishment_id = iw.establishment_id
            AND f.arrival >= iw.first_day AND f.arrival <= iw.end_date AND f.nights > 0
        GROUP BY f.establishment_id, f.arrival
        UNION ALL
        SELECT f.establishment_id, bw.first_day, COUNT(*), SUM(CASE WHEN f.residence = :domestic THEN 1 ELSE 0 END)
        FROM refresh_window bw
        JOIN fact_stay f ON f.establishment_id = bw.establishment_id
            AND f.arrival >= bw.scan_from AND f.arrival < bw.first_day AND f.departure > bw.first_day
        GROUP BY f.establishment_id, bw.first_day
        UNION ALL
        SELECT f.establishment_id, f.departure, -COUNT(*), -SUM(CASE WHEN f.residence = :domestic THEN 1 ELSE 0 END)
        FROM refresh_window ow
        JOIN fact_stay f ON f.establishment_id = ow.establishment_id
            AND f.arrival >= ow.scan_from AND f.departure > ow.first_day AND f.departure <= ow.end_date
            AND f.nights > 0
        GROUP BY f.establishment_id, f.departure
    ) m
    GROUP BY m.establishment_id, m.day
) moves ON moves.establishment_id = w.establishment_id AND moves.day = d.day
LEFT JOIN (
    SELECT f.establishment_id, f.arrival AS day,
        SUM(CASE WHEN f.nights > 0 THEN 1 ELSE 0 END) AS arrivals,
        SUM(CASE WHEN f.nights = 0 THEN 1 ELSE 0 END) AS same_day,
        SUM(CASE WHEN f.nights > 0 AND f.residence = :domestic THEN 1 ELSE 0 END) AS domestic_arrivals,
        SUM(CASE WHEN f.nights = 0 AND f.residence = :domestic THEN 1 ELSE 0 END) AS domestic_same_day
    FROM refresh_window aw
    JOIN fact_stay f ON f.establishment_id = aw.establishment_id
        AND f.arrival >= aw.first_day AND f.arrival <= aw.end_date
    GROUP BY f.establishment_id, f.arrival
) came ON came.establishment_id = w.establishment_id AND came.day = d.day
"""

MONTHLY_ESTABLISHMENTS = """
INSERT INTO agg_establishment_month (month, establishment_key, establishment_id, area_key, kind, star_class,
    arrivals, same_day, nights, domestic_arrivals, domestic_nights, domestic_same_day, days, days_open,
    room_days_available, rooms_occupied, bed_days_available)
SELECT d.month, f.establishment_key, f.establishment_id, f.area_key, e.kind, e.star_class,
    SUM(f.arrivals), SUM(f.same_day), SUM(f.guest_nights), SUM(f.domestic_arrivals), SUM(f.domestic_nights),
    SUM(f.domestic_same_day), COUNT(*), SUM(CASE WHEN f.is_open THEN 1 ELSE 0 END),
    SUM(f.rooms_available), SUM(f.rooms_occupied), SUM(f.bed_places_available)
FROM refresh_window w
JOIN fact_establishment_day f ON f.establishment_id = w.establishment_id AND f.day >= w.start_date
JOIN dim_date d ON d.day = f.day
JOIN dim_establishment e ON e.establishment_key = f.establishment_key
GROUP BY d.month, f.establishment_key, f.establishment_id, f.area_key, e.kind, e.star_class
"""

# Arrivals in their arrival month, nights in the month each falls in, both under the establishment
# version of that day (which the daily facts carry).
STAGE_GUESTS = """
INSERT INTO stage_guest_month (month, establishment_key, residence, nationality, profile_key,
    arrivals, same_day, nights)
SELECT x.month, x.establishment_key, x.residence, x.nationality, x.profile_key,
    SUM(x.arrivals), SUM(x.same_day), SUM(x.nights)
FROM (
    SELECT d.month, ed.establishment_key, f.residence, f.nationality, f.profile_key,
        CASE WHEN f.nights > 0 THEN 1 ELSE 0 END AS arrivals,
        CASE WHEN f.nights = 0 THEN 1 ELSE 0 END AS same_day, 0 AS nights
    FROM refresh_window w
    JOIN fact_stay f ON f.establishment_id = w.establishment_id
        AND f.arrival >= w.start_date AND f.arrival <= w.end_date
    JOIN fact_establishment_day ed ON ed.establishment_id = f.establishment_id AND ed.day = f.arrival
    JOIN dim_date d ON d.day = f.arrival
    UNION ALL
    SELECT d.month, ed.establishment_key, f.residence, f.nationality, f.profile_key, 0, 0, 1
    FROM refresh_window w
    JOIN fact_stay f ON f.establishment_id = w.establishment_id
        AND f.arrival >= w.scan_from AND f.departure > w.start_date
    -- CROSS JOIN keeps SQLite's loops in this order (each stay, then its nights), which is linear;
    -- PostgreSQL plans it as the inner join it is.
    CROSS JOIN dim_date d
    JOIN fact_establishment_day ed ON ed.establishment_id = f.establishment_id AND ed.day = d.day
    WHERE d.day >= f.arrival AND d.day < f.departure AND d.day >= w.start_date AND d.day <= w.end_date
) x
GROUP BY x.month, x.establishment_key, x.residence, x.nationality, x.profile_key
"""

GUEST_VALUES = {
    "residence": "s.residence",
    "nationality": "s.nationality",
    "origin": "CASE WHEN s.residence = :domestic THEN 'domestic' ELSE 'international' END",
    "age_band": "p.age_band",
    "sex": "p.sex",
    "purpose": "p.purpose",
}

MONTHLY_GUESTS = """
INSERT INTO agg_guest_month (month, dimension, value, establishment_key, establishment_id, area_key, kind,
    star_class, arrivals, same_day, nights)
SELECT s.month, :dimension, {value}, s.establishment_key, e.establishment_id, m.area_key, e.kind, e.star_class,
    SUM(s.arrivals), SUM(s.same_day), SUM(s.nights)
FROM stage_guest_month s
JOIN dim_establishment e ON e.establishment_key = s.establishment_key
JOIN dim_guest_profile p ON p.profile_key = s.profile_key
JOIN agg_establishment_month m ON m.month = s.month AND m.establishment_key = s.establishment_key
GROUP BY s.month, {value}, s.establishment_key, e.establishment_id, m.area_key, e.kind, e.star_class
"""

# Rows that count nobody are left out, so every establishment in a row contributed to it.
GUESTS_BY_PLACE = """
INSERT INTO agg_guest_place_month (level, month, dimension, value, area_key, kind, star_class,
    arrivals, same_day, nights, establishments, first_establishment_id, last_establishment_id)
SELECT :level, month, dimension, value, {area}, {kind}, {star_class},
    SUM(arrivals), SUM(same_day), SUM(nights),
    COUNT(DISTINCT establishment_id), MIN(establishment_id), MAX(establishment_id)
FROM agg_guest_month
WHERE month >= :start AND arrivals + same_day + nights > 0
GROUP BY month, dimension, value{grouped}
"""


def last_run(status: str = "succeeded") -> RefreshRun | None:
    """Return the newest run with this status."""
    return db.session.scalar(
        sa.select(RefreshRun).where(RefreshRun.status == status).order_by(RefreshRun.id.desc()).limit(1)
    )


def refresh(
    full: bool = False, as_of: date | None = None, on_progress: Progress | None = None,
    on_start: Callable[[int], None] | None = None,
) -> RefreshRun:
    """Bring the warehouse up to date with the lodging tables, in one transaction; return the run."""
    as_of = as_of or services.today()
    started = time.perf_counter()
    try:
        _lock()
        previous = last_run()
        run = RefreshRun(full=full or previous is None, as_of=as_of, status="running")
        high_water = db.session.scalar(sa.select(sa.func.max(Stay.updated_at)))
        if not run.full:
            # A correction, however late, moves its stay's updated_at. A transaction that committed
            # after the last run began may carry an earlier timestamp (and app servers' clocks
            # differ a little), so the margin reads the last changes before it again.
            run.changed_since = previous.started_at - commit_margin()
        run.source_high_water = high_water
        db.session.add(run)
        work = Refresh(run, previous, as_of, on_progress)
        run.stays_read = work.count_changed()
        if on_start:
            on_start(run.stays_read)
        first_days = work.first_days()
        earliest = min(first_days.values(), default=as_of)
        dimensions.ensure_dates(earliest - LONGEST_STAY, as_of + timedelta(days=LONGEST_STAY.days))
        dimensions.sync_areas()
        dimensions.sync_establishments(as_of)
        copying = time.perf_counter()
        work.forget_changed()
        dimensions.ensure_countries(work.load_changed())
        work.copy_closed_periods()
        work.write_windows(first_days)
        recomputing = time.perf_counter()
        work.recompute()
        run.rows_written += _load_site_visits(run, previous, as_of)
        # Where the time went: copying rows out of lodging, or recomputing inside the warehouse.
        run.message = (f"stays copied in {recomputing - copying:.1f} s, days and months recomputed in "
                       f"{time.perf_counter() - recomputing:.1f} s")
        run.status = "succeeded"
        run.finished_at = utcnow()
        run.seconds = round(time.perf_counter() - started, 3)
        db.session.commit()
        return run
    except RefreshLocked:
        db.session.rollback()
        raise
    except OperationalError as error:
        db.session.rollback()
        if "locked" in str(error).lower():
            raise RefreshLocked from error
        _record_failure(full, as_of, started, error)
        raise
    except Exception as error:
        db.session.rollback()
        _record_failure(full, as_of, started, error)
        raise


def commit_margin() -> timedelta:
    """Return how long before the last run began changed rows are read again."""
    return timedelta(minutes=current_app.config["WAREHOUSE_COMMIT_MARGIN_MINUTES"])


def _load_site_visits(run: RefreshRun, previous: RefreshRun | None, as_of: date) -> int:
    from tourism.warehouse import visits

    if run.full:
        return visits.load(None, as_of)
    return visits.load(previous.started_at - commit_margin(), as_of)


def _record_failure(full: bool, as_of: date, started: float, error: Exception) -> None:
    try:
        db.session.add(RefreshRun(
            full=full, as_of=as_of, status="failed", finished_at=utcnow(),
            seconds=round(time.perf_counter() - started, 3), message=str(error)[:500],
        ))
        db.session.commit()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()  # the warehouse itself is unreachable; the error above says why
