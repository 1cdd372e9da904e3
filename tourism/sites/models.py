"""Ticketed tourist sites, their daily visit counts and their API tokens."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tourism.core.database import UTCDateTime, utcnow
from tourism.core.tokens import BearerTokenMixin
from tourism.extensions import db
from tourism.portal.models import Area, Place

SITE_KINDS = ("nature", "heritage", "park", "attraction", "religious", "other")
VISIT_SOURCES = ("form", "csv", "api", "demo")


def _in(values: tuple[str, ...]) -> str:
    return "IN (" + ", ".join(f"'{value}'" for value in values) + ")"


class Site(db.Model):
    """A ticketed tourist site whose manager reports daily visits."""

    __table_args__ = (sa.CheckConstraint(f"kind {_in(SITE_KINDS)}", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(20), default="attraction")
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("area.id", ondelete="RESTRICT"), index=True)
    # Many sites are also portal places; the link lets pages and the warehouse join them.
    place_id: Mapped[int | None] = mapped_column(sa.ForeignKey("place.id", ondelete="SET NULL"), index=True)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    area: Mapped[Area] = relationship(lazy="joined")
    place: Mapped[Place | None] = relationship()

    def __repr__(self) -> str:
        return f"<Site {self.slug}>"


class SiteVisitDay(db.Model):
    """One site's visits on one day, as its manager reported them (a correction replaces the row)."""

    __tablename__ = "site_visit_day"
    __table_args__ = (
        sa.UniqueConstraint("site_id", "day"),
        sa.CheckConstraint("international_visitors >= 0 AND international_visitors <= visitors",
                           name="international"),
        sa.CheckConstraint("revenue >= 0", name="revenue"),
        sa.CheckConstraint(f"source {_in(VISIT_SOURCES)}", name="source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(sa.Date)
    visitors: Mapped[int]
    international_visitors: Mapped[int]
    # Ticket revenue in đồng: a busy day passes 2^31, hence 64 bits.
    revenue: Mapped[int] = mapped_column(sa.BigInteger)
    source: Mapped[str] = mapped_column(sa.String(10))
    reported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The warehouse refresh reads rows changed since its last run by this column.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, index=True)

    site: Mapped[Site] = relationship()


class SiteToken(BearerTokenMixin, db.Model):
    """A bearer token a site's ticketing software reports visits with; only its hash is kept."""

    __tablename__ = "site_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id", ondelete="CASCADE"), index=True)

    site: Mapped[Site] = relationship()
