"""Registering an establishment, its manager's profile, and licensing by the department."""

import re
from datetime import date

import pytest
import sqlalchemy as sa

from tests.conftest import ROLE_EMAILS, csrf_token, guest, sign_in
from tourism.accounts.models import User
from tourism.core.audit import AuditEvent
from tourism.extensions import db as _db
from tourism.lodging import establishments, services
from tourism.lodging.errors import LodgingError
from tourism.lodging.models import Establishment
from tourism.portal.models import Area

REGISTER = "/en/lodging/register-establishment"


def form(**overrides) -> dict:
    """A valid registration as the form posts it."""
    area = _db.session.scalar(sa.select(Area.id).where(Area.slug == "lam-vien-da-lat"))
    data = {
        "name": "Sương Mai Garden Homestay",
        "kind": "homestay",
        "star_class": "",
        "licence_number": "68-hs-9001",
        "address": "12 Đường Mai Anh Đào, phường Lâm Viên – Đà Lạt",
        "area_id": str(area),
        "lat": "11.9512",
        "lon": "108.4533",
        "phone": "+84 263 388 9001",
        "email": "suongmai@example.com",
        "website": "https://suongmai.example.com",
        "declared_rooms": "4",
        "declared_bed_places": "9",
        "price_from": "420000",
        "step_free": "y",
        "description": "Four rooms in a garden of cherry trees.",
    }
    data.update(overrides)
    return data


def register(client, **overrides):
    data = form(**overrides)
    data["csrf_token"] = csrf_token(client, REGISTER)
    return client.post(REGISTER, data=data)


def tourist() -> User:
    return _db.session.scalar(sa.select(User).where(User.email == ROLE_EMAILS["tourist"]))


def by_name(name: str) -> Establishment | None:
    return _db.session.scalar(sa.select(Establishment).where(Establishment.name == name))


def decide(client, establishment_id: int, status: str, reason: str = ""):
    path = f"/en/backoffice/establishments/{establishment_id}"
    return client.post(path, data={"status": status, "reason": reason, "csrf_token": csrf_token(client, path)})


# -- registration --------------------------------------------------------------------------------

def test_registration_makes_a_pending_establishment_and_its_manager(client, db, sign_in_as):
    sign_in_as("tourist")
    response = register(client)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert response.headers["Location"].endswith("/en/lodging/profile")
    created = by_name("Sương Mai Garden Homestay")
    assert created.status == "pending"
    assert created.slug == "suong-mai-garden-homestay"
    assert created.licence_number == "68-HS-9001"
    assert (created.lat, created.lon, created.declared_rooms, created.declared_bed_places) == (11.9512, 108.4533, 4, 9)
    assert created.step_free and created.price_from == 420000
    user = tourist()
    assert user.role == "lodging_manager" and user.establishment_id == created.id
    actions = set(db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.target_type == "establishment", AuditEvent.target_id == created.id)
    ))
    assert actions == {"establishment_registered"}
    # The same device stays signed in, now as the manager.
    page = client.get("/en/lodging/profile")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Sương Mai Garden Homestay" in html and "Waiting for a decision" in html
    # Not listed, not public, and no check-ins until approved.
    assert "suong-mai-garden-homestay" not in client.get("/en/stay/").get_data(as_text=True)
    assert client.get("/en/stay/suong-mai-garden-homestay").status_code == 404
    with pytest.raises(LodgingError) as refused:
        services.check_in_one(created, "1", date.today(), date.today(), [guest()])
    assert refused.value.code == "not_approved"


def test_registration_ends_the_other_sessions_of_the_account(app, client, db, sign_in_as):
    other_device = app.test_client()
    assert sign_in(other_device, ROLE_EMAILS["tourist"]).status_code == 302
    assert other_device.get("/en/account/").status_code == 200
    sign_in_as("tourist")
    assert register(client).status_code == 302
    assert client.get("/en/account/").status_code == 200
    assert other_device.get("/en/account/").status_code == 302  # sent to sign in again


