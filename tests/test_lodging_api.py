"""The hotels' API: bearer tokens, stays, check-out, rooms, JSON errors, Idempotency-Key, tokens' UI and CLI."""

import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import csrf_token, guest, vietnamese_guest
from tourism.core.audit import AuditEvent
from tourism.core.database import utcnow
from tourism.extensions import db
from tourism.lodging import services, tokens
from tourism.lodging.models import ApiToken, IdempotencyRecord, RoomOutOfService, Stay


def day(offset: int = 0):
    """Yesterday plus `offset` days: check-in records arrivals, so none is later than tomorrow."""
    return services.today() + timedelta(days=offset - 1)


@pytest.fixture
def token(establishment):
    return tokens.create_token(establishment, "PMS")[1]


@pytest.fixture
def other_token(other_establishment):
    return tokens.create_token(other_establishment, "Other PMS")[1]


def auth(token: str, **headers) -> dict:
    return {"Authorization": f"Bearer {token}", **headers}


def stay_body(room="101", guests=None, **overrides) -> dict:
    body = {"room": room, "check_in": day().isoformat(), "check_out": day(2).isoformat(),
            "guests": guests if guests is not None else [guest()]}
    body.update(overrides)
    return body


def post_stay(client, token, body, **headers):
    return client.post("/api/v1/stays", json=body, headers=auth(token, **headers))


def stays_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Stay.id)))


def error(response) -> dict:
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:300]
    return response.get_json()["error"]


# -- stays -----------------------------------------------------------------------------------

def test_check_in_returns_the_stay_with_masked_documents(client, token, establishment):
    response = post_stay(client, token, stay_body(guests=[guest(), vietnamese_guest()], group_name="Seoul tour"))
    assert response.status_code == 201, response.get_data(as_text=True)
    stay = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/stays/{stay['id']}")
    assert "Idempotent-Replayed" not in response.headers
    assert stay["room"] == "101" and stay["status"] == "in_house" and stay["nights"] == 2
    assert stay["check_in"] == day().isoformat() and stay["check_out"] == day(2).isoformat()
    assert stay["same_day"] is False and stay["group_name"] == "Seoul tour"
    assert [g["document_number"] for g in stay["guests"]] == ["•••••678", "•••••234"]
    assert stay["guests"][0]["full_name"] == "Kim Min-ji" and stay["guests"][1]["nationality"] == "VN"
    text = response.get_data(as_text=True)
    assert "M12345678" not in text and "079190001234" not in text
    stored = db.session.get(Stay, stay["id"])
    assert stored.source == "api" and stored.establishment_id == establishment.id and len(stored.guests) == 2


def test_same_day_stay_and_numeric_room_number(client, token):
    body = stay_body(room=101, check_out=day().isoformat())
    response = post_stay(client, token, body)
    assert response.status_code == 201
    assert response.get_json()["same_day"] is True and response.get_json()["nights"] == 0
    assert response.get_json()["room"] == "101"


def test_get_stay_and_another_establishments_stay_is_not_found(client, token, other_token, other_establishment):
    created = post_stay(client, token, stay_body()).get_json()
    response = client.get(f"/api/v1/stays/{created['id']}", headers=auth(token))
    assert response.status_code == 200 and response.get_json() == created
    theirs = services.check_in_one(other_establishment, "A01", day(), day(1), [guest(document_number="Z9876543")])
    mine_seen_by_them = client.get(f"/api/v1/stays/{created['id']}", headers=auth(other_token))
    theirs_seen_by_me = client.get(f"/api/v1/stays/{theirs.id}", headers=auth(token))
    missing = client.get("/api/v1/stays/2147483000", headers=auth(token))
    for response in (mine_seen_by_them, theirs_seen_by_me, missing):
        assert response.status_code == 404
        assert response.get_json() == missing.get_json()
    assert error(missing)["code"] == "unknown_stay"
    assert client.get("/api/v1/stays/abc", headers=auth(token)).status_code == 404


