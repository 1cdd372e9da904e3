"""API tokens of a site's ticketing software: made, shown once, kept as a SHA-256 hash, revoked."""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from tourism.core import audit
from tourism.core.database import utcnow
from tourism.extensions import db
from tourism.sites.models import Site, SiteToken
from tourism.sites.services import NotFound

# Recognisable in logs and by secret scanners, and told apart from the hotels' ldg_ tokens.
TOKEN_PREFIX = "site_"  # noqa: S105  (a label, not a secret)
PREFIX_LENGTH = 12
# last_used_at is a hint for managers, not an audit trail: one write a minute per token is enough.
LAST_USED_PRECISION = timedelta(minutes=1)


def hash_token(token: str) -> str:
    """Return the stored form of a token."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def create_token(site: Site, name: str = "", actor=None) -> tuple[SiteToken, str]:
    """Make a new token for a site; return the row and the token, which is never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = SiteToken(site_id=site.id, name=" ".join((name or "").split())[:80], token_hash=hash_token(token),
                    prefix=token[:PREFIX_LENGTH], created_by_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    audit.record("site_token_created", actor=actor, target=row,
                 details={"site_id": site.id, "prefix": row.prefix, "name": row.name})
    db.session.commit()
    return row, token


def list_tokens(site_id: int) -> list[SiteToken]:
    """Return a site's tokens, newest first, revoked ones included."""
    return list(db.session.scalars(
        sa.select(SiteToken).where(SiteToken.site_id == site_id).order_by(SiteToken.id.desc())
    ))


def revoke_token(site_id: int, token_id, actor=None) -> SiteToken:
    """Revoke one of the site's tokens; another site's id is not found."""
    try:
        token_id = int(token_id)
    except (TypeError, ValueError):
        token_id = 0
    row = db.session.scalar(sa.select(SiteToken).where(SiteToken.id == token_id, SiteToken.site_id == site_id))
    if row is None:
        raise NotFound(_("No such token."), code="unknown_token")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record("site_token_revoked", actor=actor, target=row, details={"site_id": site_id, "prefix": row.prefix})
        db.session.commit()
    return row


def authenticate(token: str | None) -> Site | None:
    """Return the active site a bearer token belongs to, noting its use; None when unknown or revoked."""
    if not token or len(token) > 200:
        return None
    row = db.session.execute(
        sa.select(SiteToken, Site).join(Site, Site.id == SiteToken.site_id)
        .where(SiteToken.token_hash == hash_token(token), SiteToken.revoked_at.is_(None), Site.active.is_(True))
    ).first()
    if row is None:
        return None
    token_row, site = row
    now = utcnow()
    if token_row.last_used_at is None or now - token_row.last_used_at >= LAST_USED_PRECISION:
        token_row.last_used_at = now
        db.session.commit()
    return site
