"""Lodging: establishments, rooms, stays and their guests, declarations, tokens and reports."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tourism.core.database import UTCDateTime, utcnow
from tourism.core.tokens import BearerTokenMixin
from tourism.extensions import db

ESTABLISHMENT_KINDS = ("hotel", "resort", "homestay", "villa", "guesthouse", "hostel", "apartment")
ESTABLISHMENT_STATUSES = ("pending", "approved", "rejected", "suspended")
ROOM_TYPES = ("single", "double", "twin", "triple", "family", "dorm", "suite")
STAY_STATUSES = ("in_house", "checked_out", "cancelled")
STAY_SOURCES = ("desk", "api", "import", "demo")
SEXES = ("F", "M", "X")
DOCUMENT_TYPES = ("national_id", "passport")
# Purposes of the trip, as the monthly report and UNWTO's IRTS 2008 group them.
PURPOSES = ("leisure", "business", "visiting", "conference", "education", "health", "religion", "transit", "other")
DECLARATION_STATUSES = ("pending", "sent", "failed")
REPORT_STATUSES = ("draft", "submitted")


def _in(values: tuple[str, ...]) -> str:
    return "IN (" + ", ".join(f"'{value}'" for value in values) + ")"


class Establishment(db.Model):
    """A licensed place to stay; its staff and manager accounts are bound to it."""

    __table_args__ = (
        sa.CheckConstraint(f"kind {_in(ESTABLISHMENT_KINDS)}", name="kind"),
        sa.CheckConstraint(f"status {_in(ESTABLISHMENT_STATUSES)}", name="status"),
        sa.CheckConstraint("star_class IS NULL OR star_class BETWEEN 1 AND 5", name="star_class"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(20), default="hotel", index=True)
    star_class: Mapped[int | None]
    licence_number: Mapped[str | None] = mapped_column(sa.String(40))
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    area_id: Mapped[int | None] = mapped_column(sa.ForeignKey("area.id"), index=True)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    website: Mapped[str] = mapped_column(sa.String(300), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # What the manager declared at registration; the rooms table is the truth once filled in.
    declared_rooms: Mapped[int] = mapped_column(default=0)
    declared_bed_places: Mapped[int] = mapped_column(default=0)
    # Typical price of a room-night in VND, for the directory's price bands.
    price_from: Mapped[int | None]
    step_free: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(sa.String(20), default="pending", index=True)
    status_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Bumped by every check-in: the row lock that serialises one establishment's front desk.
    lock_version: Mapped[int] = mapped_column(default=0)

    area = relationship("Area", lazy="joined")
    rooms: Mapped[list["Room"]] = relationship(
        back_populates="establishment", order_by="Room.number", cascade="all, delete-orphan"
    )
    closures: Mapped[list["EstablishmentClosure"]] = relationship(
        back_populates="establishment", order_by="EstablishmentClosure.start_date", cascade="all, delete-orphan"
    )

    @property
    def approved(self) -> bool:
        return self.status == "approved"

    def __str__(self) -> str:
        return self.name


class EstablishmentClosure(db.Model):
    """A period the establishment is closed (seasonal closure, renovation); both dates included."""

    __table_args__ = (sa.CheckConstraint("end_date >= start_date", name="dates"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    establishment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("establishment.id", ondelete="CASCADE"), index=True
    )
    start_date: Mapped[date]
    end_date: Mapped[date]
    reason: Mapped[str] = mapped_column(sa.String(200), default="")
    establishment: Mapped[Establishment] = relationship(back_populates="closures")


class Room(db.Model):
    """A room with its beds; a single bed is one bed-place, a double bed two."""

    __table_args__ = (
        sa.UniqueConstraint("establishment_id", "number"),
        sa.CheckConstraint(f"room_type {_in(ROOM_TYPES)}", name="room_type"),
        sa.CheckConstraint("single_beds >= 0 AND double_beds >= 0", name="beds"),
        sa.CheckConstraint("capacity >= 1", name="capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    establishment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("establishment.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[str] = mapped_column(sa.String(20))
    room_type: Mapped[str] = mapped_column(sa.String(20), default="double")
    single_beds: Mapped[int] = mapped_column(default=0)
    double_beds: Mapped[int] = mapped_column(default=1)
    # Most guests who may sleep there on one night (cots and children included).
    capacity: Mapped[int] = mapped_column(default=2)
    active: Mapped[bool] = mapped_column(default=True)

    establishment: Mapped[Establishment] = relationship(back_populates="rooms")
    out_of_service: Mapped[list["RoomOutOfService"]] = relationship(
        back_populates="room", order_by="RoomOutOfService.start_date", cascade="all, delete-orphan"
    )

    @property
    def bed_places(self) -> int:
        return self.single_beds + 2 * self.double_beds

    def __str__(self) -> str:
        return self.number


class RoomOutOfService(db.Model):
    """A period a room cannot be sold (repairs); both dates included."""

    __tablename__ = "room_out_of_service"
    __table_args__ = (sa.CheckConstraint("end_date >= start_date", name="dates"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("room.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[date]
    end_date: Mapped[date]
    reason: Mapped[str] = mapped_column(sa.String(200), default="")
    room: Mapped[Room] = relationship(back_populates="out_of_service")


class Stay(db.Model):
    """One booking of a room by one or more guests, from arrival to departure.

    Nights are the dates from `arrival` up to but excluding `departure`; a stay whose departure
    is its arrival is a same-day stay (no night). A room change splits the stay into segments.
    """

    __table_args__ = (
        sa.CheckConstraint("departure >= arrival", name="dates"),
        sa.CheckConstraint(f"status {_in(STAY_STATUSES)}", name="status"),
        sa.CheckConstraint(f"source {_in(STAY_SOURCES)}", name="source"),
        sa.Index("ix_stay_establishment_dates", "establishment_id", "arrival", "departure"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    establishment_id: Mapped[int] = mapped_column(sa.ForeignKey("establishment.id"), index=True)
    # The room now (or last); the segments say which room each night was in.
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("room.id"), index=True)
    arrival: Mapped[date]
    departure: Mapped[date]
    status: Mapped[str] = mapped_column(sa.String(20), default="in_house", index=True)
    group_name: Mapped[str] = mapped_column(sa.String(120), default="")
    source: Mapped[str] = mapped_column(sa.String(10), default="desk")
    # When the guests really arrived (the declaration's deadline follows it).
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, index=True)

    establishment: Mapped[Establishment] = relationship()
    room: Mapped[Room] = relationship()
    guests: Mapped[list["Guest"]] = relationship(
        back_populates="stay", order_by="Guest.position", cascade="all, delete-orphan"
    )
    segments: Mapped[list["StaySegment"]] = relationship(
        back_populates="stay", order_by="StaySegment.start_date", cascade="all, delete-orphan"
    )

    @property
    def same_day(self) -> bool:
        return self.arrival == self.departure

    @property
    def nights(self) -> int:
        return (self.departure - self.arrival).days


class StaySegment(db.Model):
    """The nights of a stay spent in one room: from `start_date` up to `end_date` (excluded)."""

    __tablename__ = "stay_segment"
    __table_args__ = (
        sa.CheckConstraint("end_date >= start_date", name="dates"),
        sa.Index("ix_stay_segment_room_dates", "room_id", "start_date", "end_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stay_id: Mapped[int] = mapped_column(sa.ForeignKey("stay.id", ondelete="CASCADE"), index=True)
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("room.id"))
    start_date: Mapped[date]
    end_date: Mapped[date]

    stay: Mapped[Stay] = relationship(back_populates="segments")
    room: Mapped[Room] = relationship()


class Guest(db.Model):
    """A person staying: the fields the Residence Law and the monthly report need, nothing more.

    The document number is stored encrypted (AES-GCM with DATA_KEY), with a keyed hash for
    lookups and its last three characters for masked lists. After the retention period the
    personal fields are purged and only the statistical ones remain.
    """

    __table_args__ = (
        sa.CheckConstraint(f"sex {_in(SEXES)}", name="sex"),
        sa.CheckConstraint(f"document_type {_in(DOCUMENT_TYPES)}", name="document_type"),
        sa.CheckConstraint(f"purpose {_in(PURPOSES)}", name="purpose"),
        sa.Index("ix_guest_establishment_document", "establishment_id", "document_index"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stay_id: Mapped[int] = mapped_column(sa.ForeignKey("stay.id", ondelete="CASCADE"), index=True)
    # Copied from the stay so that every lookup can be scoped to one establishment cheaply.
    establishment_id: Mapped[int] = mapped_column(sa.ForeignKey("establishment.id"))
    position: Mapped[int] = mapped_column(default=0)
    # Personal fields: NULL once purged.
    full_name: Mapped[str | None] = mapped_column(sa.String(200))
    # Folded copy of the name (see core.text.fold) for accent-insensitive register search.
    name_search: Mapped[str | None] = mapped_column(sa.String(200), index=True)
    birth_date: Mapped[date | None]
    document_ciphertext: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    document_index: Mapped[str | None] = mapped_column(sa.String(64))
    document_last3: Mapped[str | None] = mapped_column(sa.String(3))
    # Statistical fields: kept after the purge.
    birth_year: Mapped[int]
    sex: Mapped[str] = mapped_column(sa.String(1))
    nationality: Mapped[str] = mapped_column(sa.String(2))
    residence_country: Mapped[str] = mapped_column(sa.String(2))
    document_type: Mapped[str] = mapped_column(sa.String(20))
    purpose: Mapped[str] = mapped_column(sa.String(20), default="leisure")
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    stay: Mapped[Stay] = relationship(back_populates="guests")

    @property
    def masked_document(self) -> str:
        if not self.document_last3:
            return ""
        return "•••••" + self.document_last3

    @property
    def domestic(self) -> bool:
        return self.residence_country == "VN"


class Declaration(db.Model):
    """The police residence declaration of one stay's arrival, waiting in the outbox or sent."""

    __table_args__ = (sa.CheckConstraint(f"status {_in(DECLARATION_STATUSES)}", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    establishment_id: Mapped[int] = mapped_column(sa.ForeignKey("establishment.id"), index=True)
    stay_id: Mapped[int] = mapped_column(sa.ForeignKey("stay.id", ondelete="CASCADE"), unique=True)
    # Sent as Idempotency-Key, so a retry after a lost answer is not a second declaration.
    idempotency_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="pending", index=True)
    # Residence Law: by 23:00 on the arrival day, or by 08:00 next day for arrivals after 23:00.
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    # The police system's reference for the accepted declaration.
    reference: Mapped[str] = mapped_column(sa.String(100), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    stay: Mapped[Stay] = relationship()


class ApiToken(BearerTokenMixin, db.Model):
    """A bearer token for an establishment's property-management software; only its hash is kept."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    establishment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("establishment.id", ondelete="CASCADE"), index=True
    )

    establishment: Mapped[Establishment] = relationship()


class IdempotencyRecord(db.Model):
    """A request made with an Idempotency-Key, and the answer a retry of it gets."""

    __tablename__ = "idempotency_record"
    __table_args__ = (sa.UniqueConstraint("establishment_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    establishment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("establishment.id", ondelete="CASCADE")
    )
    key: Mapped[str] = mapped_column(sa.String(255))
    # SHA-256 of method, path and body: the same key with another request is refused.
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    response_status: Mapped[int | None]
    response_body: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MonthlyReport(db.Model):
    """An establishment's statistics report for one month, as submitted (Circular 18/2021)."""

    __tablename__ = "monthly_report"
    __table_args__ = (
        sa.UniqueConstraint("establishment_id", "month"),
        sa.CheckConstraint(f"status {_in(REPORT_STATUSES)}", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    establishment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("establishment.id", ondelete="CASCADE"), index=True
    )
    month: Mapped[date]  # the first day of the month
    status: Mapped[str] = mapped_column(sa.String(10), default="draft")
    # The figures as submitted, so later corrections to the register do not rewrite them.
    figures: Mapped[dict] = mapped_column(sa.JSON)
    note: Mapped[str] = mapped_column(sa.String(1000), default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))

    establishment: Mapped[Establishment] = relationship()


class ImportJob(db.Model):
    """An uploaded CSV or XLSX file of stays: validated, previewed, then committed all or nothing."""

    __tablename__ = "import_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    establishment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("establishment.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(sa.String(200))
    # Where the upload waits under instance/imports/ until it is committed or discarded.
    stored_path: Mapped[str] = mapped_column(sa.String(300))
    # validating, invalid, ready, importing, done, failed, discarded
    status: Mapped[str] = mapped_column(sa.String(12), default="validating")
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_done: Mapped[int] = mapped_column(default=0)
    error_count: Mapped[int] = mapped_column(default=0)
    # The first errors, row by row: [{"row": 7, "field": "birth_date", "message": "…"}].
    errors: Mapped[list | None] = mapped_column(sa.JSON(none_as_null=True))
    stays_created: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
