"""Bearer tokens for outside software: made once, shown once, kept as a SHA-256 hash, revoked.

What the hotels' and the sites' tokens share; each package keeps its owner column, its audit
actions, its locking and its errors.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from tourism.core.database import UTCDateTime, utcnow

# The first characters, shown so that a manager can tell tokens apart without seeing them.
PREFIX_LENGTH = 12
NAME_LENGTH = 80
# Longer than any token we make; a longer header is not worth hashing.
MAX_TOKEN_LENGTH = 200
# last_used_at is a hint for managers, not an audit trail: one write a minute per token is enough.
LAST_USED_PRECISION = timedelta(minutes=1)


class BearerTokenMixin:
    """The columns of a token table; the model adds its id and its owner's column."""

    name: Mapped[str] = mapped_column(sa.String(NAME_LENGTH), default="")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(PREFIX_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        # A foreign key, so each table needs its own column (and its own constraint name).
        return mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))


def hash_token(token: str) -> str:
    """Return the stored form of a token."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def new_secret(prefix: str) -> tuple[str, str, str]:
    """Make a token with a recognisable prefix; return it, its hash and the part shown to managers."""
    # Recognisable in logs and by secret scanners; the rest is 256 random bits.
    token = prefix + secrets.token_urlsafe(32)
    return token, hash_token(token), token[:PREFIX_LENGTH]


def clean_name(name: str | None) -> str:
    """Return a token's name on one line, at most as long as its column."""
    return " ".join((name or "").split())[:NAME_LENGTH]


def token_id(value) -> int:
    """Return a token id from a form or a URL; 0, which no row has, when it is not a number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def usable(token: str | None) -> bool:
    """Tell whether a presented token is worth looking up."""
    return bool(token) and len(token) <= MAX_TOKEN_LENGTH


def due_for_note(last_used_at: datetime | None, now: datetime) -> bool:
    """Tell whether a token's use should be written down again."""
    return last_used_at is None or now - last_used_at >= LAST_USED_PRECISION


def note_use(row: BearerTokenMixin, now: datetime) -> bool:
    """Set a token row's last use when it is due; return whether it changed."""
    if not due_for_note(row.last_used_at, now):
        return False
    row.last_used_at = now
    return True


def mark_revoked(row: BearerTokenMixin, now: datetime) -> bool:
    """Revoke a token row unless it already is; return whether it changed."""
    if row.revoked_at is not None:
        return False
    row.revoked_at = now
    return True