def test_check_out_today_and_on_a_date(client, token):
    first = post_stay(client, token, stay_body(check_out=day(3).isoformat())).get_json()
    response = client.post(f"/api/v1/stays/{first['id']}/checkout", headers=auth(token))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["status"] == "checked_out"
    assert response.get_json()["check_out"] == services.today().isoformat()
    # The room's later nights are free again: two guests fit on night 2.
    again = post_stay(client, token, stay_body(guests=[guest(document_number="M55555555"),
                                                       guest(document_number="M66666666")],
                                               check_in=day(1).isoformat()))
    assert again.status_code == 201
    second = post_stay(client, token, stay_body(room="102", guests=[guest(document_number="M77777777")])).get_json()
    response = client.post(f"/api/v1/stays/{second['id']}/checkout", json={"check_out": day().isoformat()},
                           headers=auth(token))
    assert response.status_code == 200 and response.get_json()["check_out"] == day().isoformat()
    assert response.get_json()["same_day"] is True


def test_check_out_errors(client, token, other_token, other_establishment):
    stay = post_stay(client, token, stay_body()).get_json()
    url = f"/api/v1/stays/{stay['id']}/checkout"
    bad = client.post(url, json={"check_out": "tomorrow"}, headers=auth(token))
    assert bad.status_code == 422 and "check_out" in error(bad)["fields"]
    before = client.post(url, json={"check_out": (day() - timedelta(days=1)).isoformat()}, headers=auth(token))
    assert before.status_code == 422 and set(error(before)["fields"]) == {"check_out"}
    future = client.post(url, json={"check_out": day(5).isoformat()}, headers=auth(token))
    assert future.status_code == 422 and "check_out" in error(future)["fields"]
    assert client.post(url, data="nope", content_type="application/json", headers=auth(token)).status_code == 400
    assert client.post(url, json=[1], headers=auth(token)).status_code == 400
    # Another establishment's stay is simply not there, and stays in house.
    assert client.post(url, headers=auth(other_token)).status_code == 404
    theirs = services.check_in_one(other_establishment, "A01", day(), day(1), [guest(document_number="Z9876543")])
    refused = client.post(f"/api/v1/stays/{theirs.id}/checkout", headers=auth(token))
    assert refused.status_code == 404 and error(refused)["code"] == "unknown_stay"
    assert db.session.get(Stay, theirs.id).status == "in_house"
    assert client.post(url, headers=auth(token)).status_code == 200
    twice = client.post(url, headers=auth(token))
    assert twice.status_code == 409 and error(twice)["code"] == "not_in_house"


# -- rooms -----------------------------------------------------------------------------------

def test_rooms_with_todays_status(client, token, establishment):
    rooms = {room.number: room for room in establishment.rooms}
    rooms["103"].active = False
    db.session.add(RoomOutOfService(room_id=rooms["202"].id, start_date=day(), end_date=day(3), reason="paint"))
    db.session.commit()
    post_stay(client, token, stay_body(check_in=services.today().isoformat()))
    response = client.get("/api/v1/rooms", headers=auth(token))
    assert response.status_code == 200
    listed = {room["number"]: room for room in response.get_json()["rooms"]}
    assert set(listed) == {"101", "102", "103", "201", "202", "D1"}
    assert listed["101"] == {"number": "101", "type": "double", "capacity": 2, "bed_places": 2, "status": "occupied"}
    assert listed["102"]["status"] == "available"
    assert listed["103"]["status"] == "inactive"
    assert listed["202"]["status"] == "out_of_service"
    assert listed["D1"]["bed_places"] == 6


def test_rooms_are_the_tokens_establishments_only(client, other_token):
    numbers = {room["number"] for room in client.get("/api/v1/rooms", headers=auth(other_token)).get_json()["rooms"]}
    assert "A01" in numbers and "101" not in numbers


# -- authentication --------------------------------------------------------------------------

ENDPOINTS = [("POST", "/api/v1/stays"), ("GET", "/api/v1/stays/1"), ("POST", "/api/v1/stays/1/checkout"),
             ("GET", "/api/v1/rooms")]


@pytest.mark.parametrize("method, path", ENDPOINTS)
def test_every_endpoint_needs_a_live_token(client, token, establishment, method, path):
    revoked_row, revoked = tokens.create_token(establishment, "old")
    tokens.revoke_token(establishment.id, revoked_row.id)
    for headers in ({}, {"Authorization": token}, {"Authorization": f"Basic {token}"},
                    {"Authorization": "Bearer "}, auth("ldg_not-a-token"), auth(revoked), auth(token + "x")):
        response = client.open(path, method=method, json=stay_body(), headers=headers)
        assert response.status_code == 401, (headers, response.status_code)
        assert error(response)["code"] in {"unauthorized", "invalid_token"}
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert stays_count() == 0


