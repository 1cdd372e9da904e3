"""The police residence declaration outbox: what each declaration carries, and its delivery.

Residence Law 2020, Art. 30, and Circular 55/2021/TT-BCA: an establishment notifies the police of
each guest's stay (lưu trú) by 23:00 on the arrival day, or by 08:00 next day after a 23:00 arrival.
Check-in puts one pending declaration per stay in the outbox; `send_pending` delivers the due ones
to DECLARATION_URL, one commit per declaration, retrying with backoff, always with the same
Idempotency-Key so that a retry after a lost answer never declares the stay twice.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import requests
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from tourism.core.database import utcnow
from tourism.extensions import db
from tourism.lodging import crypto
from tourism.lodging.errors import Conflict, NotFound
from tourism.lodging.models import Declaration, Establishment, Guest, Stay
from tourism.lodging.services import lock_establishment

# Minutes to wait after the n-th failed attempt: 1, 2, 4, 8 … up to an hour. Deterministic, so that
# the schedule can be checked; a few establishments do not make a thundering herd.
BACKOFF_MINUTES_CAP = 60
# Answers that mean "try again later"; every other 4xx is a refusal that a retry would not change.
# 409 is what an Idempotency-Key server answers while the first request with that key is still
# running (a retry after our timeout): the next attempt gets the stored answer.
RETRYABLE_4XX = {408, 409, 429}
_SAFE_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


def backoff(attempts: int) -> timedelta:
    """Return how long to wait after `attempts` failed attempts."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), BACKOFF_MINUTES_CAP))


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def build_payload(declaration: Declaration) -> dict:
    """Return the JSON body of a declaration: establishment, room, dates and each guest in full.

    The document number is decrypted here because the police need it; this body goes to the
    police endpoint only and is never logged or stored.
    """
    stay: Stay = declaration.stay
    establishment: Establishment = stay.establishment
    # The room the guests arrived in: a later room change does not rewrite the arrival notice.
    room = stay.segments[0].room if stay.segments else stay.room
    area = establishment.area
    guests = []
    for guest in stay.guests:
        guest: Guest
        guests.append({
            "full_name": guest.full_name,
            "birth_date": _iso(guest.birth_date),
            "sex": guest.sex,
            "nationality": guest.nationality,
            "document_type": guest.document_type,
            "document_number": crypto.decrypt_document(guest.document_ciphertext) if guest.document_ciphertext else None,
            "residence_country": guest.residence_country,
            "purpose": guest.purpose,
        })
    return {
        "declaration_key": declaration.idempotency_key,
        "establishment": {
            "name": establishment.name,
            "licence_number": establishment.licence_number or "",
            "address": establishment.address,
            "area": area.name if area is not None else "",
            "phone": establishment.phone,
        },
        "stay": {
            "room": room.number,
            "arrival": _iso(stay.arrival),
            "planned_departure": _iso(stay.departure),
            "checked_in_at": _iso(stay.checked_in_at),
            "group_name": stay.group_name,
        },
        "guests": guests,
    }


@dataclass
class SendResult:
    """What one delivery run did."""

    configured: bool = True
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def attempted(self) -> int:
        return self.sent + self.retrying + self.failed


class _Retry(Exception):
    """A temporary failure: try again later."""


class _Refused(Exception):
    """The police endpoint refused the declaration: retrying would not help."""


