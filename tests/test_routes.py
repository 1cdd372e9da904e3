"""Walk the whole URL map: every route is classified, answers, and admits exactly the roles it should."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import url_for

from tests.conftest import ROLE_EMAILS, sign_in
from tourism.accounts.models import User
from tourism.core.permissions import ANONYMOUS, PERMISSIONS, ROLES
from tourism.extensions import db
from tourism.i18n import LOCALES
from tourism.map.assets import PACKAGES
from tourism.map.models import Itinerary
from tourism.portal.models import Event, NewsArticle, Place
from tourism.sites import services as site_services

# GET endpoints that answer a redirect to anonymous visitors even with good sample values.
REDIRECTS = {"core.root", "accounts.confirm_email", "accounts.reset_password"}
HUGE_ID = "99999999999999999999"
# The hotels' API is open to all in the table and checks its own bearer token: without one, 401.
BEARER_TOKEN_ENDPOINTS = {"api.lodging_create_stay", "api.lodging_stay", "api.lodging_check_out", "api.lodging_rooms",
                          "api.site_visits"}
# The open statistics answer 503 until the warehouse is first refreshed (these tests never refresh it).
UNAVAILABLE_WITHOUT_WAREHOUSE = {"api.stats_accommodation", "api.stats_site_visits"}


def sample_values(app) -> dict:
    with app.app_context():
        first = lambda model: db.session.scalar(sa.select(model.slug).order_by(model.slug).limit(1))  # noqa: E731
        tourist = db.session.scalar(sa.select(User.id).where(User.email == ROLE_EMAILS["tourist"]))
        return {
            "portal.place": {"slug": first(Place)},
            "portal.event": {"slug": first(Event)},
            "portal.article": {"slug": first(NewsArticle)},
            "map.place_script": {"slug": first(Place)},
            "map.event_script": {"slug": first(Event)},
            "map.itinerary": {"slug": first(Itinerary)},
            "map.itinerary_script": {"slug": first(Itinerary)},
            "vendor.asset": {"package": "leaflet", "version": PACKAGES["leaflet"].version, "filename": "leaflet.js"},
            "static": {"filename": "css/site.css"},
            "bootstrap.static": {"filename": "css/bootstrap.min.css"},
            "accounts.confirm_email": {"token": "not-a-real-token"},
            "accounts.reset_password": {"token": "not-a-real-token"},
            "accounts.end_session": {"session_id": 1},
            "backoffice.user": {"user_id": tourist},
            "api.lodging_stay": {"stay_id": 1},
            "api.lodging_check_out": {"stay_id": 1},
            "lodging.tokens_revoke": {"token_id": 1},
            "lodging.import_job": {"job_id": 1},
            "lodging.import_progress": {"job_id": 1},
            "lodging.import_commit": {"job_id": 1},
            "lodging.import_discard": {"job_id": 1},
            "directory.directory_page": {"slug": "doi-thong-homestay"},
            "directory.directory_script": {"slug": "doi-thong-homestay"},
            "backoffice.establishment_detail": {"establishment_id": _establishment_id("doi-thong-homestay")},
            "lodging.declaration_retry": {"declaration_id": 1},
            "lodging.report_month": {"month": "2026-01"},
            "lodging.report_submit": {"month": "2026-01"},
            # The demo site manager's own site, and a day it may report.
            "sites.site_page": {"slug": "langbiang"},
            "sites.day": {"day": (site_services.today() - timedelta(days=1)).isoformat()},
            **_desk_samples(),
        }


def _establishment_id(slug: str) -> int:
    from tourism.lodging.models import Establishment

    return db.session.scalar(sa.select(Establishment.id).where(Establishment.slug == slug))


def _desk_samples() -> dict:
    from tourism.lodging.models import Establishment, Room

    room = db.session.scalar(
        sa.select(Room.id).join(Establishment).where(Establishment.slug == "doi-thong-homestay").order_by(Room.id)
    )
    stay = {"stay_id": 1}
    return {
        "lodging.desk_stay": stay, "lodging.desk_stay_extend": stay, "lodging.desk_stay_change_room": stay,
        "lodging.desk_stay_check_out": stay, "lodging.desk_stay_cancel": stay,
        "lodging.desk_guest": {"guest_id": 1},
        "lodging.desk_room_edit": {"room_id": room}, "lodging.desk_room_remove": {"room_id": room},
        "lodging.desk_room_out_of_service_add": {"room_id": room},
        "lodging.desk_room_out_of_service_remove": {"room_id": room, "period_id": 1},
        "lodging.desk_closure_remove": {"closure_id": 1},
    }


def _url(app, rule, values, locale="en") -> str:
    values = dict(values)
    if "locale" in rule.arguments:
        values["locale"] = locale
    missing = rule.arguments - set(values)
    assert not missing, f"{rule.rule}: add sample values for {missing} to sample_values()"
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def test_every_endpoint_is_classified(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    unclassified = endpoints - set(PERMISSIONS)
    assert not unclassified, f"add these endpoints to core.permissions.PERMISSIONS: {sorted(unclassified)}"
    stale = set(PERMISSIONS) - endpoints
    assert not stale, f"PERMISSIONS lists endpoints that no longer exist: {sorted(stale)}"


def test_every_public_get_route_answers_in_every_locale(app, client):
    samples = sample_values(app)
    checked = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or ANONYMOUS not in PERMISSIONS[rule.endpoint]:
            continue
        if rule.endpoint in BEARER_TOKEN_ENDPOINTS:
            assert client.get(_url(app, rule, samples.get(rule.endpoint, {}))).status_code == 401
            continue
        for locale in LOCALES if "locale" in rule.arguments else [None]:
            url = _url(app, rule, samples.get(rule.endpoint, {}), locale)
            response = client.get(url)
            expected = 302 if rule.endpoint in REDIRECTS else 503 if rule.endpoint in UNAVAILABLE_WITHOUT_WAREHOUSE else 200
            assert response.status_code == expected, (rule.rule, url, response.status_code)
            checked.append(url)
    assert len(checked) >= 7 * 14


def _denied(role: str, method: str, response) -> bool:
    if role == ANONYMOUS:
        if method == "GET":
            return response.status_code == 302 and "/account/sign-in?next=" in response.headers["Location"]
        return response.status_code == 401
    return response.status_code == 403


@pytest.mark.parametrize("role", [ANONYMOUS, *ROLES])
def test_role_route_matrix(app, db, role):
    """Request every endpoint, with every method it takes, as this role; the table must decide."""
    client = app.test_client()
    if role != ANONYMOUS:
        assert sign_in(client, ROLE_EMAILS[role]).status_code == 302
    samples = sample_values(app)
    wrong, denials = [], 0
    for rule in app.url_map.iter_rules():
        url = _url(app, rule, samples.get(rule.endpoint, {}))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            # POSTs carry no CSRF token: an allowed one stops at the CSRF check (400), changing nothing.
            response = client.open(url, method=method)
            assert response.status_code < 500 or (
                rule.endpoint in UNAVAILABLE_WITHOUT_WAREHOUSE and response.status_code == 503
            ), (role, method, url, response.status_code)
            if rule.endpoint in BEARER_TOKEN_ENDPOINTS:
                # Cookies never sign in to it, whatever the role.
                assert response.status_code == 401 and response.is_json, (role, method, url, response.status_code)
                continue
            should_allow = role in PERMISSIONS[rule.endpoint]
            denials += not should_allow
            if _denied(role, method, response) == should_allow:
                wrong.append((method, url, response.status_code, "allowed" if should_allow else "denied"))
            if method == "POST" and should_allow:
                assert response.status_code == 400, (role, url, response.status_code)
    assert not wrong, f"{role}: responses disagree with the table (expected in last column): {wrong}"
    assert denials or role == "admin", f"{role} was refused nothing; the matrix checked no denial"


def test_every_post_without_csrf_token_is_refused(app, db, sign_in_as):
    client = sign_in_as("admin")
    posts = [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods]
    assert len(posts) >= 10
    samples = sample_values(app)
    clients = {"admin": client}
    for rule in posts:
        url = _url(app, rule, samples.get(rule.endpoint, {}))
        # Managers' own forms refuse the admin (403) before any CSRF check: post those as a manager.
        role = "admin" if "admin" in PERMISSIONS[rule.endpoint] else sorted(PERMISSIONS[rule.endpoint] - {ANONYMOUS})[0]
        if role not in clients:
            clients[role] = app.test_client()
            assert sign_in(clients[role], ROLE_EMAILS[role]).status_code == 302
        response = clients[role].post(url, data={"email": ROLE_EMAILS["admin"], "display_name": "x"})
        if rule.endpoint in BEARER_TOKEN_ENDPOINTS:
            # No CSRF token needed (no cookie signs in to it); no bearer token, so nothing done.
            assert response.status_code == 401, (url, response.status_code)
            continue
        assert response.status_code == 400, (url, response.status_code)
        assert "Bad request" in response.get_data(as_text=True)
    # Still signed in and unchanged: none of those requests did anything.
    assert client.get("/en/account/").status_code == 200


def test_ids_out_of_range_are_404(app, db, sign_in_as):
    client = sign_in_as("admin")
    int_rules = []
    samples = sample_values(app)
    for rule in app.url_map.iter_rules():
        for name, converter in rule._converters.items():
            if type(converter).__name__ != "IdConverter":
                continue
            int_rules.append(rule)
            values = samples[rule.endpoint]
            url = _url(app, rule, values).replace(f"/{values[name]}", f"/{HUGE_ID}", 1)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(url, method=method)
                assert response.status_code == 404, (method, url, response.status_code)
    assert int_rules, "no route takes an id; this test checks nothing"