def test_errors_are_in_the_callers_language(client):
    response = client.get("/api/v1/rooms", headers={"Accept-Language": "vi"})
    english = client.get("/api/v1/rooms", headers={"Accept-Language": "en"})
    assert response.status_code == english.status_code == 401
    assert error(english)["message"] == "Authentication is required."


def test_a_signed_in_manager_without_token_is_refused(sign_in_as):
    client = sign_in_as("lodging_manager")
    assert client.get("/api/v1/rooms").status_code == 401
    assert client.post("/api/v1/stays", json=stay_body()).status_code == 401


def test_last_used_is_noted(client, token):
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == tokens.hash_token(token)))
    assert row.last_used_at is None
    client.get("/api/v1/rooms", headers=auth(token))
    db.session.refresh(row)
    assert row.last_used_at is not None


# -- errors ----------------------------------------------------------------------------------

def test_malformed_bodies_are_400(client, token):
    cases = [
        client.post("/api/v1/stays", data="{not json", content_type="application/json", headers=auth(token)),
        client.post("/api/v1/stays", data=json.dumps(stay_body()), content_type="text/plain", headers=auth(token)),
        client.post("/api/v1/stays", data="", content_type="application/json", headers=auth(token)),
        client.post("/api/v1/stays", json=[stay_body()], headers=auth(token)),
        client.post("/api/v1/stays", json="room", headers=auth(token)),
        client.post("/api/v1/stays", data="[" * 100000, content_type="application/json", headers=auth(token)),
    ]
    codes = [error(response)["code"] for response in cases]
    assert [r.status_code for r in cases] == [400] * len(cases)
    assert codes == ["malformed_json", "unsupported_content_type", "malformed_json", "not_an_object",
                     "not_an_object", "malformed_json"]
    assert stays_count() == 0


def test_invalid_fields_are_422_with_api_field_names(client, token):
    body = stay_body(check_in="2026-13-01", check_out="soon",
                     guests=[guest(document_number="!!"), vietnamese_guest("12")])
    response = post_stay(client, token, body)
    assert response.status_code == 422
    problem = error(response)
    assert problem["code"] == "validation_failed"
    assert {"check_in", "check_out", "guests[0].document_number", "guests[1].document_number"} <= set(problem["fields"])
    assert "arrival" not in problem["fields"] and "departure" not in problem["fields"]
    assert "check_in" in problem["message"]
    backwards = post_stay(client, token, stay_body(check_in=day(1).isoformat(), check_out=day().isoformat()))
    assert backwards.status_code == 422 and set(error(backwards)["fields"]) == {"check_out"}
    future = post_stay(client, token, stay_body(check_in=day(5).isoformat(), check_out=day(6).isoformat()))
    assert future.status_code == 422 and "check_in" in error(future)["fields"]
    for guests in ([], None, "Kim", [1]):
        response = post_stay(client, token, stay_body(guests=guests) if guests is not None else
                             {k: v for k, v in stay_body().items() if k != "guests"})
        assert response.status_code == 422, guests
    assert post_stay(client, token, stay_body(group_name=["x"])).status_code == 422
    assert post_stay(client, token, stay_body(group_name="Tour\x00")).status_code == 422
    assert stays_count() == 0


def test_unknown_rooms_are_422_on_room(client, token, other_establishment):
    for room in ("999", "A01", "", None, ["101"], True, 1, "10\x001", "101\n"):
        response = post_stay(client, token, stay_body(room=room))
        assert response.status_code == 422, (room, response.status_code)
        assert set(error(response)["fields"]) == {"room"}
    # "A01" is the other establishment's room: it is unknown here, exactly like "999".
    assert error(post_stay(client, token, stay_body(room="A01")))["code"] == "unknown_room"
    assert stays_count() == 0


