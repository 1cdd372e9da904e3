"""Public content: areas, places, events and news, each with per-locale translations."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tourism.core.database import utcnow
from tourism.extensions import db
from tourism.i18n import current_locale, pick_translation

CATEGORIES = ("sights", "nature", "heritage", "food", "shopping", "activities")
EVENT_KINDS = ("festival", "culture", "sport", "food", "music", "trade")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The province after the July 2025 merger, with a margin for the coast and Phú Quý island.
PROVINCE_BOUNDS = {"lat": (10.40, 12.95), "lon": (107.15, 109.00)}


# Models whose rows the public pages, maps and API show: a committed change to any of them
# invalidates cached pages and maps (portal.services listens for it).
CONTENT_MODELS: set[type] = set()


def public_content(model: type) -> type:
    """Mark a model as public content, so that changing it invalidates caches."""
    CONTENT_MODELS.add(model)
    return model


class TranslatedMixin:
    """Give a model `.t`: its texts in the visitor's language with visible fallback."""

    translated_fields: tuple[str, ...] = ()

    def localized(self, locale: str | None = None):
        return pick_translation(self.translations, self.translated_fields, locale or current_locale())

    @property
    def t(self):
        return self.localized()


class DescribedTranslationMixin:
    """Columns of a per-locale text row for a named, described item, with its search copy."""

    id: Mapped[int] = mapped_column(primary_key=True)
    locale: Mapped[str] = mapped_column(sa.String(8))
    name: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.String(400), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # Folded copy of the texts (see core.text.fold) for accent-insensitive search.
    search_text: Mapped[str] = mapped_column(sa.Text, default="")


@public_content
class Locality(TranslatedMixin, db.Model):
    """A place name a tourist knows (Đà Lạt, Mũi Né…) grouping today's wards and communes."""

    translated_fields = ("name",)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    lat: Mapped[float]
    lon: Mapped[float]
    translations: Mapped[list["LocalityTranslation"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    areas: Mapped[list["Area"]] = relationship(back_populates="locality", order_by="Area.name")


@public_content
class LocalityTranslation(db.Model):
    __table_args__ = (sa.UniqueConstraint("locality_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    locality_id: Mapped[int] = mapped_column(sa.ForeignKey("locality.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(sa.String(8))
    name: Mapped[str] = mapped_column(sa.String(120))


@public_content
class Area(db.Model):
    """A ward, commune or special zone of the province since the July 2025 reorganisation."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[str] = mapped_column(sa.String(20))  # ward, commune, special_zone
    locality_id: Mapped[int] = mapped_column(sa.ForeignKey("locality.id"), index=True)
    locality: Mapped[Locality] = relationship(back_populates="areas", lazy="joined")


@public_content
class Place(TranslatedMixin, db.Model):
    """Something to see or do: a sight, a waterfall, a market, a restaurant."""

    translated_fields = ("name", "summary", "description")

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    category: Mapped[str] = mapped_column(sa.String(20), index=True)
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("area.id"), index=True)
    lat: Mapped[float]
    lon: Mapped[float]
    # {"mon": [["07:00", "17:00"]], …}; None when unknown. `always_open` is for open-air places.
    opening_hours: Mapped[dict | None] = mapped_column(sa.JSON(none_as_null=True))
    always_open: Mapped[bool] = mapped_column(default=False)
    price_min: Mapped[int] = mapped_column(default=0)  # VND
    price_max: Mapped[int] = mapped_column(default=0)  # VND
    step_free: Mapped[bool] = mapped_column(default=False, index=True)
    accessible_toilet: Mapped[bool] = mapped_column(default=False)
    featured_rank: Mapped[int | None] = mapped_column(index=True)
    website: Mapped[str | None] = mapped_column(sa.String(300))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    area: Mapped[Area] = relationship(lazy="joined")
    translations: Mapped[list["PlaceTranslation"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    images: Mapped[list["PlaceImage"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="PlaceImage.position"
    )

    @property
    def free_entry(self) -> bool:
        return self.price_max == 0

    @property
    def image(self) -> "PlaceImage | None":
        return self.images[0] if self.images else None


@public_content
class PlaceTranslation(DescribedTranslationMixin, db.Model):
    __table_args__ = (sa.UniqueConstraint("place_id", "locale"),)

    place_id: Mapped[int] = mapped_column(sa.ForeignKey("place.id", ondelete="CASCADE"), index=True)


@public_content
class PlaceImage(db.Model):
    """A picture of a place, with the credit and licence the page must show."""

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(sa.ForeignKey("place.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(sa.String(300))  # relative to static/
    credit: Mapped[str] = mapped_column(sa.String(200))
    licence: Mapped[str] = mapped_column(sa.String(100))
    position: Mapped[int] = mapped_column(default=0)


@public_content
class Event(TranslatedMixin, db.Model):
    """A festival or event with a date range; yearly ones repeat on the same dates."""

    translated_fields = ("name", "summary", "description")

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("area.id"), index=True)
    lat: Mapped[float]
    lon: Mapped[float]
    start_date: Mapped[date] = mapped_column(index=True)
    end_date: Mapped[date] = mapped_column(index=True)
    recurrence: Mapped[str | None] = mapped_column(sa.String(10))  # None or "yearly"
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    area: Mapped[Area] = relationship(lazy="joined")
    translations: Mapped[list["EventTranslation"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )


@public_content
class EventTranslation(DescribedTranslationMixin, db.Model):
    __table_args__ = (sa.UniqueConstraint("event_id", "locale"),)

    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), index=True)


@public_content
class NewsArticle(TranslatedMixin, db.Model):
    """A news item published by the department."""

    __tablename__ = "news_article"
    translated_fields = ("title", "summary", "body")

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(160), unique=True)
    published_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
    area_id: Mapped[int | None] = mapped_column(sa.ForeignKey("area.id"))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    area: Mapped[Area | None] = relationship(lazy="joined")
    translations: Mapped[list["NewsTranslation"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )


@public_content
class NewsTranslation(db.Model):
    __tablename__ = "news_translation"
    __table_args__ = (sa.UniqueConstraint("article_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("news_article.id", ondelete="CASCADE"), index=True)
    locale: Mapped[str] = mapped_column(sa.String(8))
    title: Mapped[str] = mapped_column(sa.String(300))
    summary: Mapped[str] = mapped_column(sa.String(500), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    search_text: Mapped[str] = mapped_column(sa.Text, default="")


SEARCHABLE_FIELDS = {
    PlaceTranslation: ("name", "summary", "description"),
    EventTranslation: ("name", "summary", "description"),
    NewsTranslation: ("title", "summary", "body"),
}


def _refresh_search_text(mapper, connection, target) -> None:
    # Every write path (demo data, back office, imports) keeps the folded copy in step.
    from tourism.core.text import fold

    fields = SEARCHABLE_FIELDS[type(target)]
    target.search_text = fold(" ".join(getattr(target, f) or "" for f in fields))


def keep_search_text(model, fields: tuple[str, ...]) -> None:
    """Keep `model.search_text` a folded copy of `fields` on every insert and update."""
    SEARCHABLE_FIELDS[model] = fields
    sa.event.listen(model, "before_insert", _refresh_search_text)
    sa.event.listen(model, "before_update", _refresh_search_text)


for _model, _fields in list(SEARCHABLE_FIELDS.items()):
    keep_search_text(_model, _fields)
