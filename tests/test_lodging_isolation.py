"""Every lodging URL that takes an id refuses another establishment's ids exactly like missing ones."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import csrf_token, guest
from tourism.extensions import db
from tourism.lodging import services
from tourism.lodging.models import (
    Declaration,
    EstablishmentClosure,
    ImportJob,
    Room,
    RoomOutOfService,
)

# Blueprints whose routes belong to one establishment's people.
ESTABLISHMENT_BLUEPRINTS = ("lodging.",)


def _theirs(other) -> dict[str, int]:
    """Create one of everything in the other establishment; return ids by URL argument name."""
    today = services.today()
    stay = services.check_in_one(other, "A01", today, today + timedelta(days=1), [guest()], source="desk")
    room = db.session.scalar(sa.select(Room).where(Room.establishment_id == other.id, Room.number == "A02"))
    repair = RoomOutOfService(room_id=room.id, start_date=today + timedelta(days=30), end_date=today + timedelta(days=31))
    closure = EstablishmentClosure(establishment_id=other.id, start_date=today + timedelta(days=60),
                                   end_date=today + timedelta(days=61))
    job = ImportJob(establishment_id=other.id, filename="x.csv", stored_path="/nonexistent", status="invalid")
    db.session.add_all([repair, closure, job])
    db.session.commit()
    declaration = db.session.scalar(sa.select(Declaration).where(Declaration.stay_id == stay.id))
    from tourism.lodging import tokens

    token = tokens.create_token(other, name="theirs")[0]
    return {
        "stay_id": stay.id,
        "guest_id": stay.guests[0].id,
        "room_id": room.id,
        "period_id": repair.id,
        "out_of_service_id": repair.id,
        "closure_id": closure.id,
        "job_id": job.id,
        "declaration_id": declaration.id,
        "token_id": token.id,
    }


def _id_routes(app):
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(ESTABLISHMENT_BLUEPRINTS):
            continue
        ids = {name for name in rule.arguments if name.endswith("_id")}
        if ids:
            yield rule, ids


@pytest.mark.parametrize("role", ["lodging_staff", "lodging_manager"])
def test_other_establishments_ids_are_not_found_anywhere(app, client, sign_in_as, other_establishment, role):
    with app.test_request_context("/en/"):
        theirs = _theirs(other_establishment)
    sign_in_as(role)
    token = csrf_token(client, "/en/lodging/")
    checked = []
    for rule, ids in _id_routes(app):
        unknown = ids - set(theirs)
        assert not unknown, f"{rule.rule}: add a foreign object for {unknown} to _theirs()"
        values = {name: theirs[name] for name in ids}
        values["locale"] = "en"
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **{k: v for k, v in values.items() if k in rule.arguments})
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token})
            # 403 would do for a manager-only action tried by staff, but it must never reveal anything.
            assert response.status_code in (403, 404), (role, method, url, response.status_code)
            body = response.get_data(as_text=True)
            assert "Kim Min-ji" not in body and "•••••678" not in body
            checked.append((method, url))
    assert len(checked) >= 5, checked


def test_the_api_answers_another_establishments_stay_like_a_missing_one(app, client, establishment, other_establishment):
    from tourism.lodging import tokens

    with app.test_request_context("/en/"):
        theirs = _theirs(other_establishment)
        _token, secret = tokens.create_token(establishment, name="ours")
    headers = {"Authorization": f"Bearer {secret}"}
    missing = client.get("/api/v1/stays/2147483000", headers=headers)
    foreign = client.get(f"/api/v1/stays/{theirs['stay_id']}", headers=headers)
    assert missing.status_code == foreign.status_code == 404
    assert missing.get_json() == foreign.get_json()
    checkout = client.post(f"/api/v1/stays/{theirs['stay_id']}/checkout", headers=headers, json={})
    assert checkout.status_code == 404
    rooms = client.get("/api/v1/rooms", headers=headers).get_json()["rooms"]
    assert {room["number"] for room in rooms} == {"101", "102", "103", "201", "202", "D1"}
