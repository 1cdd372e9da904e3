"""Server-side sessions behind Flask-Login, so a session can really be ended."""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, g, request, session
from flask_login import login_user, logout_user

from tourism.accounts.models import AccountSession, User
from tourism.core.database import utcnow
from tourism.extensions import db, login_manager

# last_seen_at is written at most this often, so browsing does not mean a write per request.
TOUCH_INTERVAL = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _limits(remember: bool) -> tuple[timedelta, timedelta]:
    """Return the idle and absolute lifetimes of a session."""
    config = current_app.config
    if remember:
        days = timedelta(days=config["REMEMBER_DAYS"])
        return days, days
    return timedelta(minutes=config["SESSION_IDLE_MINUTES"]), timedelta(hours=config["SESSION_ABSOLUTE_HOURS"])


def start(user: User, remember: bool = False) -> AccountSession:
    """Sign a user in on this device with a brand-new session."""
    # Drop whatever the cookie held before, so a planted pre-sign-in session is worth nothing.
    session.clear()
    token = secrets.token_urlsafe(32)
    record = AccountSession(
        user=user,
        token_hash=_hash(token),
        remember=remember,
        ip=(request.remote_addr or "")[:45] or None,
        user_agent=(request.user_agent.string or "")[:200] or None,
    )
    db.session.add(record)
    user.session_token = token
    login_user(user, remember=remember, duration=timedelta(days=current_app.config["REMEMBER_DAYS"]))
    g.account_session = record
    return record


def end_current(reason: str = "signed_out") -> None:
    """End this device's session and forget its cookies."""
    record = getattr(g, "account_session", None)
    if record is not None and record.ended_at is None:
        record.ended_at = utcnow()
        record.end_reason = reason
    logout_user()
    _forget_cookie()


def end_all(user: User, reason: str, keep: AccountSession | None = None) -> int:
    """End every open session of a user, except `keep`; return how many ended."""
    query = sa.update(AccountSession).where(
        AccountSession.user_id == user.id, AccountSession.ended_at.is_(None)
    )
    if keep is not None:
        query = query.where(AccountSession.id != keep.id)
    result = db.session.execute(query.values(ended_at=utcnow(), end_reason=reason))
    return result.rowcount


def open_sessions(user: User) -> list[AccountSession]:
    """Return a user's sessions that have not ended, newest first."""
    query = (
        sa.select(AccountSession)
        .where(AccountSession.user_id == user.id, AccountSession.ended_at.is_(None))
        .order_by(AccountSession.last_seen_at.desc())
    )
    return [record for record in db.session.scalars(query) if not _expired(record)]


def _expired(record: AccountSession) -> str | None:
    idle, absolute = _limits(record.remember)
    now = utcnow()
    if now - record.created_at > absolute:
        return "expired"
    if now - record.last_seen_at > idle:
        return "idle"
    return None


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """Return the user of a live session token, ending the session when it has timed out."""
    if not token or len(token) > 100:
        return None
    record = db.session.scalar(sa.select(AccountSession).where(AccountSession.token_hash == _hash(token)))
    if record is None or record.ended_at is not None or not record.user.is_active:
        _forget_cookie()
        return None
    reason = _expired(record)
    now = utcnow()
    if reason:
        record.ended_at = now
        record.end_reason = reason
        _commit_bookkeeping()  # if it is lost, the next request ends the session again
        _forget_cookie()
        return None
    if now - record.last_seen_at > TOUCH_INTERVAL:
        record.last_seen_at = now
        _commit_bookkeeping()
    g.account_session = record
    record.user.session_token = token
    return record.user


def _commit_bookkeeping() -> None:
    """Commit a session's own bookkeeping; a busy database costs the write, never the request."""
    try:
        db.session.commit()
    except sa.exc.OperationalError as error:
        # SQLite refuses a read transaction that turns into a write while another worker writes
        # (a stale WAL snapshot), without waiting; the next request tries again.
        db.session.rollback()
        current_app.logger.warning("session bookkeeping not saved: %s", error.orig)


def _forget_cookie() -> None:
    session.clear()
    # Flask-Login deletes the remember cookie when it sees this flag after the request.
    session["_remember"] = "clear"