def test_conflicts_are_409(client, token, other_token):
    assert post_stay(client, token, stay_body()).status_code == 201
    full = post_stay(client, token, stay_body(guests=[guest(document_number="M22222222"),
                                                      guest(document_number="M33333333")]))
    assert full.status_code == 409 and error(full)["code"] == "room_full" and "room" in error(full)["fields"]
    crowd = post_stay(client, token, stay_body(room="102", guests=[guest(document_number=f"M4444444{n}")
                                                                   for n in range(3)]))
    assert crowd.status_code == 409 and error(crowd)["code"] == "capacity_exceeded"
    twice = post_stay(client, token, stay_body(room="102"))
    assert twice.status_code == 409 and error(twice)["code"] == "guest_already_staying"
    assert "guests[0].document_number" in error(twice)["fields"]
    # The other establishment's room A01 is not affected by our guests.
    assert post_stay(client, other_token, stay_body(room="A01")).status_code == 201


# -- Idempotency-Key -------------------------------------------------------------------------

def test_same_key_same_body_replays_the_first_answer(client, token):
    first = post_stay(client, token, stay_body(), **{"Idempotency-Key": "abc-1"})
    again = post_stay(client, token, stay_body(), **{"Idempotency-Key": "abc-1"})
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert stays_count() == 1
    # Key order and spacing are not a different body.
    reordered = client.post("/api/v1/stays", data=json.dumps(dict(reversed(list(stay_body().items()))), indent=2),
                            content_type="application/json", headers=auth(token, **{"Idempotency-Key": "abc-1"}))
    assert reordered.status_code == 201 and reordered.get_json()["id"] == first.get_json()["id"]


def test_refusals_are_replayed_too(client, token):
    assert post_stay(client, token, stay_body()).status_code == 201
    body = stay_body(guests=[guest(document_number="M22222222"), guest(document_number="M33333333")])
    first = post_stay(client, token, body, **{"Idempotency-Key": "full-1"})
    assert first.status_code == 409
    # Even once the room is free again, the key answers as it first did.
    client.post(f"/api/v1/stays/{db.session.scalar(sa.select(Stay.id))}/checkout",
                json={"check_out": day().isoformat()}, headers=auth(token))
    again = post_stay(client, token, body, **{"Idempotency-Key": "full-1"})
    assert again.status_code == 409 and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"


def test_same_key_different_body_is_422(client, token):
    assert post_stay(client, token, stay_body(), **{"Idempotency-Key": "k"}).status_code == 201
    other = post_stay(client, token, stay_body(room="102"), **{"Idempotency-Key": "k"})
    assert other.status_code == 422 and error(other)["code"] == "idempotency_key_reused"
    stay_id = db.session.scalar(sa.select(Stay.id))
    # The same key on another operation is another request too.
    checkout = client.post(f"/api/v1/stays/{stay_id}/checkout", headers=auth(token, **{"Idempotency-Key": "k"}))
    assert checkout.status_code == 422 and error(checkout)["code"] == "idempotency_key_reused"
    assert stays_count() == 1 and db.session.get(Stay, stay_id).status == "in_house"


def _in_progress(establishment, key, body, path="/api/v1/stays", age=timedelta(0)):
    from tourism.lodging import idempotency

    db.session.add(IdempotencyRecord(
        establishment_id=establishment.id, key=key,
        request_hash=idempotency.request_hash("POST", path, body), created_at=utcnow() - age,
    ))
    db.session.commit()


def test_same_key_while_running_is_409(client, token, establishment):
    _in_progress(establishment, "running", stay_body())
    response = post_stay(client, token, stay_body(), **{"Idempotency-Key": "running"})
    assert response.status_code == 409 and error(response)["code"] == "request_in_progress"
    assert stays_count() == 0


def test_the_answer_is_saved_with_the_stay_so_a_crash_after_the_commit_makes_no_second_stay(
    client, token, establishment, monkeypatch
):
    from tourism.lodging import idempotency

    def worker_dies(*args, **kwargs):
        raise SystemExit("worker killed after the commit")

    # Had the answer been written only after the stay's commit, this would leave the key running,
    # and a retry a minute later would take it over and check the guests in twice.
    monkeypatch.setattr(idempotency, "finish", worker_dies)
    first = post_stay(client, token, stay_body(), **{"Idempotency-Key": "crash-after-commit"})
    assert first.status_code == 201
    record = db.session.scalar(sa.select(IdempotencyRecord).where(IdempotencyRecord.key == "crash-after-commit"))
    assert record.completed_at is not None and json.loads(record.response_body)["id"] == first.get_json()["id"]
    record.created_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    retry = post_stay(client, token, stay_body(), **{"Idempotency-Key": "crash-after-commit"})
    assert retry.status_code == 201 and retry.get_json() == first.get_json()
    assert stays_count() == 1


