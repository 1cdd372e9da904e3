"""API tokens of an establishment's software: made, shown once, kept as a SHA-256 hash, revoked."""

import functools
from dataclasses import dataclass, field

import sqlalchemy as sa

from tourism.core import audit
from tourism.core import tokens as bearer_tokens
from tourism.core.database import utcnow
from tourism.core.tokens import hash_token
from tourism.extensions import db
from tourism.lodging import services
from tourism.lodging.errors import NotFound
from tourism.lodging.models import ApiToken, Establishment

# Told apart from the sites' site_ tokens in logs and by secret scanners.
TOKEN_PREFIX = "ldg_"  # noqa: S105  (a label, not a secret)


@dataclass(frozen=True)
class Bearer:
    """Who an authenticated API request comes from."""

    token_id: int
    establishment_id: int
    # Read with the token, so a check-in needs no second query for its establishment.
    establishment: "EstablishmentRef | None" = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class EstablishmentRef:
    """What a check-in needs to know of the token's establishment (see services.check_in)."""

    id: int
    approved: bool


def create_token(establishment: Establishment, name: str = "", actor=None) -> tuple[ApiToken, str]:
    """Make a new token for an establishment; return the row and the token, which is never stored."""
    services.lock_establishment(establishment.id)  # a writer from its first statement
    token, token_hash, prefix = bearer_tokens.new_secret(TOKEN_PREFIX)
    row = ApiToken(
        establishment_id=establishment.id,
        name=bearer_tokens.clean_name(name),
        token_hash=token_hash,
        prefix=prefix,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(row)
    db.session.flush()
    audit.record("api_token_created", actor=actor, target=row,
                 details={"establishment_id": establishment.id, "prefix": row.prefix, "name": row.name})
    db.session.commit()
    return row, token


def list_tokens(establishment_id: int) -> list[ApiToken]:
    """Return an establishment's tokens, newest first, revoked ones included."""
    return list(db.session.scalars(
        sa.select(ApiToken).where(ApiToken.establishment_id == establishment_id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ))


def revoke_token(establishment_id: int, token_id, actor=None) -> ApiToken:
    """Revoke one of the establishment's tokens; another establishment's id is not found."""
    services.lock_establishment(establishment_id)  # a writer from its first statement
    token_id = bearer_tokens.token_id(token_id)
    row = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.establishment_id == establishment_id)
    )
    if row is None:
        raise NotFound("No such token.", code="unknown_token")
    if bearer_tokens.mark_revoked(row, utcnow()):
        audit.record("api_token_revoked", actor=actor, target=row,
                     details={"establishment_id": establishment_id, "prefix": row.prefix})
        db.session.commit()
    return row


@functools.cache
def _token_query() -> sa.Select:
    """The lookup every API call makes: Core, built once, four values."""
    tokens, establishments = ApiToken.__table__, Establishment.__table__
    return (
        sa.select(tokens.c.id, tokens.c.establishment_id, tokens.c.last_used_at, establishments.c.status)
        .join(establishments, establishments.c.id == tokens.c.establishment_id)
        .where(tokens.c.token_hash == sa.bindparam("token_hash"), tokens.c.revoked_at.is_(None))
    )


def authenticate(token: str | None) -> Bearer | None:
    """Return who a bearer token belongs to, noting its use; None when unknown or revoked.

    On SQLite it ends with a commit, so that the caller's next statement starts a fresh
    transaction (SQLite must take its write lock at the start of one; see
    services.lock_establishment). PostgreSQL needs no such round trip.
    """
    if not bearer_tokens.usable(token):
        return None
    tokens = ApiToken.__table__
    row = db.session.connection().execute(_token_query(), {"token_hash": hash_token(token)}).first()
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    if row is None:
        if sqlite:
            db.session.commit()
        return None
    now = utcnow()
    token_id, establishment_id, last_used, status = row
    bearer = Bearer(token_id, establishment_id, EstablishmentRef(establishment_id, status == "approved"))
    if bearer_tokens.due_for_note(last_used, now):
        if sqlite:
            db.session.commit()
        db.session.connection().execute(
            sa.update(tokens).where(tokens.c.id == token_id).values(last_used_at=now)
        )
        db.session.commit()
    elif sqlite:
        db.session.commit()
    return bearer
