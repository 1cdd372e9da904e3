"""Sign-up, confirmation, sign-in, sessions, password reset, profile and deletion."""

import re

import sqlalchemy as sa

from tests.conftest import ROLE_EMAILS, csrf_token, sign_in
from tourism.accounts.demo import DEMO_PASSWORD
from tourism.accounts.models import AccountSession, User
from tourism.core.audit import AuditEvent
from tourism.core.mail import OutboxMessage

NEW_PASSWORD = "blue-lantern-over-xuan-huong"


def _outbox(db, recipient):
    query = sa.select(OutboxMessage).where(OutboxMessage.recipient == recipient).order_by(OutboxMessage.id)
    return db.session.scalars(query).all()


def _link(message, part):
    match = re.search(rf"https?://\S*/account/{part}/\S+", message.body)
    assert match, message.body
    return match.group(0).split("://", 1)[1].split("/", 1)[1]


def _sign_up(client, email="lan@example.com", name="Lan", password=NEW_PASSWORD, locale="en"):
    token = csrf_token(client, "/en/account/sign-up")
    return client.post(
        "/en/account/sign-up",
        data={"email": email, "display_name": name, "password": password, "locale": locale, "csrf_token": token},
    )


def test_sign_up_confirm_and_sign_in(client, db):
    response = _sign_up(client, email="Lan@Example.com")
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    user = db.session.scalar(sa.select(User).where(User.email == "lan@example.com"))
    assert user.role == "tourist" and user.email_confirmed_at is None
    assert user.password_hash.startswith("scrypt:")

    # Unconfirmed: the right password is asked to confirm first, and no session starts.
    response = sign_in(client, "lan@example.com", NEW_PASSWORD)
    assert response.status_code == 200
    assert "confirm your email address first" in response.get_data(as_text=True)

    (message,) = _outbox(db, "lan@example.com")
    path = _link(message, "confirm")
    response = client.get("/" + path)
    assert response.status_code == 302
    assert db.session.get(User, user.id).email_confirmed_at is not None
    # Single use: the same link fails the second time.
    response = client.get("/" + path, follow_redirects=True)
    assert "invalid, expired or already used" in response.get_data(as_text=True)

    response = sign_in(client, "LAN@example.com ", NEW_PASSWORD)
    assert response.status_code == 302
    page = client.get("/en/account/").get_data(as_text=True)
    assert "lan@example.com" in page


def test_sign_up_with_existing_email_looks_the_same(client, db):
    fresh = _sign_up(client, email="someone-new@example.com")
    existing = _sign_up(client, email=ROLE_EMAILS["tourist"])
    assert fresh.status_code == existing.status_code == 200

    def visible(response, email):
        return response.get_data(as_text=True).replace(email, "EMAIL")

    assert visible(fresh, "someone-new@example.com").split("<main")[1] == visible(
        existing, ROLE_EMAILS["tourist"]
    ).split("<main")[1]
    # The owner of the address is told by mail instead.
    (notice,) = _outbox(db, ROLE_EMAILS["tourist"])
    assert "/vi/account/sign-in" in notice.body and "/vi/account/forgot-password" in notice.body


def test_wrong_password_and_unknown_email_get_the_same_answer(client, db):
    wrong = sign_in(client, ROLE_EMAILS["tourist"], "not-the-password-at-all")
    unknown = sign_in(client, "nobody-here@example.com", "not-the-password-at-all")
    assert wrong.status_code == unknown.status_code == 200
    message = "The email address or password is not correct."
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    failures = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "sign_in_failed")).all()
    assert {event.subject for event in failures} >= {ROLE_EMAILS["tourist"], "nobody-here@example.com"}


def test_sign_in_and_failure_are_audited_with_address(client, db):
    sign_in(client, ROLE_EMAILS["officer"])
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "sign_in").order_by(AuditEvent.id.desc())
    ).first()
    officer = db.session.scalar(sa.select(User).where(User.email == ROLE_EMAILS["officer"]))
    assert event.actor_id == officer.id and event.ip == "127.0.0.1"


def test_password_rules(client, db):
    for password, message in (
        ("short1!", "at least 10 characters"),
        ("password123", "too common"),
        ("qwertyuiop", "too common"),
        ("MATKHAU123", "too common"),
        ("aaaaaaaaaaaa", "more varied"),
        ("x" * 129, "at most 128"),
    ):
        response = _sign_up(client, email="rules@example.com", password=password)
        assert message in response.get_data(as_text=True), password
    assert db.session.scalar(sa.select(User).where(User.email == "rules@example.com")) is None


