"""The audit log: who did what, when and from where."""

from datetime import datetime

import sqlalchemy as sa
from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy.orm import Mapped, mapped_column

from tourism.core.database import UTCDateTime, utcnow
from tourism.extensions import db

# Every action the log knows, so the admin filter can offer them and typos fail loudly.
ACTIONS = (
    "sign_in",
    "sign_in_failed",
    "sign_out",
    "sign_up",
    "email_confirmed",
    "password_reset_requested",
    "password_reset",
    "password_changed",
    "account_deleted",
    "account_created",
    "role_changed",
    "account_disabled",
    "account_enabled",
    "guest_viewed",
    "establishment_registered",
    "establishment_status_changed",
    "api_token_created",
    "api_token_revoked",
    "stays_imported",
    "report_submitted",
    "personal_data_purged",
    "site_token_created",
    "site_token_revoked",
    "site_visits_imported",
)


class AuditEvent(db.Model):
    """One recorded action; never updated, never deleted by the app."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    action: Mapped[str] = mapped_column(sa.String(40), index=True)
    # Who acted; NULL for anonymous requests and the CLI.
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    # Whom or what it concerned, e.g. ("user", 12) or ("guest", 345).
    target_type: Mapped[str | None] = mapped_column(sa.String(40))
    target_id: Mapped[int | None] = mapped_column(index=True)
    # The address typed at a failed sign-in, for spotting attacks on one account.
    subject: Mapped[str | None] = mapped_column(sa.String(254))
    ip: Mapped[str | None] = mapped_column(sa.String(45), index=True)
    user_agent: Mapped[str | None] = mapped_column(sa.String(200))
    details: Mapped[dict | None] = mapped_column(sa.JSON(none_as_null=True))


def record(
    action: str,
    *,
    actor=None,
    target=None,
    subject: str | None = None,
    details: dict | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction; the caller's commit saves it."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        target_type=type(target).__name__.lower() if target is not None else None,
        target_id=getattr(target, "id", None),
        subject=subject[:254] if subject else None,
        details=details,
    )
    if has_request_context():
        event.ip = (request.remote_addr or "")[:45] or None
        event.user_agent = (request.user_agent.string or "")[:200] or None
    db.session.add(event)
    return event


def search(
    *,
    action: str | None = None,
    actor_id: int | None = None,
    subject: str | None = None,
    ip: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    target_type: str | None = None,
    target_id: int | None = None,
) -> sa.Select:
    """Build the newest-first query of audit events matching every given filter."""
    query = sa.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    if actor_id is not None:
        query = query.where(AuditEvent.actor_id == actor_id)
    if subject:
        query = query.where(AuditEvent.subject == subject.strip().lower())
    if ip:
        query = query.where(AuditEvent.ip == ip.strip())
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    if target_type:
        query = query.where(AuditEvent.target_type == target_type)
    if target_id is not None:
        query = query.where(AuditEvent.target_id == target_id)
    return query
