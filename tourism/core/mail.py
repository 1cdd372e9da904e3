"""Outgoing mail: SMTP when MAIL_SERVER is set, otherwise the log and the admins' outbox."""

import logging
import smtplib
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column

from tourism.core.database import UTCDateTime, utcnow
from tourism.extensions import db

log = logging.getLogger(__name__)


class OutboxMessage(db.Model):
    """A message kept for admins to read where no mail server is configured (development)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    recipient: Mapped[str] = mapped_column(sa.String(254), index=True)
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)


class MailError(RuntimeError):
    """Raised when the mail server cannot take a message."""


def _smtp_send(message: EmailMessage) -> None:
    config = current_app.config
    timeout = config["MAIL_TIMEOUT"]
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    try:
        with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout) as smtp:
            if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(str(error)) from error


def send_mail(recipient: str, subject: str, body: str) -> None:
    """Send a plain-text message, or keep it in the outbox when no mail server is set."""
    config = current_app.config
    if not config["MAIL_SERVER"]:
        log.info("Mail to %s: %s\n%s", recipient, subject, body)
        db.session.add(OutboxMessage(recipient=recipient, subject=subject, body=body))
        return
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = recipient
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="lamdong.travel")
    message.set_content(body)
    try:
        _smtp_send(message)
    except MailError:
        # The user sees the same answer either way; the operator sees the failure.
        log.exception("Could not send mail to %s", recipient)
