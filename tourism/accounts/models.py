"""Accounts and their server-side sessions."""

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tourism.core.database import UTCDateTime, utcnow
from tourism.core.permissions import ESTABLISHMENT_ROLES, ROLES, SITE_ROLES
from tourism.extensions import db
from tourism.lodging.models import Establishment
from tourism.sites.models import Site

_role_list = ", ".join(f"'{role}'" for role in ROLES)
_establishment_role_list = ", ".join(f"'{role}'" for role in ESTABLISHMENT_ROLES)
_site_role_list = ", ".join(f"'{role}'" for role in SITE_ROLES)


class User(UserMixin, db.Model):
    """A person who signs in: a tourist, an establishment's staff, an officer or an admin."""

    __tablename__ = "user_account"
    __table_args__ = (
        sa.CheckConstraint(f"role IN ({_role_list})", name="role"),
        # Lodging staff and managers belong to exactly one establishment; nobody else does.
        sa.CheckConstraint(
            f"(role IN ({_establishment_role_list})) = (establishment_id IS NOT NULL)",
            name="establishment_role",
        ),
        # Site managers belong to exactly one tourist site; nobody else does.
        sa.CheckConstraint(f"(role IN ({_site_role_list})) = (site_id IS NOT NULL)", name="site_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased; NULL once the account is deleted.
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    display_name: Mapped[str | None] = mapped_column(sa.String(80))
    locale: Mapped[str] = mapped_column(sa.String(8), default="vi")
    role: Mapped[str] = mapped_column(sa.String(20), default="tourist", index=True)
    establishment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("establishment.id", ondelete="RESTRICT"), index=True
    )
    establishment: Mapped[Establishment | None] = relationship()
    site_id: Mapped[int | None] = mapped_column(sa.ForeignKey("site.id", ondelete="RESTRICT"), index=True)
    site: Mapped[Site | None] = relationship()
    active: Mapped[bool] = mapped_column(default=True)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Set while a request runs: the token of the session this request belongs to.
    session_token = None

    @property
    def is_active(self) -> bool:
        return self.active and self.deleted_at is None

    def get_id(self) -> str | None:
        # Flask-Login stores this in the session and the remember cookie: the session token,
        # not the user id, so that ending a session server-side invalidates every copy of it.
        return self.session_token

    @property
    def name(self) -> str:
        return self.display_name or ""

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class AccountSession(db.Model):
    """One signed-in device; ending it invalidates every copy of its cookies."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    user: Mapped[User] = relationship(lazy="joined")
    # SHA-256 of the token in the cookie, so a copy of the database cannot sign anyone in.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(200))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(sa.String(20))