def _short_code(response: requests.Response) -> str:
    """An error code from the answer's JSON, only if it looks like an identifier (never free text)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    code = ""
    if isinstance(body, dict):
        error = body.get("error")
        code = error.get("code", "") if isinstance(error, dict) else body.get("code", "") or error or ""
    return code if isinstance(code, str) and _SAFE_CODE.match(code) else ""


def _deliver(declaration: Declaration, config) -> str:
    """POST one declaration; return the police reference, or raise _Retry or _Refused."""
    headers = {"Idempotency-Key": declaration.idempotency_key, "Accept": "application/json"}
    if config.get("DECLARATION_TOKEN"):
        headers["Authorization"] = f"Bearer {config['DECLARATION_TOKEN']}"
    url = config["DECLARATION_URL"].rstrip("/") + "/declarations"
    timeout = float(config.get("DECLARATION_TIMEOUT") or 10)
    try:
        response = requests.post(url, json=build_payload(declaration), headers=headers, timeout=timeout)
    except requests.Timeout:
        raise _Retry("timeout") from None
    except requests.ConnectionError:
        raise _Retry("connection error") from None
    except requests.RequestException as error:
        raise _Retry(type(error).__name__) from None
    status = response.status_code
    if 200 <= status < 300:
        try:
            body = response.json()
        except ValueError:
            raise _Retry(f"HTTP {status} with a body that is not JSON") from None
        reference = body.get("reference") if isinstance(body, dict) else None
        if not isinstance(reference, (str, int)) or isinstance(reference, bool) or not str(reference).strip():
            raise _Retry(f"HTTP {status} without a reference")
        return str(reference).strip()[:100]
    code = _short_code(response)
    message = f"HTTP {status}" + (f" {code}" if code else "")
    if status >= 500 or status in RETRYABLE_4XX:
        raise _Retry(message)
    raise _Refused(message)


def due_query(now: datetime):
    """Select the declarations waiting to be sent whose next attempt is due."""
    return (
        sa.select(Declaration.id)
        .where(Declaration.status == "pending", Declaration.next_attempt_at <= now)
        .order_by(Declaration.next_attempt_at, Declaration.id)
    )


def send_pending(now: datetime | None = None, limit: int = 500) -> SendResult:
    """Deliver the due declarations, each in its own transaction; return what happened."""
    config = current_app.config
    if not config.get("DECLARATION_URL"):
        return SendResult(configured=False)
    now = now or utcnow()
    max_attempts = max(int(config.get("DECLARATION_MAX_ATTEMPTS") or 1), 1)
    result = SendResult()
    ids = list(db.session.scalars(due_query(now).limit(limit)))
    db.session.commit()
    for declaration_id in ids:
        # Another worker may have taken it meanwhile: lock it, skip it if it is locked or done.
        query = sa.select(Declaration).where(
            Declaration.id == declaration_id, Declaration.status == "pending", Declaration.next_attempt_at <= now
        )
        if db.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        declaration = db.session.scalar(query)
        if declaration is None:
            db.session.commit()
            continue
        declaration.attempts += 1
        try:
            reference = _deliver(declaration, config)
        except _Refused as refusal:
            declaration.status = "failed"
            declaration.last_error = str(refusal)[:500]
            result.failed += 1
        except _Retry as failure:
            declaration.last_error = str(failure)[:500]
            if declaration.attempts >= max_attempts:
                declaration.status = "failed"
                declaration.last_error = (str(failure) + f"; gave up after {declaration.attempts} attempts")[:500]
                result.failed += 1
            else:
                declaration.next_attempt_at = now + backoff(declaration.attempts)
                result.retrying += 1
        else:
            declaration.status = "sent"
            declaration.sent_at = utcnow()
            declaration.reference = reference
            declaration.last_error = ""
            result.sent += 1
        db.session.commit()
    return result


def retry_declaration(establishment_id: int, declaration_id) -> Declaration:
    """Put a failed declaration back in the outbox, due now, with a fresh round of attempts."""
    lock_establishment(establishment_id)  # a writer from its first statement (see services)
    declaration = get_declaration(establishment_id, declaration_id)
    if declaration.status != "failed":
        raise Conflict(_("Only a failed declaration can be sent again."), code="not_failed")
    declaration.status = "pending"
    declaration.attempts = 0
    declaration.next_attempt_at = utcnow()
    db.session.commit()
    return declaration


def get_declaration(establishment_id: int, declaration_id) -> Declaration:
    """Return one of the establishment's declarations; another establishment's id is not found."""
    try:
        declaration_id = int(declaration_id)
    except (TypeError, ValueError):
        declaration_id = 0
    declaration = db.session.scalar(
        sa.select(Declaration).where(Declaration.id == declaration_id, Declaration.establishment_id == establishment_id)
    )
    if declaration is None:
        raise NotFound(_("No such declaration."), code="unknown_declaration")
    return declaration


def overdue_clause(now: datetime):
    """SQL for "not sent and past its deadline"."""
    return sa.and_(Declaration.status.in_(("pending", "failed")), Declaration.deadline < now)


def declaration_query(
    establishment_id: int,
    *,
    status: str = "",
    since: date | None = None,
    until: date | None = None,
    now: datetime | None = None,
) -> sa.Select:
    """Build the list of one establishment's declarations, latest deadline first."""
    now = now or utcnow()
    query = (
        sa.select(Declaration)
        .join(Stay, Stay.id == Declaration.stay_id)
        .where(Declaration.establishment_id == establishment_id)
        .options(
            sa.orm.joinedload(Declaration.stay).joinedload(Stay.room),
            sa.orm.joinedload(Declaration.stay).selectinload(Stay.guests),
        )
        .order_by(Declaration.deadline.desc(), Declaration.id.desc())
    )
    if status == "overdue":
        query = query.where(overdue_clause(now))
    elif status:
        query = query.where(Declaration.status == status)
    if since is not None:
        query = query.where(Stay.arrival >= since)
    if until is not None:
        query = query.where(Stay.arrival <= until)
    return query


def overdue_count(establishment_id: int, now: datetime | None = None) -> int:
    """Count the establishment's declarations not sent by their deadline."""
    return db.session.scalar(
        sa.select(sa.func.count(Declaration.id)).where(
            Declaration.establishment_id == establishment_id, overdue_clause(now or utcnow())
        )
    ) or 0