def test_slug_is_unique_for_a_second_establishment_of_the_same_name(client, db, sign_in_as):
    sign_in_as("tourist")
    assert register(client, name="Đồi Thông Homestay").status_code == 302
    slugs = set(db.session.scalars(sa.select(Establishment.slug).where(Establishment.name == "Đồi Thông Homestay")))
    assert slugs == {"doi-thong-homestay", "doi-thong-homestay-2"}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"lat": "21.0285", "lon": "105.8542"}, "lat", "outside the province"),
        ({"lat": "", "lon": "abc"}, "lon", "Pick the location on the map"),
        ({"licence_number": "!"}, "licence_number", "licence number"),
        ({"star_class": "3"}, "star_class", "Only hotels and resorts"),
        ({"kind": "castle"}, "kind", "Choose a type"),
        ({"area_id": "999999"}, "area_id", "Choose the ward or commune"),
        ({"declared_rooms": "10", "declared_bed_places": "4"}, "declared_bed_places", "at least one bed-place"),
        ({"declared_rooms": "lots"}, "declared_rooms", "number of rooms"),
        ({"phone": "call me"}, "phone", "phone number"),
        ({"email": "not-an-address"}, "email", "not an email address"),
        ({"website": "javascript:alert(1)"}, "website", "full address of the website"),
        ({"price_from": "-5"}, "price_from", "price in đồng"),
        ({"name": "A"}, "name", "establishment&#39;s name"),
    ],
)
def test_bad_values_are_named_next_to_their_field_and_nothing_is_saved(client, db, sign_in_as, overrides, field, message):
    sign_in_as("tourist")
    response = register(client, **overrides)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    error = re.search(rf'id="{field}-error">([^<]*)<', html)
    assert error and message in error.group(1), html[html.find("invalid-feedback") - 300:][:800]
    assert by_name("Sương Mai Garden Homestay") is None
    assert tourist().role == "tourist"


def test_star_class_is_kept_for_a_hotel(client, db, sign_in_as):
    sign_in_as("tourist")
    assert register(client, kind="hotel", star_class="4", name="Sương Mai Hotel").status_code == 302
    assert by_name("Sương Mai Hotel").star_class == 4


@pytest.mark.parametrize("role", ["lodging_staff", "lodging_manager", "officer", "admin"])
def test_only_a_visitor_account_registers(client, sign_in_as, role):
    sign_in_as(role)
    assert client.get(REGISTER).status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(REGISTER)
    assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"]


def test_registration_without_csrf_is_refused(client, db, sign_in_as):
    sign_in_as("tourist")
    response = client.post(REGISTER, data=form())
    assert response.status_code in (200, 400)
    assert by_name("Sương Mai Garden Homestay") is None


def test_the_registration_page_has_the_map_and_grouped_areas(client, sign_in_as):
    sign_in_as("tourist")
    html = client.get(REGISTER).get_data(as_text=True)
    assert 'id="location-map"' in html and "/vendor/leaflet/" in html and "js/lodging-location.js" in html
    assert '<optgroup label="Da Lat">' in html and 'inputmode="decimal"' in html
    assert "<script>" not in html  # CSP: no inline scripts
    assert '<optgroup label="">' not in html


# -- the manager's profile -----------------------------------------------------------------------

def test_manager_edits_the_profile_of_their_own_establishment_only(client, db, sign_in_as, establishment, other_establishment):
    sign_in_as("lodging_manager")
    page = client.get("/en/lodging/profile").get_data(as_text=True)
    assert "Đồi Thông Homestay" in page and other_establishment.name not in page
    data = form(name="Đồi Thông Homestay", kind="homestay", price_from="480000", declared_rooms="6",
                declared_bed_places="14", licence_number="68-HS-0142")
    data["csrf_token"] = csrf_token(client, "/en/lodging/profile")
    assert client.post("/en/lodging/profile", data=data).status_code == 302
    db.session.expire_all()
    assert establishment.price_from == 480000 and establishment.status == "approved"
    assert other_establishment.price_from == 1800000
    bad = dict(data, lat="0")
    response = client.post("/en/lodging/profile", data=bad)
    assert response.status_code == 200 and "outside the province" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["tourist", "lodging_staff", "officer"])
def test_profile_is_for_managers(client, sign_in_as, role):
    sign_in_as(role)
    assert client.get("/en/lodging/profile").status_code == 403


# -- licensing -----------------------------------------------------------------------------------

def test_officer_lists_and_filters_establishments(client, sign_in_as):
    sign_in_as("officer")
    html = client.get("/en/backoffice/establishments/").get_data(as_text=True)
    assert "Thung Lũng Mây Glamping" in html and "Hải Âu Guesthouse" in html and "Đồi Thông Homestay" in html
    pending = client.get("/en/backoffice/establishments/?status=pending").get_data(as_text=True)
    assert "Thung Lũng Mây Glamping" in pending and "Đồi Thông Homestay" not in pending
    resorts = client.get("/en/backoffice/establishments/?type=resort").get_data(as_text=True)
    assert "Mũi Né Sea Breeze Resort" in resorts and "Đồi Thông Homestay" not in resorts
    area = client.get("/en/backoffice/establishments/?area=mui-ne").get_data(as_text=True)
    assert "Mũi Né Sea Breeze Resort" in area and "Đồi Thông Homestay" not in area
    search = client.get("/en/backoffice/establishments/?q=doi+thong").get_data(as_text=True)
    assert "Đồi Thông Homestay" in search and "Mũi Né Sea Breeze Resort" not in search
    bad = client.get("/en/backoffice/establishments/?status=closed&type=castle&area=atlantis")
    assert bad.status_code == 200
    text = bad.get_data(as_text=True)
    assert "Unknown status" in text and "Unknown type" in text and "Unknown area" in text


