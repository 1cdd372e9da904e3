"""Establishments: hotels, homestays and resorts that staff accounts belong to."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tourism.core.database import UTCDateTime, utcnow
from tourism.extensions import db


class Establishment(db.Model):
    """A licensed place to stay; its staff and manager accounts are bound to it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __str__(self) -> str:
        return self.name
