"""Admins manage roles, read the audit log and the development mail outbox."""

import sqlalchemy as sa

from tests.conftest import ROLE_EMAILS, csrf_token, sign_in
from tourism.accounts.models import User
from tourism.core.audit import AuditEvent


def _user(db, role):
    return db.session.scalar(sa.select(User).where(User.email == ROLE_EMAILS[role]))


def test_role_change_is_audited_and_takes_effect(app, db, sign_in_as):
    tourist = app.test_client()
    sign_in(tourist, ROLE_EMAILS["tourist"])
    admin = sign_in_as("admin")
    person = _user(db, "tourist")
    token = csrf_token(admin, f"/en/backoffice/users/{person.id}")
    response = admin.post(
        f"/en/backoffice/users/{person.id}",
        data={"role": "lodging_manager", "establishment": "mui-ne-sea-breeze-resort", "active": "y",
              "csrf_token": token},
    )
    assert response.status_code == 302
    person = _user(db, "tourist")
    assert person.role == "lodging_manager" and person.establishment.slug == "mui-ne-sea-breeze-resort"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "role_changed"))
    assert event.actor_id == _user(db, "admin").id and event.target_id == person.id
    assert event.details["from"]["role"] == "tourist" and event.details["to"]["role"] == "lodging_manager"
    # The person signs in again under the new role.
    assert tourist.get("/en/account/").status_code == 302


def test_role_without_its_establishment_is_refused_and_nothing_changes(db, sign_in_as):
    admin = sign_in_as("admin")
    person = _user(db, "tourist")
    token = csrf_token(admin, f"/en/backoffice/users/{person.id}")
    for data in ({"role": "lodging_staff", "establishment": ""},
                 {"role": "officer", "establishment": "doi-thong-homestay"},
                 {"role": "wizard", "establishment": ""},
                 {"role": "officer", "establishment": "no-such-place"}):
        response = admin.post(f"/en/backoffice/users/{person.id}", data={**data, "active": "y", "csrf_token": token})
        assert response.status_code == 200, data
        assert 'class="invalid-feedback"' in response.get_data(as_text=True), data
    assert _user(db, "tourist").role == "tourist"
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "role_changed")) == 0


def test_last_admin_cannot_be_demoted(db, sign_in_as):
    admin = sign_in_as("admin")
    me = _user(db, "admin")
    token = csrf_token(admin, f"/en/backoffice/users/{me.id}")
    response = admin.post(f"/en/backoffice/users/{me.id}",
                          data={"role": "officer", "establishment": "", "active": "y", "csrf_token": token})
    assert "last administrator" in response.get_data(as_text=True)
    assert _user(db, "admin").role == "admin"


def test_audit_log_filters(app, db, sign_in_as):
    sign_in(app.test_client(), ROLE_EMAILS["officer"], "wrong-password-1")
    sign_in(app.test_client(), ROLE_EMAILS["tourist"])
    admin = sign_in_as("admin")

    page = admin.get("/en/backoffice/audit/", query_string={"action": "sign_in_failed"}).get_data(as_text=True)
    assert ROLE_EMAILS["officer"] in page and "<td>Failed sign-in</td>" in page
    assert "<td>Signed in</td>" not in page
    page = admin.get("/en/backoffice/audit/", query_string={"actor": ROLE_EMAILS["tourist"]}).get_data(as_text=True)
    assert "<td>Signed in</td>" in page and "<td>Failed sign-in</td>" not in page
    page = admin.get("/en/backoffice/audit/", query_string={"ip": "10.9.9.9"}).get_data(as_text=True)
    assert "Nothing matches these filters." in page
    page = admin.get("/en/backoffice/audit/", query_string={"from": "2001-01-01", "to": "2000-01-01"})
    assert "Nothing matches these filters." in page.get_data(as_text=True)


def test_audit_log_bad_filters_get_notices(db, sign_in_as):
    admin = sign_in_as("admin")
    for query in ({"action": "explode"}, {"from": "yesterday"}, {"to": "9999-12-31"}, {"page": "-4"},
                  {"actor": "x" * 5000}, {"from": "0001-01-01"}):
        response = admin.get("/en/backoffice/audit/", query_string=query)
        assert response.status_code == 200, query
    assert "is not a date" in admin.get("/en/backoffice/audit/?to=9999-12-31").get_data(as_text=True)
    assert "Unknown action" in admin.get("/en/backoffice/audit/?action=explode").get_data(as_text=True)


def test_users_list_filters(db, sign_in_as):
    admin = sign_in_as("admin")
    page = admin.get("/en/backoffice/users/", query_string={"role": "officer"}).get_data(as_text=True)
    assert ROLE_EMAILS["officer"] in page and ROLE_EMAILS["tourist"] not in page
    page = admin.get("/en/backoffice/users/", query_string={"q": "STAFF@"}).get_data(as_text=True)
    assert ROLE_EMAILS["lodging_staff"] in page and ROLE_EMAILS["officer"] not in page
    page = admin.get("/en/backoffice/users/", query_string={"q": "%_"}).get_data(as_text=True)
    assert "No account matches." in page


def test_outbox_shows_development_mail(client, db, sign_in_as):
    token = csrf_token(client, "/en/account/forgot-password")
    client.post("/en/account/forgot-password", data={"email": ROLE_EMAILS["officer"], "csrf_token": token})
    admin = sign_in_as("admin")
    page = admin.get("/en/backoffice/outbox/").get_data(as_text=True)
    assert ROLE_EMAILS["officer"] in page and "/account/reset/" in page


def test_deleted_account_page(db, sign_in_as, app):
    from tourism.core.database import utcnow

    person = _user(db, "tourist")
    person.email, person.deleted_at, person.active = None, utcnow(), False
    db.session.commit()
    admin = sign_in_as("admin")
    response = admin.get(f"/en/backoffice/users/{person.id}")
    assert response.status_code == 410