def test_bad_input_gets_form_errors_in_the_users_language(client, db):
    token = csrf_token(client, "/ko/account/sign-up")
    cases = {
        "email": ("not-an-email", "Lan"),
        "display_name_long": ("a@example.com", "L" * 81),
        "zero_width": ("b@example.com", "La\u200bn"),
        "rtl": ("c@example.com", "Lan\u202egnp.exe"),
        "control": ("d@example.com", "Lan\x07"),
    }
    for case, (email, name) in cases.items():
        response = client.post(
            "/ko/account/sign-up",
            data={"email": email, "display_name": name, "password": NEW_PASSWORD, "locale": "ko", "csrf_token": token},
        )
        assert response.status_code == 200, case
        page = response.get_data(as_text=True)
        assert 'class="invalid-feedback"' in page, case
        assert 'lang="ko"' in page
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.email.like("%@example.com"))) == 0


def test_template_payload_in_display_name_is_shown_as_typed(client, db, sign_in_as):
    sign_in_as("tourist")
    token = csrf_token(client, "/en/account/")
    response = client.post(
        "/en/account/",
        data={"display_name": "{{7*7}} <script>x</script>", "locale": "en", "csrf_token": token},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "{{7*7}} &lt;script&gt;x&lt;/script&gt;" in page
    assert ">49<" not in page and "<script>x" not in page


def test_session_cookie_replayed_after_sign_out_is_refused(app, db, sign_in_as):
    client = sign_in_as("tourist")
    assert client.get("/en/account/").status_code == 200
    stolen = client.get_cookie("session").value
    token = csrf_token(client, "/en/account/")
    assert client.post("/en/account/sign-out", data={"csrf_token": token}).status_code == 302

    replay = app.test_client()
    replay.set_cookie("session", stolen)
    response = replay.get("/en/account/")
    assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"]


def test_remember_cookie_replayed_after_sign_out_is_refused(app, client, db):
    assert sign_in(client, ROLE_EMAILS["tourist"], remember=True).status_code == 302
    remember = client.get_cookie("remember_token").value
    token = csrf_token(client, "/en/account/")
    client.post("/en/account/sign-out", data={"csrf_token": token})

    replay = app.test_client()
    replay.set_cookie("remember_token", remember)
    assert replay.get("/en/account/").status_code == 302

    # While the session lives, the remember cookie alone does sign the person in.
    fresh = app.test_client()
    assert sign_in(fresh, ROLE_EMAILS["tourist"], remember=True).status_code == 302
    restored = app.test_client()
    restored.set_cookie("remember_token", fresh.get_cookie("remember_token").value)
    assert restored.get("/en/account/").status_code == 200


def test_session_fixation_fails(app, client, db):
    # An attacker's pre-sign-in cookie, planted in the victim's browser, is worth nothing after sign-in.
    client.get("/en/account/sign-in")
    planted = client.get_cookie("session").value
    assert sign_in(client, ROLE_EMAILS["tourist"]).status_code == 302
    assert client.get_cookie("session").value != planted
    attacker = app.test_client()
    attacker.set_cookie("session", planted)
    assert attacker.get("/en/account/").status_code == 302


def test_two_sign_ins_get_different_sessions(app, db):
    first, second = app.test_client(), app.test_client()
    sign_in(first, ROLE_EMAILS["tourist"])
    sign_in(second, ROLE_EMAILS["tourist"])
    assert first.get_cookie("session").value != second.get_cookie("session").value
    user = db.session.scalar(sa.select(User).where(User.email == ROLE_EMAILS["tourist"]))
    count = db.session.scalar(
        sa.select(sa.func.count(AccountSession.id)).where(
            AccountSession.user_id == user.id, AccountSession.ended_at.is_(None)
        )
    )
    assert count == 2


def test_password_change_ends_other_sessions(app, db):
    phone, laptop = app.test_client(), app.test_client()
    sign_in(phone, ROLE_EMAILS["tourist"])
    sign_in(laptop, ROLE_EMAILS["tourist"])
    old_cookie = laptop.get_cookie("session").value
    token = csrf_token(laptop, "/en/account/password")
    response = laptop.post(
        "/en/account/password",
        data={"current_password": DEMO_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert laptop.get("/en/account/").status_code == 200  # this device carries on
    assert phone.get("/en/account/").status_code == 302  # the other one is out
    replay = app.test_client()
    replay.set_cookie("session", old_cookie)
    assert replay.get("/en/account/").status_code == 302  # and so is the old cookie


def test_wrong_current_password_changes_nothing(client, db, sign_in_as):
    sign_in_as("tourist")
    token = csrf_token(client, "/en/account/password")
    response = client.post(
        "/en/account/password",
        data={"current_password": "wrong-password-here", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
              "csrf_token": token},
    )
    assert "The current password is not correct." in response.get_data(as_text=True)
    assert sign_in(client.application.test_client(), ROLE_EMAILS["tourist"]).status_code == 302


def test_disabling_an_account_ends_its_sessions(app, db, sign_in_as):
    tourist = app.test_client()
    sign_in(tourist, ROLE_EMAILS["tourist"])
    admin = sign_in_as("admin")
    user = db.session.scalar(sa.select(User).where(User.email == ROLE_EMAILS["tourist"]))
    token = csrf_token(admin, f"/en/backoffice/users/{user.id}")
    response = admin.post(
        f"/en/backoffice/users/{user.id}", data={"role": "tourist", "establishment": "", "csrf_token": token}
    )
    assert response.status_code == 302
    assert tourist.get("/en/account/").status_code == 302
    assert sign_in(app.test_client(), ROLE_EMAILS["tourist"]).status_code == 200  # refused


def test_idle_and_absolute_timeouts(app, client, db):
    from datetime import timedelta

    sign_in(client, ROLE_EMAILS["tourist"])
    record = db.session.scalars(sa.select(AccountSession).order_by(AccountSession.id.desc())).first()
    record.last_seen_at -= timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    db.session.commit()
    assert client.get("/en/account/").status_code == 302
    assert db.session.get(AccountSession, record.id).end_reason == "idle"

    sign_in(client, ROLE_EMAILS["tourist"])
    record = db.session.scalars(sa.select(AccountSession).order_by(AccountSession.id.desc())).first()
    record.created_at -= timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"] + 1)
    db.session.commit()
    assert client.get("/en/account/").status_code == 302
    assert db.session.get(AccountSession, record.id).end_reason == "expired"


def test_password_reset_token_works_once(app, client, db):
    email = ROLE_EMAILS["tourist"]
    token = csrf_token(client, "/en/account/forgot-password")
    response = client.post("/en/account/forgot-password", data={"email": email, "csrf_token": token})
    assert "If an account uses" in response.get_data(as_text=True)
    (message,) = _outbox(db, email)
    path = "/" + _link(message, "reset")
    form_token = csrf_token(client, path)
    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": form_token})
    assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"]
    assert sign_in(app.test_client(), email, NEW_PASSWORD).status_code == 302
    # Used once: the same link now sends the visitor back to ask for a new one.
    response = client.get(path)
    assert response.status_code == 302 and "forgot-password" in response.headers["Location"]
    response = client.post(path, data={"password": "another-long-passphrase", "confirm": "another-long-passphrase",
                                       "csrf_token": form_token})
    assert sign_in(app.test_client(), email, "another-long-passphrase").status_code == 200


def test_password_reset_token_expires(app, client, db):
    import time

    from itsdangerous import TimestampSigner, URLSafeTimedSerializer

    from tourism.accounts import tokens

    lifetime = app.config["RESET_TOKEN_MINUTES"] * 60

    class SignedLongAgo(TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - lifetime - 60

    user = db.session.scalar(sa.select(User).where(User.email == ROLE_EMAILS["tourist"]))
    with app.test_request_context():
        valid = tokens.make_token("reset", user)
        assert tokens.read_token("reset", valid) is not None
        # Signed with the right key and salt, but a minute past its lifetime.
        serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="accounts.reset", signer=SignedLongAgo)
        stale = serializer.dumps(serializer.loads(valid))
        assert tokens.read_token("reset", stale) is None
        assert tokens.read_token("confirm", valid) is None  # a reset token is not a confirmation
    response = client.get(f"/en/account/reset/{stale}")
    assert response.status_code == 302 and "forgot-password" in response.headers["Location"]


def test_reset_for_unknown_email_looks_the_same_and_sends_nothing(client, db):
    token = csrf_token(client, "/en/account/forgot-password")
    known = client.post("/en/account/forgot-password", data={"email": ROLE_EMAILS["officer"], "csrf_token": token})
    unknown = client.post("/en/account/forgot-password", data={"email": "ghost@example.com", "csrf_token": token})
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True).replace(ROLE_EMAILS["officer"], "X") == unknown.get_data(
        as_text=True
    ).replace("ghost@example.com", "X")
    assert _outbox(db, "ghost@example.com") == []


def test_delete_account_erases_personal_data(app, client, db, sign_in_as):
    sign_in_as("tourist")
    user = db.session.scalar(sa.select(User).where(User.email == ROLE_EMAILS["tourist"]))
    old_cookie = client.get_cookie("session").value
    token = csrf_token(client, "/en/account/delete")
    response = client.post("/en/account/delete", data={"password": DEMO_PASSWORD, "confirm": "y", "csrf_token": token})
    assert response.status_code == 302
    gone = db.session.get(User, user.id)
    assert gone.email is None and gone.display_name is None and gone.password_hash is None
    assert gone.deleted_at is not None and not gone.is_active
    replay = app.test_client()
    replay.set_cookie("session", old_cookie)
    assert replay.get("/en/account/").status_code == 302
    assert sign_in(app.test_client(), ROLE_EMAILS["tourist"]).status_code == 200


def test_last_admin_cannot_delete_or_demote_themselves(client, db, sign_in_as):
    sign_in_as("admin")
    token = csrf_token(client, "/en/account/delete")
    response = client.post("/en/account/delete", data={"password": DEMO_PASSWORD, "confirm": "y", "csrf_token": token})
    assert "last administrator" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(User).where(User.email == ROLE_EMAILS["admin"])).is_active


def test_unconfirmed_email_can_ask_for_a_new_link(client, db):
    _sign_up(client, email="later@example.com")
    token = csrf_token(client, "/en/account/confirm")
    client.post("/en/account/confirm", data={"email": "later@example.com", "csrf_token": token})
    assert len(_outbox(db, "later@example.com")) == 2


def test_profile_saves_language_and_name(client, db, sign_in_as):
    sign_in_as("tourist")
    token = csrf_token(client, "/en/account/")
    response = client.post("/en/account/", data={"display_name": "Minh", "locale": "ja", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].startswith("/ja/account/")
    user = db.session.scalar(sa.select(User).where(User.email == ROLE_EMAILS["tourist"]))
    assert (user.display_name, user.locale) == ("Minh", "ja")


def test_end_another_device_session(app, db):
    phone, laptop = app.test_client(), app.test_client()
    sign_in(phone, ROLE_EMAILS["tourist"])
    sign_in(laptop, ROLE_EMAILS["tourist"])
    user = db.session.scalar(sa.select(User).where(User.email == ROLE_EMAILS["tourist"]))
    phone_session = db.session.scalars(
        sa.select(AccountSession)
        .where(AccountSession.user_id == user.id, AccountSession.ended_at.is_(None))
        .order_by(AccountSession.id)
    ).first()
    token = csrf_token(laptop, "/en/account/")
    laptop.post(f"/en/account/sessions/{phone_session.id}/end", data={"csrf_token": token})
    assert phone.get("/en/account/").status_code == 302
    assert laptop.get("/en/account/").status_code == 200


def test_a_busy_database_costs_the_activity_write_not_the_request(app, client, db, monkeypatch):
    from datetime import timedelta

    sign_in_response = sign_in(client, ROLE_EMAILS["tourist"])
    assert sign_in_response.status_code == 302
    record = db.session.scalar(sa.select(AccountSession).order_by(AccountSession.id.desc()).limit(1))
    record.last_seen_at = record.last_seen_at - timedelta(minutes=5)
    db.session.commit()
    before = record.last_seen_at
    real_commit = db.session.commit
    refused = []

    def locked():
        # What SQLite answers when another worker writes while this read turns into a write.
        refused.append(1)
        raise sa.exc.OperationalError("UPDATE account_session", {}, Exception("database is locked"))

    monkeypatch.setattr(db.session, "commit", locked)
    response = client.get("/en/account/")
    monkeypatch.setattr(db.session, "commit", real_commit)
    assert refused  # the activity write was attempted and refused…
    assert response.status_code == 200  # …and the visitor is still served, signed in
    db.session.expire_all()
    assert db.session.get(AccountSession, record.id).last_seen_at == before
