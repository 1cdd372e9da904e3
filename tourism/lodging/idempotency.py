"""Idempotency-Key: a retried API request gets the first answer instead of doing the work twice.

The record is inserted and committed before the work starts, so the unique (establishment, key)
constraint decides who does it; the answer (2xx or 4xx) is stored when done. A request that
failed unexpectedly drops its record so that a retry can proceed, and a record left running
longer than ABANDONED_AFTER (a killed worker) may be taken over.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from tourism.core.database import utcnow
from tourism.extensions import db
from tourism.lodging.errors import Conflict, LodgingError
from tourism.lodging.models import IdempotencyRecord

MAX_KEY_LENGTH = 255
ABANDONED_AFTER = timedelta(seconds=60)


class KeyReused(LodgingError):
    """The key was used before for another request."""

    status = 422
    code = "idempotency_key_reused"


class InProgress(Conflict):
    """A request with this key is still being worked on."""

    code = "request_in_progress"


@dataclass(frozen=True)
class StoredResponse:
    """The answer given to the first request with a key."""

    status: int
    body: str


def request_hash(method: str, path: str, body) -> str:
    """Return the fingerprint of a request: method, path and its JSON body in canonical form."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{method.upper()} {path}\n{canonical}".encode("utf-8", "surrogatepass")).hexdigest()


def _table():
    return IdempotencyRecord.__table__


def _find(establishment_id: int, key: str):
    table = _table()
    return db.session.execute(
        sa.select(table).where(table.c.establishment_id == establishment_id, table.c.key == key)
    ).first()


def begin(establishment_id: int, key: str, fingerprint: str) -> StoredResponse | None:
    """Claim a key for this request, or return the stored answer; raise KeyReused or InProgress.

    Returns None when the caller now owns the key and must call `finish` or `abandon`.
    """
    table = _table()
    for _attempt in range(3):
        # Each write starts its own transaction: SQLite then waits for the write lock instead
        # of failing on a stale read snapshot.
        db.session.commit()
        now = utcnow()
        try:
            db.session.execute(sa.insert(table).values(
                establishment_id=establishment_id, key=key, request_hash=fingerprint, created_at=now
            ))
            db.session.commit()
            return None
        except sa.exc.IntegrityError:
            db.session.rollback()
        existing = _find(establishment_id, key)
        if existing is None:
            continue  # its owner failed and dropped it meanwhile: try to claim it again
        if existing.request_hash != fingerprint:
            raise KeyReused(_("This Idempotency-Key was already used for a different request."),
                            {"Idempotency-Key": _("Use a new key for a new request.")})
        if existing.completed_at is not None:
            db.session.commit()
            return StoredResponse(existing.response_status, existing.response_body)
        db.session.commit()
        # A worker killed mid-request never finishes its record; after a while it is abandoned.
        taken = db.session.execute(
            sa.update(table)
            .where(table.c.id == existing.id, table.c.completed_at.is_(None),
                   table.c.created_at <= now - ABANDONED_AFTER)
            .values(created_at=now)
        )
        db.session.commit()
        if taken.rowcount == 1:
            return None
        raise InProgress(_("A request with this Idempotency-Key is still in progress; retry later."))
    raise InProgress(_("A request with this Idempotency-Key is still in progress; retry later."))


def record(establishment_id: int, key: str, status: int, body: str) -> None:
    """Write the answer of a claimed key into the current transaction (the caller commits).

    Done in the same transaction as the work itself, a crash after the commit can no longer
    leave a stay whose retry would make a second one.
    """
    table = _table()
    db.session.connection().execute(
        sa.update(table)
        .where(table.c.establishment_id == establishment_id, table.c.key == key)
        .values(response_status=status, response_body=body, completed_at=utcnow())
    )


def finish(establishment_id: int, key: str, status: int, body: str) -> None:
    """Store the answer of a claimed key, for its retries."""
    db.session.commit()
    record(establishment_id, key, status, body)
    db.session.commit()


def abandon(establishment_id: int, key: str) -> None:
    """Drop a claimed key after an unexpected failure, so that a retry does the work."""
    table = _table()
    db.session.rollback()
    db.session.execute(
        sa.delete(table).where(
            table.c.establishment_id == establishment_id, table.c.key == key, table.c.completed_at.is_(None)
        )
    )
    db.session.commit()
