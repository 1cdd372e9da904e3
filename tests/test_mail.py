"""Mail goes to a real SMTP server when MAIL_SERVER is set, and to the outbox when it is not."""

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from tests.conftest import ROLE_EMAILS, UNREACHABLE_URL, csrf_token
from tourism.core.mail import OutboxMessage


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls this hook by name
        self.messages.append(envelope)
        return "250 Message accepted"


@pytest.fixture
def smtp_server():
    import socket

    with socket.socket() as probe:  # a free port; aiosmtpd cannot start on port 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


@pytest.fixture
def mail_settings(app):
    saved = {key: app.config[key] for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_TIMEOUT")}
    yield app.config
    app.config.update(saved)


def test_reset_mail_goes_through_smtp_in_the_users_language(client, db, smtp_server, mail_settings):
    port, inbox = smtp_server
    mail_settings.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False)
    token = csrf_token(client, "/en/account/forgot-password")
    client.post("/en/account/forgot-password", data={"email": ROLE_EMAILS["officer"], "csrf_token": token})
    (envelope,) = inbox.messages
    assert envelope.rcpt_tos == [ROLE_EMAILS["officer"]]
    from email import message_from_bytes, policy

    message = message_from_bytes(envelope.content, policy=policy.default)
    text = message.get_body().get_content()
    # The officer chose Vietnamese: link, subject and text are in it.
    assert "/vi/account/reset/" in text
    assert message["Subject"] == "Đặt lại mật khẩu của bạn" and text.startswith("Xin chào")
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_unreachable_mail_server_does_not_break_the_page(client, db, mail_settings):
    host, port = UNREACHABLE_URL.removeprefix("http://").split(":")
    mail_settings.update(MAIL_SERVER=host, MAIL_PORT=int(port), MAIL_USE_TLS=False, MAIL_TIMEOUT=2)
    token = csrf_token(client, "/en/account/forgot-password")
    response = client.post("/en/account/forgot-password", data={"email": ROLE_EMAILS["officer"], "csrf_token": token})
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