def test_an_abandoned_request_can_be_retried(client, token, establishment):
    _in_progress(establishment, "crashed", stay_body(), age=timedelta(minutes=5))
    response = post_stay(client, token, stay_body(), **{"Idempotency-Key": "crashed"})
    assert response.status_code == 201
    assert post_stay(client, token, stay_body(), **{"Idempotency-Key": "crashed"}).get_json() == response.get_json()
    assert stays_count() == 1


def test_keys_are_per_establishment(client, token, other_token, other_establishment):
    mine = post_stay(client, token, stay_body(), **{"Idempotency-Key": "shared"})
    theirs = post_stay(client, other_token, stay_body(room="A01"), **{"Idempotency-Key": "shared"})
    assert mine.status_code == theirs.status_code == 201
    assert theirs.get_json()["id"] != mine.get_json()["id"] and "Idempotent-Replayed" not in theirs.headers
    # The same body under the same key from the other establishment is not our stored answer either.
    same = post_stay(client, other_token, stay_body(), **{"Idempotency-Key": "again"})
    assert post_stay(client, token, stay_body(room="102", guests=[guest(document_number="M77777777")]),
                     **{"Idempotency-Key": "again"}).status_code == 201
    assert same.status_code == 422 and error(same)["code"] == "unknown_room"
    assert db.session.scalar(sa.select(sa.func.count(Stay.id)).where(
        Stay.establishment_id == other_establishment.id)) == 1


def test_an_unexpected_failure_frees_the_key(client, token, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "check_in_one", broken)
    with pytest.raises(RuntimeError):
        post_stay(client, token, stay_body(), **{"Idempotency-Key": "retry-me"})
    assert db.session.scalar(sa.select(sa.func.count(IdempotencyRecord.id))) == 0
    monkeypatch.undo()
    assert post_stay(client, token, stay_body(), **{"Idempotency-Key": "retry-me"}).status_code == 201


def test_bad_keys_are_400(client, token):
    for key in ("x" * 256, "two words", ""):
        response = post_stay(client, token, stay_body(), **{"Idempotency-Key": key})
        assert response.status_code == 400 and error(response)["code"] == "invalid_idempotency_key", key
    assert post_stay(client, token, stay_body(), **{"Idempotency-Key": "x" * 255}).status_code == 201
    assert stays_count() == 1


# -- tokens ----------------------------------------------------------------------------------

def test_tokens_are_stored_hashed(establishment):
    row, token = tokens.create_token(establishment, "desk")
    assert token.startswith("ldg_") and len(token) > 40
    assert row.token_hash == tokens.hash_token(token) != token and row.prefix == token[:12]
    stored = db.session.execute(sa.select(ApiToken.__table__).where(ApiToken.id == row.id)).one()
    assert all(token not in str(value) for value in stored)
    assert tokens.authenticate(token).establishment_id == establishment.id
    assert tokens.authenticate(row.token_hash) is None


def test_cli_prints_a_token_that_works(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["lodging", "token", "--establishment", "doi-thong-homestay", "--name", "Opera"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert re.fullmatch(r"ldg_[\w-]{40,}", token)
    assert client.get("/api/v1/rooms", headers=auth(token)).status_code == 200
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == tokens.hash_token(token)))
    assert row.name == "Opera"
    unknown = runner.invoke(args=["lodging", "token", "--establishment", "nowhere"])
    assert unknown.exit_code != 0 and "nowhere" in unknown.output