@pytest.mark.parametrize("role", ["tourist", "lodging_staff", "lodging_manager"])
def test_licensing_is_refused_outside_the_department(client, sign_in_as, establishment, role):
    sign_in_as(role)
    assert client.get("/en/backoffice/establishments/").status_code == 403
    assert client.get(f"/en/backoffice/establishments/{establishment.id}").status_code == 403
    assert client.post(f"/en/backoffice/establishments/{establishment.id}", data={"status": "suspended"}).status_code == 403


def test_officer_approves_then_suspends_a_registration(app, client, db, sign_in_as):
    sign_in_as("tourist")
    assert register(client).status_code == 302
    created = by_name("Sương Mai Garden Homestay")
    client.post("/en/account/sign-out", data={"csrf_token": csrf_token(client, "/en/account/")})
    sign_in_as("officer")
    assert decide(client, created.id, "approved").status_code == 302
    db.session.expire_all()
    assert created.status == "approved" and created.status_changed_at is not None
    public = app.test_client()
    assert "Sương Mai Garden Homestay" in public.get("/en/stay/").get_data(as_text=True)
    assert public.get("/en/stay/suong-mai-garden-homestay").status_code == 200

    refused = decide(client, created.id, "suspended", "")
    assert refused.status_code == 200 and "Give the reason" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert created.status == "approved"
    assert decide(client, created.id, "suspended", "Fire exits blocked at inspection").status_code == 302
    db.session.expire_all()
    assert created.status == "suspended" and created.status_reason == "Fire exits blocked at inspection"
    assert "Sương Mai Garden Homestay" not in public.get("/en/stay/").get_data(as_text=True)
    assert public.get("/en/stay/suong-mai-garden-homestay").status_code == 404
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "establishment_status_changed",
                                    AuditEvent.target_id == created.id).order_by(AuditEvent.id)
    ).all()
    assert [(e.details["from"], e.details["to"]) for e in events] == [("pending", "approved"), ("approved", "suspended")]
    # The manager sees the reason on the profile page.
    history = client.get(f"/en/backoffice/establishments/{created.id}").get_data(as_text=True)
    assert "Fire exits blocked at inspection" in history


def test_rejection_needs_a_reason(client, db, sign_in_as):
    pending = db.session.scalar(sa.select(Establishment).where(Establishment.slug == "thung-lung-may-glamping"))
    sign_in_as("admin")
    response = decide(client, pending.id, "rejected", "  ")
    assert response.status_code == 200
    assert re.search(r'id="reason-error">[^<]*Give the reason', response.get_data(as_text=True))
    db.session.expire_all()
    assert pending.status == "pending"
    assert decide(client, pending.id, "rejected", "The licence number belongs to another business.").status_code == 302
    db.session.expire_all()
    assert pending.status == "rejected"


def test_only_allowed_transitions(client, db, sign_in_as, establishment):
    sign_in_as("officer")
    response = decide(client, establishment.id, "rejected", "An approved one cannot be rejected.")
    assert response.status_code == 200 and "cannot go from" in response.get_data(as_text=True)
    db.session.expire_all()
    assert establishment.status == "approved"
    with pytest.raises(LodgingError):
        establishments.set_status(establishment, "pending", "", None)


def test_decision_without_csrf_is_refused(client, db, sign_in_as, establishment):
    sign_in_as("officer")
    response = client.post(f"/en/backoffice/establishments/{establishment.id}",
                           data={"status": "suspended", "reason": "No token here"})
    assert response.status_code in (200, 400)
    db.session.expire_all()
    assert establishment.status == "approved"


def test_unknown_establishment_is_not_found(client, sign_in_as):
    sign_in_as("officer")
    assert client.get("/en/backoffice/establishments/999999").status_code == 404


def test_suspended_establishment_cannot_check_in(ctx, db):
    suspended = db.session.scalar(sa.select(Establishment).where(Establishment.slug == "hai-au-guesthouse"))
    assert suspended.status == "suspended" and suspended.status_reason
    with pytest.raises(LodgingError) as refused:
        services.check_in_one(suspended, "1", date.today(), date.today(), [guest()])
    assert refused.value.code == "not_approved"
