"""The statistics warehouse: a star schema in its own database, loaded from the lodging tables.

No table here holds a name, a birth date or a document number: guests arrive as age bands,
sex, country of residence and nationality, and purpose.
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tourism.core.database import UTCDateTime, utcnow
from tourism.extensions import db

BIND = "warehouse"

# The day a dimension version that has always been true starts, and the open end of a current one.
BEGINNING = date(1900, 1, 1)
FOREVER = date(9999, 12, 31)


def execute(statement, parameters=None):
    """Run a Core statement on the warehouse's database, inside the session's transaction."""
    # Statements with no table of ours (text, a lock) do not say which bind they are for.
    return db.session.execute(statement, parameters, bind_arguments={"bind": db.engines[BIND]})


class DimDate(db.Model):
    """One calendar day with the holidays, Tết and festival periods that drive tourism."""

    __bind_key__ = BIND
    __tablename__ = "dim_date"

    day: Mapped[date] = mapped_column(primary_key=True)
    year: Mapped[int]
    quarter: Mapped[int]
    month: Mapped[date] = mapped_column(index=True)  # the first day of the month
    iso_weekday: Mapped[int]  # Monday 1 … Sunday 7
    is_weekend: Mapped[bool]
    holiday: Mapped[str | None] = mapped_column(sa.String(80))  # the public holiday's name, if any
    is_tet: Mapped[bool]  # inside the Tết holiday
    festival: Mapped[str | None] = mapped_column(sa.String(40))  # a festival period's code, if any
    season: Mapped[str] = mapped_column(sa.String(10))  # tet, summer, festival or regular


class DimArea(db.Model):
    """A ward or commune, versioned: before July 2025 it belonged to a district of a former province."""

    __bind_key__ = BIND
    __tablename__ = "dim_area"
    __table_args__ = (sa.UniqueConstraint("area_id", "valid_from"),)

    area_key: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(index=True)  # the portal's Area
    slug: Mapped[str] = mapped_column(sa.String(80))
    name: Mapped[str] = mapped_column(sa.String(120))
    locality: Mapped[str] = mapped_column(sa.String(80))  # the locality's slug: Đà Lạt, Mũi Né…
    # The administrative unit the figures belonged to in this version: the ward itself after the
    # merger, its former district (town, city) before it.
    unit: Mapped[str] = mapped_column(sa.String(120))
    former_province: Mapped[str] = mapped_column(sa.String(40))  # lam-dong, binh-thuan, dak-nong
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    valid_from: Mapped[date]
    valid_to: Mapped[date]


class DimEstablishment(db.Model):
    """An establishment as it was over a period: a type-2 slowly changing dimension."""

    __bind_key__ = BIND
    __tablename__ = "dim_establishment"
    __table_args__ = (
        sa.UniqueConstraint("establishment_id", "valid_from"),
        sa.Index("ix_dim_establishment_validity", "establishment_id", "valid_from", "valid_to"),
    )

    establishment_key: Mapped[int] = mapped_column(primary_key=True)
    establishment_id: Mapped[int]  # the lodging Establishment, stable across versions
    slug: Mapped[str] = mapped_column(sa.String(80))
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(20))
    star_class: Mapped[int | None]
    area_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(sa.String(20))
    rooms: Mapped[int]  # active rooms
    bed_places: Mapped[int]
    declared_rooms: Mapped[int]
    declared_bed_places: Mapped[int]
    valid_from: Mapped[date]
    valid_to: Mapped[date]
    attributes_hash: Mapped[str] = mapped_column(sa.String(64))


class DimCountry(db.Model):
    """A country by ISO 3166-1 code, used for both residence and nationality."""

    __bind_key__ = BIND
    __tablename__ = "dim_country"

    code: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    region: Mapped[str] = mapped_column(sa.String(40))  # UNWTO region
    subregion: Mapped[str] = mapped_column(sa.String(40))
    is_domestic: Mapped[bool]


class DimGuestProfile(db.Model):
    """An age band, a sex and a purpose of visit: what the warehouse knows of a person."""

    __bind_key__ = BIND
    __tablename__ = "dim_guest_profile"
    __table_args__ = (sa.UniqueConstraint("age_band", "sex", "purpose"),)

    profile_key: Mapped[int] = mapped_column(primary_key=True)
    age_band: Mapped[str] = mapped_column(sa.String(10))
    sex: Mapped[str] = mapped_column(sa.String(1))
    purpose: Mapped[str] = mapped_column(sa.String(20))


class FactStay(db.Model):
    """One guest's stay: who (by profile and country), where, when and for how many nights."""

    __bind_key__ = BIND
    __tablename__ = "fact_stay"
    __table_args__ = (
        sa.UniqueConstraint("stay_id", "position"),
        sa.Index("ix_fact_stay_establishment_dates", "establishment_id", "arrival", "departure"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stay_id: Mapped[int]  # the lodging stay, so that a changed stay replaces its rows
    position: Mapped[int]  # the guest's place in the stay
    establishment_id: Mapped[int]
    arrival: Mapped[date]
    departure: Mapped[date]
    nights: Mapped[int]
    residence: Mapped[str] = mapped_column(sa.String(2))
    nationality: Mapped[str] = mapped_column(sa.String(2))
    profile_key: Mapped[int]
    # Days between arrival and the stay being recorded: the data-quality page's "late data".
    recorded_after_days: Mapped[int]


class StayRoomSegment(db.Model):
    """The nights a stay spent in one room, for rooms occupied (no guest data)."""

    __bind_key__ = BIND
    __tablename__ = "stay_room_segment"
    __table_args__ = (sa.Index("ix_stay_room_segment_establishment", "establishment_id", "start_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stay_id: Mapped[int] = mapped_column(index=True)
    establishment_id: Mapped[int]
    room_id: Mapped[int]
    start_date: Mapped[date]
    end_date: Mapped[date]  # exclusive: the morning the stay left the room


class ClosedPeriod(db.Model):
    """Days an establishment was closed, or a room out of service, copied from lodging each refresh."""

    __bind_key__ = BIND
    __tablename__ = "closed_period"

    id: Mapped[int] = mapped_column(primary_key=True)
    establishment_id: Mapped[int] = mapped_column(index=True)
    room_id: Mapped[int | None]  # None: the whole establishment
    bed_places: Mapped[int]  # the room's bed places; 0 for a whole establishment
    start_date: Mapped[date]
    end_date: Mapped[date]  # inclusive


class FactEstablishmentDay(db.Model):
    """One establishment on one day: capacity, whether open, and what was used."""

    __bind_key__ = BIND
    __tablename__ = "fact_establishment_day"
    __table_args__ = (sa.Index("ix_fact_establishment_day_day", "day"),)

    establishment_id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    establishment_key: Mapped[int]
    area_key: Mapped[int | None]
    is_open: Mapped[bool]
    rooms_available: Mapped[int]
    bed_places_available: Mapped[int]
    rooms_occupied: Mapped[int]
    guest_nights: Mapped[int]
    arrivals: Mapped[int]
    same_day: Mapped[int]
    domestic_nights: Mapped[int]
    domestic_arrivals: Mapped[int]
    domestic_same_day: Mapped[int]


class MonthlyEstablishment(db.Model):
    """A month of one establishment version: the rollup behind most of the dashboard."""

    __bind_key__ = BIND
    __tablename__ = "agg_establishment_month"
    __table_args__ = (sa.Index("ix_agg_establishment_month_month", "month", "area_key", "kind"),)

    month: Mapped[date] = mapped_column(primary_key=True)
    establishment_key: Mapped[int] = mapped_column(primary_key=True)
    establishment_id: Mapped[int]
    area_key: Mapped[int | None]
    kind: Mapped[str] = mapped_column(sa.String(20))
    star_class: Mapped[int | None]
    arrivals: Mapped[int]
    same_day: Mapped[int]
    nights: Mapped[int]
    domestic_arrivals: Mapped[int]
    domestic_nights: Mapped[int]
    domestic_same_day: Mapped[int]
    days: Mapped[int]
    days_open: Mapped[int]
    room_days_available: Mapped[int]
    rooms_occupied: Mapped[int]  # room-nights
    bed_days_available: Mapped[int]


class MonthlyGuests(db.Model):
    """A month of one establishment version's guests by one characteristic (residence, sex…)."""

    __bind_key__ = BIND
    __tablename__ = "agg_guest_month"
    __table_args__ = (sa.Index("ix_agg_guest_month_lookup", "dimension", "month"),)

    month: Mapped[date] = mapped_column(primary_key=True)
    dimension: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    establishment_key: Mapped[int] = mapped_column(primary_key=True)
    establishment_id: Mapped[int]
    area_key: Mapped[int | None]
    kind: Mapped[str] = mapped_column(sa.String(20))
    star_class: Mapped[int | None]
    arrivals: Mapped[int]
    same_day: Mapped[int]
    nights: Mapped[int]


# Levels of GuestsByPlace: which place attributes a row keeps (a bit each); the others are summed over.
LEVEL_AREA, LEVEL_KIND, LEVEL_CLASS = 1, 2, 4
LEVELS = range(8)


class GuestsByPlace(db.Model):
    """A month's guests by one characteristic, summed over establishments to a level of place.

    The open data and the dashboard ask by residence and area and type far more often than by
    establishment; these rows answer without reading one row per establishment. Each row says
    which of area, type and class it keeps (`level`, a bit each; the others are NULL and summed
    over) and how many establishments contributed, with the lowest and highest of their ids:
    enough to tell exactly whether a union of rows has fewer than 3 establishments (see
    `indicators.counted_establishments`), which is all the suppression rule needs.
    """

    __bind_key__ = BIND
    __tablename__ = "agg_guest_place_month"
    __table_args__ = (sa.Index("ix_agg_guest_place_month_lookup", "dimension", "level", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[int] = mapped_column(sa.SmallInteger)
    month: Mapped[date]
    dimension: Mapped[str] = mapped_column(sa.String(12))
    value: Mapped[str] = mapped_column(sa.String(20))
    area_key: Mapped[int | None]
    kind: Mapped[str | None] = mapped_column(sa.String(20))
    star_class: Mapped[int | None]
    arrivals: Mapped[int]
    same_day: Mapped[int]
    nights: Mapped[int]
    establishments: Mapped[int]
    first_establishment_id: Mapped[int]
    last_establishment_id: Mapped[int]


class RefreshWindow(db.Model):
    """Scratch: the days of each establishment that the running refresh recomputes."""

    __bind_key__ = BIND
    __tablename__ = "refresh_window"

    establishment_id: Mapped[int] = mapped_column(primary_key=True)
    start_date: Mapped[date]  # the first day of a month: whole months are recomputed
    end_date: Mapped[date]
    first_day: Mapped[date]  # the establishment's first day in the statistics, or start_date if later
    # Stays last at most 366 nights, so none that arrived before this reach into the window.
    scan_from: Mapped[date]


class StageGuestMonth(db.Model):
    """Scratch: the running refresh's guests by month and every characteristic at once."""

    __bind_key__ = BIND
    __tablename__ = "stage_guest_month"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date]
    establishment_key: Mapped[int]
    residence: Mapped[str] = mapped_column(sa.String(2))
    nationality: Mapped[str] = mapped_column(sa.String(2))
    profile_key: Mapped[int]
    arrivals: Mapped[int]
    same_day: Mapped[int]
    nights: Mapped[int]


class RefreshRun(db.Model):
    """One run of `warehouse refresh`: what it read and wrote, and how long it took."""

    __bind_key__ = BIND
    __tablename__ = "refresh_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(sa.String(12), default="running")  # running, succeeded, failed
    full: Mapped[bool] = mapped_column(default=False)
    as_of: Mapped[date | None]  # the last day the run counted
    # Stays changed at or after this moment were read; the next run reads from this run's start
    # (less a margin). `source_high_water` is the newest change this run saw.
    changed_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source_high_water: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stays_read: Mapped[int] = mapped_column(default=0)
    rows_written: Mapped[int] = mapped_column(default=0)
    seconds: Mapped[float] = mapped_column(default=0.0)
    message: Mapped[str] = mapped_column(sa.String(500), default="")


class DimSite(db.Model):
    """A ticketed tourist site (Langbiang, Datanla, the sand dunes…)."""

    __bind_key__ = BIND
    __tablename__ = "dim_site"

    site_id: Mapped[int] = mapped_column(primary_key=True)  # the sites package's Site
    slug: Mapped[str] = mapped_column(sa.String(80))
    name: Mapped[str] = mapped_column(sa.String(200))
    area_id: Mapped[int | None]
    locality: Mapped[str] = mapped_column(sa.String(80), default="")


class FactSiteDay(db.Model):
    """One site's visits on one day; never added to lodging guests, which would count people twice."""

    __bind_key__ = BIND
    __tablename__ = "fact_site_day"
    __table_args__ = (sa.Index("ix_fact_site_day_day", "day"),)

    site_id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    area_key: Mapped[int | None]
    visitors: Mapped[int]
    international_visitors: Mapped[int]
    revenue: Mapped[int] = mapped_column(sa.BigInteger)  # ticket revenue in đồng: billions a day