def test_manager_creates_sees_once_and_revokes_a_token(sign_in_as, establishment, other_establishment):
    client = sign_in_as("lodging_manager")
    page = client.get("/en/lodging/tokens/")
    assert page.status_code == 200 and "No token yet" in page.get_data(as_text=True)
    created = client.post("/en/lodging/tokens/", data={"name": "Front-desk PMS",
                                                       "csrf_token": csrf_token(client, "/en/lodging/tokens/")})
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    html = created.get_data(as_text=True)
    token = re.search(r'value="(ldg_[^"]+)"', html).group(1)
    assert "shown only once" in html
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.establishment_id == establishment.id))
    assert row.name == "Front-desk PMS" and row.token_hash == tokens.hash_token(token)
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "api_token_created", AuditEvent.target_id == row.id)) == 1
    too_long = client.post("/en/lodging/tokens/", data={"name": "x" * 81,
                                                        "csrf_token": csrf_token(client, "/en/lodging/tokens/")})
    assert too_long.status_code == 422 and "ldg_" not in too_long.get_data(as_text=True).replace(row.prefix, "")
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 1
    assert client.get("/api/v1/rooms", headers=auth(token)).status_code == 200
    listing = client.get("/en/lodging/tokens/").get_data(as_text=True)
    assert token not in listing and row.prefix in listing and "Front-desk PMS" in listing
    # Another establishment's token id is not found, and stays live.
    theirs, their_token = tokens.create_token(other_establishment, "theirs")
    csrf = csrf_token(client, "/en/lodging/tokens/")
    assert client.post(f"/en/lodging/tokens/{theirs.id}/revoke", data={"csrf_token": csrf}).status_code == 404
    assert client.get("/api/v1/rooms", headers=auth(their_token)).status_code == 200
    assert client.post(f"/en/lodging/tokens/{row.id}/revoke", data={}).status_code == 400
    revoked = client.post(f"/en/lodging/tokens/{row.id}/revoke", data={"csrf_token": csrf})
    assert revoked.status_code == 302
    assert client.get("/api/v1/rooms", headers=auth(token)).status_code == 401
    assert db.session.get(ApiToken, row.id).revoked_at is not None
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "api_token_revoked", AuditEvent.target_id == row.id)) == 1
    listing = client.get("/en/lodging/tokens/").get_data(as_text=True)
    assert "Revoked" in listing and f"/tokens/{row.id}/revoke" not in listing


def test_staff_and_others_cannot_manage_tokens(app, establishment):
    from tests.conftest import ROLE_EMAILS, sign_in

    row, token = tokens.create_token(establishment, "desk")
    for role in ("lodging_staff", "tourist", "officer"):
        client = app.test_client()
        assert sign_in(client, ROLE_EMAILS[role]).status_code == 302
        assert client.get("/en/lodging/tokens/").status_code == 403
        csrf = csrf_token(client, "/en/account/")
        assert client.post("/en/lodging/tokens/", data={"csrf_token": csrf, "name": "x"}).status_code == 403
        assert client.post(f"/en/lodging/tokens/{row.id}/revoke", data={"csrf_token": csrf}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 1
    assert tokens.authenticate(token) is not None
    anonymous = app.test_client().get("/en/lodging/tokens/")
    assert anonymous.status_code == 302 and "sign-in" in anonymous.headers["Location"]


def test_the_hotels_api_is_rate_limited_per_token_not_per_address(app, client, token, other_token):
    app.config["RATELIMIT_HOTEL_API"] = "3 per minute"
    # The open-data API's per-address limit does not apply here.
    app.config["RATELIMIT_API"] = "1 per minute"
    try:
        ours = [client.get("/api/v1/rooms", headers=auth(token)).status_code for _ in range(4)]
        # The same address with another hotel's token (a PMS vendor serving both) is not held back.
        theirs = client.get("/api/v1/rooms", headers=auth(other_token))
        made_up = [client.get("/api/v1/rooms", headers=auth(f"ldg_made-up-{n}")).status_code for n in range(3)]
    finally:
        app.config["RATELIMIT_HOTEL_API"] = "600 per minute"
        app.config["RATELIMIT_API"] = "600 per minute"
    assert ours == [200, 200, 200, 429]
    assert theirs.status_code == 200
    assert made_up == [401, 401, 401]


def test_made_up_tokens_are_limited_per_address(app, client):
    app.config["RATELIMIT_HOTEL_API_ADDRESS"] = "3 per minute"
    try:
        answers = [client.get("/api/v1/rooms", headers=auth(f"ldg_guess-{n}")) for n in range(4)]
    finally:
        app.config["RATELIMIT_HOTEL_API_ADDRESS"] = "6000 per minute"
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert error(answers[-1])["code"] == "too_many_requests" and answers[-1].headers["Retry-After"]
