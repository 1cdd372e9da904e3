"""API tokens of a site's ticketing software: made, shown once, kept as a SHA-256 hash, revoked."""

import sqlalchemy as sa
from flask_babel import gettext as _

from tourism.core import audit
from tourism.core import tokens as bearer_tokens
from tourism.core.database import utcnow
from tourism.core.tokens import hash_token
from tourism.extensions import db
from tourism.sites.models import Site, SiteToken
from tourism.sites.services import NotFound

# Recognisable in logs and by secret scanners, and told apart from the hotels' ldg_ tokens.
TOKEN_PREFIX = "site_"  # noqa: S105  (a label, not a secret)


def create_token(site: Site, name: str = "", actor=None) -> tuple[SiteToken, str]:
    """Make a new token for a site; return the row and the token, which is never stored."""
    token, token_hash, prefix = bearer_tokens.new_secret(TOKEN_PREFIX)
    row = SiteToken(site_id=site.id, name=bearer_tokens.clean_name(name), token_hash=token_hash,
                    prefix=prefix, created_by_id=getattr(actor, "id", None))
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
    token_id = bearer_tokens.token_id(token_id)
    row = db.session.scalar(sa.select(SiteToken).where(SiteToken.id == token_id, SiteToken.site_id == site_id))
    if row is None:
        raise NotFound(_("No such token."), code="unknown_token")
    if bearer_tokens.mark_revoked(row, utcnow()):
        audit.record("site_token_revoked", actor=actor, target=row, details={"site_id": site_id, "prefix": row.prefix})
        db.session.commit()
    return row


def authenticate(token: str | None) -> Site | None:
    """Return the active site a bearer token belongs to, noting its use; None when unknown or revoked."""
    if not bearer_tokens.usable(token):
        return None
    row = db.session.execute(
        sa.select(SiteToken, Site).join(Site, Site.id == SiteToken.site_id)
        .where(SiteToken.token_hash == hash_token(token), SiteToken.revoked_at.is_(None), Site.active.is_(True))
    ).first()
    if row is None:
        return None
    token_row, site = row
    if bearer_tokens.note_use(token_row, utcnow()):
        db.session.commit()
    return site
