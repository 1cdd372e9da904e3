"""Curated itineraries: ordered stops at portal places, in every language."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tourism.extensions import db
from tourism.portal.models import (
    DescribedTranslationMixin,
    Place,
    TranslatedMixin,
    keep_search_text,
    public_content,
)


@public_content
class Itinerary(TranslatedMixin, db.Model):
    """A route through several places, such as "Đà Lạt in a day"."""

    translated_fields = ("name", "summary", "description")

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    duration_days: Mapped[int] = mapped_column(default=1)

    translations: Mapped[list["ItineraryTranslation"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    stops: Mapped[list["ItineraryStop"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ItineraryStop.position"
    )


@public_content
class ItineraryTranslation(DescribedTranslationMixin, db.Model):
    __table_args__ = (sa.UniqueConstraint("itinerary_id", "locale"),)

    itinerary_id: Mapped[int] = mapped_column(sa.ForeignKey("itinerary.id", ondelete="CASCADE"), index=True)


@public_content
class ItineraryStop(TranslatedMixin, db.Model):
    """One stop of an itinerary, with a short note on what to do there."""

    __table_args__ = (sa.UniqueConstraint("itinerary_id", "position"),)
    translated_fields = ("note",)

    id: Mapped[int] = mapped_column(primary_key=True)
    itinerary_id: Mapped[int] = mapped_column(sa.ForeignKey("itinerary.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    place_id: Mapped[int] = mapped_column(sa.ForeignKey("place.id"), index=True)

    place: Mapped[Place] = relationship(lazy="joined")
    translations: Mapped[list["ItineraryStopTranslation"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )


@public_content
class ItineraryStopTranslation(db.Model):
    __table_args__ = (sa.UniqueConstraint("stop_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stop_id: Mapped[int] = mapped_column(sa.ForeignKey("itinerary_stop.id", ondelete="CASCADE"), index=True)
    locale: Mapped[str] = mapped_column(sa.String(8))
    note: Mapped[str] = mapped_column(sa.String(400), default="")


keep_search_text(ItineraryTranslation, ("name", "summary", "description"))
