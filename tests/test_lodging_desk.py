"""The front desk through its real forms: check-in, stays, board, register, full guest view, rooms."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import ROLE_EMAILS, csrf_token, guest, sign_in, vietnamese_guest
from tourism.core.audit import AuditEvent
from tourism.extensions import db
from tourism.lodging import services
from tourism.lodging.models import EstablishmentClosure, Guest, Room, RoomOutOfService, Stay

BOARD = "/en/lodging/"
CHECK_IN = "/en/lodging/check-in"
GROUP = "/en/lodging/group-check-in"


def day(offset: int = 0):
    """Yesterday plus `offset` days: check-in records arrivals, so none is later than tomorrow."""
    return services.today() + timedelta(days=offset - 1)


def post(client, path, data, token_page=BOARD):
    return client.post(path, data={"csrf_token": csrf_token(client, token_page), **data})


def guest_fields(prefix: str, number: int, data: dict) -> dict:
    return {f"{prefix}guests[{number}].{key}": value for key, value in data.items()}


def form_data(room="101", guests=(), arrival=None, departure=None, **extra):
    data = {"room": room, "arrival": (arrival or day(1)).isoformat(),
            "departure": (departure or day(2)).isoformat(), "save": "1", **extra}
    for number, item in enumerate(guests):
        data.update(guest_fields("", number, item))
    return data


def stays_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Stay.id)))


def error_text(html: str, field_id: str) -> str:
    match = re.search(rf'id="{field_id}-error">([^<]*)<', html)
    return match.group(1) if match else ""


def manager_client(app):
    client = app.test_client()
    assert sign_in(client, ROLE_EMAILS["lodging_manager"]).status_code == 302
    return client


# -- check-in --------------------------------------------------------------------------------

def test_check_in_form_fields(sign_in_as):
    client = sign_in_as("lodging_staff")
    html = client.get(CHECK_IN).get_data(as_text=True)
    assert 'name="guests[0].document_number"' in html
    number_input = re.search(r'<input[^>]*name="guests\[0\]\.document_number"[^>]*>', html).group(0)
    for attribute in ('autocapitalize="characters"', 'autocomplete="off"', 'spellcheck="false"'):
        assert attribute in number_input
    # Countries by name in the user's language, Việt Nam first.
    nationality = re.search(r'name="guests\[0\]\.nationality".*?</select>', html, re.S).group(0)
    options = re.findall(r'<option value="([A-Z]{2})"', nationality)
    assert options[0] == "VN" and len(options) > 200
    assert options.index("KR") > options.index("FR")  # France before South Korea
    assert 'value="101"' in html and 'value="A01"' not in html
    assert f'value="{day(1).isoformat()}"' in html and f'value="{day(2).isoformat()}"' in html
    assert "js/lodging-desk.js" in html and "<script>" not in html


def test_check_in_of_two_guests(sign_in_as, establishment):
    client = sign_in_as("lodging_staff")
    response = post(client, CHECK_IN, form_data(guests=[guest(), vietnamese_guest()]), CHECK_IN)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    stay = db.session.scalar(sa.select(Stay))
    assert response.headers["Location"].endswith(f"/en/lodging/stays/{stay.id}")
    assert stay.establishment_id == establishment.id and stay.room.number == "101"
    assert stay.source == "desk" and stay.created_by_id is not None
    assert sorted(g.full_name for g in stay.guests) == ["Kim Min-ji", "Nguyễn Văn An"]
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert "Checked in 2 guest(s) in 1 room(s)." in html
    assert "•••••678" in html and "•••••234" in html
    assert "M12345678" not in html and "079190001234" not in html
    assert page.headers["Cache-Control"].startswith("no-store")


def test_bad_citizen_id_is_shown_next_to_its_field_and_nothing_is_saved(sign_in_as):
    client = sign_in_as("lodging_staff")
    data = form_data(guests=[guest(), vietnamese_guest("12345")])
    response = post(client, CHECK_IN, data, CHECK_IN)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert error_text(html, "f-guests-1-document-number") == "A Vietnamese citizen ID has exactly 12 digits."
    assert error_text(html, "f-guests-0-document-number") == ""
    # The form is refilled with what was typed.
    assert 'value="Nguyễn Văn An"' in html and 'value="Kim Min-ji"' in html
    assert stays_count() == 0


def test_errors_are_in_the_users_language(app, sign_in_as):
    from flask_babel import force_locale, gettext

    client = sign_in_as("lodging_staff")
    token = csrf_token(client, "/vi/lodging/check-in")
    data = form_data(guests=[vietnamese_guest("12345")])
    html = client.post("/vi/lodging/check-in", data={"csrf_token": token, **data}).get_data(as_text=True)
    with app.test_request_context("/vi/"), force_locale("vi"):
        expected = gettext("A Vietnamese citizen ID has exactly 12 digits.")
    assert error_text(html, "f-guests-0-document-number") == expected
    assert '<html lang="vi' in html
    assert stays_count() == 0


def test_bad_dates_and_missing_room(sign_in_as):
    client = sign_in_as("lodging_staff")
    data = form_data(room="", guests=[guest()], departure=day(0))
    html = post(client, CHECK_IN, data, CHECK_IN).get_data(as_text=True)
    assert error_text(html, "f-departure") == "The departure date must be on or after the arrival date."
    data = form_data(room="", guests=[guest()])
    html = post(client, CHECK_IN, data, CHECK_IN).get_data(as_text=True)
    assert error_text(html, "f-room") == "Choose a room."
    assert stays_count() == 0


def test_room_full_conflict_message(sign_in_as, establishment):
    services.check_in_one(establishment, "101", day(1), day(3), [guest(), vietnamese_guest()])
    client = sign_in_as("lodging_staff")
    response = post(client, CHECK_IN, form_data(guests=[guest(document_number="M99999999")]), CHECK_IN)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Room 101 has 0 free place(s)" in html
    assert error_text(html, "f-room").startswith("This room is full on")
    assert stays_count() == 1


def test_guest_already_staying_conflict(sign_in_as, establishment):
    services.check_in_one(establishment, "102", day(1), day(3), [guest()])
    client = sign_in_as("lodging_staff")
    response = post(client, CHECK_IN, form_data(guests=[guest()]), CHECK_IN)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert error_text(html, "f-guests-0-document-number") == (
        "This guest is already staying in another room on these dates.")


def test_add_guest_without_javascript(sign_in_as):
    client = sign_in_as("lodging_staff")
    html = client.get(CHECK_IN + "?guests=3").get_data(as_text=True)
    assert 'name="guests[2].full_name"' in html and 'name="guests[3].full_name"' not in html
    data = form_data(guests=[guest()])
    del data["save"]
    data["add_guest"] = "0"
    response = post(client, CHECK_IN, data, CHECK_IN)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'value="Kim Min-ji"' in html and 'name="guests[1].full_name"' in html
    assert "is-invalid" not in html
    assert stays_count() == 0


def test_group_check_in_all_or_nothing(sign_in_as):
    client = sign_in_as("lodging_staff")
    html = client.get(GROUP).get_data(as_text=True)
    assert 'name="rooms[0].room"' in html and 'name="rooms[1].room"' in html
    data = {"arrival": day(1).isoformat(), "departure": day(3).isoformat(), "group_name": "Seoul tour 12",
            "rooms[0].room": "101", "rooms[1].room": "103", "save": "1",
            **guest_fields("rooms[0].", 0, guest()), **guest_fields("rooms[0].", 1, guest(document_number="M7654321")),
            **guest_fields("rooms[1].", 0, vietnamese_guest("07919000999"))}
    response = post(client, GROUP, data, GROUP)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert error_text(html, "f-rooms-1-guests-0-document-number") == "A Vietnamese citizen ID has exactly 12 digits."
    assert stays_count() == 0
    data.update(guest_fields("rooms[1].", 0, vietnamese_guest("079190009999")))
    response = post(client, GROUP, data, GROUP)
    assert response.status_code == 302 and response.headers["Location"].endswith("/en/lodging/")
    stays = db.session.scalars(sa.select(Stay).order_by(Stay.id)).all()
    assert [(s.room.number, len(s.guests), s.group_name) for s in stays] == [
        ("101", 2, "Seoul tour 12"), ("103", 1, "Seoul tour 12")]


def test_group_check_in_with_one_full_room_saves_nothing(sign_in_as, establishment):
    services.check_in_one(establishment, "103", day(1), day(2), [guest(document_number="M55555555"),
                                                               guest(document_number="M66666666")])
    client = sign_in_as("lodging_staff")
    data = {"arrival": day(1).isoformat(), "departure": day(2).isoformat(), "save": "1",
            "rooms[0].room": "101", "rooms[1].room": "103",
            **guest_fields("rooms[0].", 0, guest()), **guest_fields("rooms[1].", 0, vietnamese_guest())}
    response = post(client, GROUP, data, GROUP)
    assert response.status_code == 409
    assert "Room 103 has 0 free place(s)" in response.get_data(as_text=True)
    assert stays_count() == 1


# -- a stay's page and its actions -------------------------------------------------------------

@pytest.fixture
def stay(establishment):
    return services.check_in_one(establishment, "101", day(0), day(3), [guest(), vietnamese_guest()],
                                 group_name="Family Kim")


def test_stay_page(sign_in_as, stay):
    client = sign_in_as("lodging_staff")
    html = client.get(f"/en/lodging/stays/{stay.id}").get_data(as_text=True)
    assert "Stay in room 101" in html and "Family Kim" in html and "Declaration pending" in html
    assert "•••••678" in html and "M12345678" not in html
    assert f"/en/lodging/guests/{stay.guests[0].id}" in html
    for action in ("extend", "room", "check-out", "cancel"):
        assert f'action="/en/lodging/stays/{stay.id}/{action}"' in html


def test_extend_change_room_and_check_out(sign_in_as, stay):
    client = sign_in_as("lodging_staff")
    url = f"/en/lodging/stays/{stay.id}"
    response = post(client, url + "/extend", {"departure": day(4).isoformat()}, url)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Stay, stay.id).departure == day(4)
    # Bad date: shown next to the field, stay unchanged.
    response = post(client, url + "/extend", {"departure": day(-1).isoformat()}, url)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert error_text(html, "extend-departure") == "The departure date must be on or after the arrival date."
    response = post(client, url + "/room", {"room": "201", "on": day(1).isoformat()}, url)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.session.expire_all()
    changed = db.session.get(Stay, stay.id)
    assert [(s.room.number, s.start_date, s.end_date) for s in changed.segments] == [
        ("101", day(0), day(1)), ("201", day(1), day(4))]
    assert "The guests move to room 201." in client.get(url).get_data(as_text=True)
    response = post(client, url + "/room", {"room": "A01", "on": day(1).isoformat()}, url)
    assert response.status_code == 422
    assert error_text(response.get_data(as_text=True), "change-room") == "No such room in this establishment."
    response = post(client, url + "/check-out", {}, url)
    assert response.status_code == 302
    db.session.expire_all()
    done = db.session.get(Stay, stay.id)
    assert done.status == "checked_out" and done.departure == services.today()
    response = post(client, url + "/check-out", {}, url)
    assert response.status_code == 409
    assert "This stay is no longer in house." in response.get_data(as_text=True)


def test_cancel_needs_confirmation(sign_in_as, stay):
    client = sign_in_as("lodging_staff")
    url = f"/en/lodging/stays/{stay.id}"
    response = post(client, url + "/cancel", {}, url)
    assert response.status_code == 422
    assert error_text(response.get_data(as_text=True), "cancel-confirm") == "Tick the box to confirm the cancellation."
    db.session.expire_all()
    assert db.session.get(Stay, stay.id).status == "in_house"
    response = post(client, url + "/cancel", {"confirm": "yes"}, url)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Stay, stay.id).status == "cancelled"


# -- the board -------------------------------------------------------------------------------

def test_board_contents_and_quick_check_out(sign_in_as, establishment):
    staying = services.check_in_one(establishment, "101", day(0), day(3), [guest()])
    leaving = services.check_in_one(establishment, "102", day(0), day(1), [vietnamese_guest()])
    arriving = services.check_in_one(establishment, "201", day(1), day(2), [guest(document_number="M31313131",
                                                                                 full_name="Park Ji-hoon")])
    client = sign_in_as("lodging_staff")
    response = client.get(BOARD)
    html = response.get_data(as_text=True)
    assert response.headers["Cache-Control"].startswith("no-store")
    section = lambda name: re.search(rf'id="{name}".*?</section>', html, re.S).group(0)  # noqa: E731
    assert "Park Ji-hoon" in section("arrivals") and "Kim Min-ji" not in section("arrivals")
    assert "Nguyễn Văn An" in section("departures")
    assert all(name in section("in-house") for name in ("Kim Min-ji", "Nguyễn Văn An", "Park Ji-hoon"))
    free = section("free-rooms")
    assert "103" in free and "202" in free and "101 ·" not in free and "201 ·" not in free
    assert re.search(r'id="count-arrivals">1<', html) and re.search(r'id="count-guests">2<', html)
    assert re.search(r'id="count-departures">1<', html)
    assert "M12345678" not in html and "079190001234" not in html and "M31313131" not in html
    assert f"/en/lodging/stays/{leaving.id}/check-out" in html
    response = post(client, f"/en/lodging/stays/{leaving.id}/check-out", {"next": "board"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/en/lodging/")
    db.session.expire_all()
    assert db.session.get(Stay, leaving.id).status == "checked_out"
    assert db.session.get(Stay, staying.id).status == "in_house" and arriving.id


def test_board_of_another_day_and_bad_day(sign_in_as, establishment):
    services.check_in_one(establishment, "101", day(0), day(1), [guest()])
    client = sign_in_as("lodging_staff")
    html = client.get(BOARD + "?day=" + day(0).isoformat()).get_data(as_text=True)
    assert "Kim Min-ji" in re.search(r'id="arrivals".*?</section>', html, re.S).group(0)
    response = client.get(BOARD + "?day=2026-13-45")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "is not a date; showing today." in html and "Today," in html


# -- the register and the full view ----------------------------------------------------------

def test_register_search_by_name_and_document(sign_in_as, establishment, other_establishment):
    services.check_in_one(establishment, "101", day(0), day(2), [vietnamese_guest()])
    services.check_in_one(establishment, "102", day(0), day(2), [guest()])
    other_establishment.status = "approved"
    services.check_in_one(other_establishment, "A01", day(0), day(2), [
        {**vietnamese_guest("079190005555"), "full_name": "Nguyễn Văn Ba"}])
    client = sign_in_as("lodging_staff")
    html = client.get("/en/lodging/register?name=nguyen+van").get_data(as_text=True)
    assert "Nguyễn Văn An" in html and "Kim Min-ji" not in html and "Nguyễn Văn Ba" not in html
    html = client.get("/en/lodging/register?name=NGUYEN VAN AN").get_data(as_text=True)
    assert "Nguyễn Văn An" in html
    html = client.get("/en/lodging/register?document=m1234-5678").get_data(as_text=True)
    assert "Kim Min-ji" in html and "Nguyễn Văn An" not in html
    html = client.get("/en/lodging/register?document=079190005555").get_data(as_text=True)
    assert "No guest matches." in html
    html = client.get("/en/lodging/register?nationality=KR&status=in_house").get_data(as_text=True)
    assert "Kim Min-ji" in html and "Nguyễn Văn An" not in html
    response = client.get("/en/lodging/register")
    html = response.get_data(as_text=True)
    assert "•••••678" in html and "•••••234" in html
    assert "M12345678" not in html and "079190001234" not in html
    assert response.headers["Cache-Control"].startswith("no-store")
    html = client.get("/en/lodging/register?since=bad&nationality=QQ&status=zzz&page=x").get_data(as_text=True)
    assert "is not a date" in html and "Unknown country" in html and "Unknown status" in html


def test_full_guest_view_is_audited(sign_in_as, stay):
    client = sign_in_as("lodging_staff")
    target = stay.guests[0]
    before = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "guest_viewed"))
    response = client.get(f"/en/lodging/guests/{target.id}")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    assert "M12345678" in response.get_data(as_text=True)
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "guest_viewed")).all()
    assert len(events) == before + 1
    assert events[-1].target_id == target.id and events[-1].actor_id is not None


# -- rooms -----------------------------------------------------------------------------------

def test_staff_see_rooms_but_cannot_edit(sign_in_as, establishment):
    client = sign_in_as("lodging_staff")
    room = establishment.rooms[0]
    html = client.get("/en/lodging/rooms/").get_data(as_text=True)
    assert "D1" in html and "A01" not in html and "/en/lodging/rooms/new" not in html
    token = csrf_token(client, BOARD)
    assert client.get("/en/lodging/rooms/new").status_code == 403
    assert client.get(f"/en/lodging/rooms/{room.id}").status_code == 403
    for url in ("/en/lodging/rooms/new", f"/en/lodging/rooms/{room.id}", f"/en/lodging/rooms/{room.id}/remove",
                f"/en/lodging/rooms/{room.id}/out-of-service", "/en/lodging/closures"):
        response = client.post(url, data={"csrf_token": token, "number": "999", "room_type": "double",
                                          "single_beds": "0", "double_beds": "1", "capacity": "2"})
        assert response.status_code == 403, url
    assert db.session.scalar(sa.select(Room).where(Room.number == "999")) is None


def test_manager_creates_edits_and_removes_rooms(app, establishment):
    client = manager_client(app)
    base = {"room_type": "twin", "single_beds": "2", "double_beds": "0", "capacity": "2"}
    response = post(client, "/en/lodging/rooms/new", {"number": "301", **base})
    assert response.status_code == 302
    room = db.session.scalar(sa.select(Room).where(Room.establishment_id == establishment.id, Room.number == "301"))
    assert room.bed_places == 2 and room.active
    response = post(client, "/en/lodging/rooms/new", {"number": "101", **base, "capacity": "0"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert error_text(html, "room-number") == "Another room already has this number."
    assert error_text(html, "room-capacity") == "Enter a number from 1 to 100."
    response = post(client, f"/en/lodging/rooms/{room.id}", {"number": "301", "room_type": "family",
                                                              "single_beds": "1", "double_beds": "1",
                                                              "capacity": "3", "active": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    room = db.session.get(Room, room.id)
    assert (room.room_type, room.bed_places, room.capacity) == ("family", 3, 3)
    assert "301" in client.get("/en/lodging/rooms/").get_data(as_text=True)
    # A room without stays is deleted; one with stays is only taken out of use.
    response = post(client, f"/en/lodging/rooms/{room.id}/remove", {})
    assert response.status_code == 302 and db.session.get(Room, room.id) is None
    used = services.check_in_one(establishment, "102", day(0), day(1), [guest()]).room
    response = post(client, f"/en/lodging/rooms/{used.id}/remove", {})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Room, used.id).active is False
    assert "so it is kept but no longer in use" in client.get("/en/lodging/rooms/").get_data(as_text=True)


def test_out_of_service_and_closures(app, establishment):
    client = manager_client(app)
    room = next(r for r in establishment.rooms if r.number == "202")
    url = f"/en/lodging/rooms/{room.id}/out-of-service"
    response = post(client, url, {"start_date": day(5).isoformat(), "end_date": day(3).isoformat()})
    assert response.status_code == 422
    assert error_text(response.get_data(as_text=True), "period-end-date") == (
        "The last day must be on or after the first day.")
    response = post(client, url, {"start_date": day(0).isoformat(), "end_date": day(3).isoformat(),
                                  "reason": "Roof repair"})
    assert response.status_code == 302
    period = db.session.scalar(sa.select(RoomOutOfService).where(RoomOutOfService.room_id == room.id))
    assert period.reason == "Roof repair"
    staff = app.test_client()
    sign_in(staff, ROLE_EMAILS["lodging_staff"])
    html = post(staff, CHECK_IN, form_data(room="202", guests=[guest()]), CHECK_IN).get_data(as_text=True)
    assert "out of service" in html and stays_count() == 0
    response = post(client, f"{url}/{period.id}/remove", {})
    assert response.status_code == 302 and db.session.get(RoomOutOfService, period.id) is None
    # Closures: refused while guests are booked, then added and removed.
    services.check_in_one(establishment, "101", day(0), day(2), [guest()])
    response = post(client, "/en/lodging/closures", {"start_date": day(1).isoformat(),
                                                      "end_date": day(30).isoformat()})
    assert response.status_code == 409 and "Guests are booked in this period" in response.get_data(as_text=True)
    response = post(client, "/en/lodging/closures", {"start_date": day(60).isoformat(),
                                                      "end_date": day(90).isoformat(), "reason": "Rainy season"})
    assert response.status_code == 302
    closure = db.session.scalar(sa.select(EstablishmentClosure).where(
        EstablishmentClosure.establishment_id == establishment.id))
    assert "Rainy season" in client.get("/en/lodging/rooms/").get_data(as_text=True)
    response = post(client, f"/en/lodging/closures/{closure.id}/remove", {})
    assert response.status_code == 302 and db.session.get(EstablishmentClosure, closure.id) is None


# -- another establishment's ids -------------------------------------------------------------

def test_other_establishments_ids_are_404_everywhere(app, sign_in_as, other_establishment):
    other_establishment.status = "approved"
    stay = services.check_in_one(other_establishment, "A01", day(0), day(2), [guest()])
    room = stay.room
    period = RoomOutOfService(room_id=room.id, start_date=day(10), end_date=day(12))
    closure = EstablishmentClosure(establishment_id=other_establishment.id, start_date=day(20), end_date=day(22))
    db.session.add_all([period, closure])
    db.session.commit()
    guest_id = stay.guests[0].id
    gets = [f"/en/lodging/stays/{stay.id}", f"/en/lodging/guests/{guest_id}"]
    posts = [f"/en/lodging/stays/{stay.id}/{action}" for action in ("extend", "room", "check-out", "cancel")]
    manager_gets = [f"/en/lodging/rooms/{room.id}"]
    manager_posts = [f"/en/lodging/rooms/{room.id}", f"/en/lodging/rooms/{room.id}/remove",
                     f"/en/lodging/rooms/{room.id}/out-of-service",
                     f"/en/lodging/rooms/{room.id}/out-of-service/{period.id}/remove",
                     f"/en/lodging/closures/{closure.id}/remove"]
    data = {"departure": day(3).isoformat(), "room": "102", "confirm": "yes", "number": "Z9",
            "room_type": "double", "single_beds": "0", "double_beds": "1", "capacity": "2",
            "start_date": day(30).isoformat(), "end_date": day(31).isoformat(), "active": "1"}
    staff = sign_in_as("lodging_staff")
    manager = manager_client(app)
    for client, get_urls, post_urls in ((staff, gets, posts), (manager, gets + manager_gets, posts + manager_posts)):
        token = csrf_token(client, BOARD)
        for url in get_urls:
            assert client.get(url).status_code == 404, url
        for url in post_urls:
            assert client.post(url, data={"csrf_token": token, **data}).status_code == 404, url
    db.session.expire_all()
    assert db.session.get(Stay, stay.id).status == "in_house" and db.session.get(Stay, stay.id).departure == day(2)
    assert db.session.get(Room, room.id).number == "A01"
    assert db.session.get(RoomOutOfService, period.id) and db.session.get(EstablishmentClosure, closure.id)
    assert not db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "guest_viewed", AuditEvent.target_id == guest_id))
    # And nothing of theirs shows in our lists.
    for url in (BOARD, "/en/lodging/register", "/en/lodging/rooms/"):
        html = staff.get(url).get_data(as_text=True)
        assert "A01" not in html and "Kim Min-ji" not in html, url


def test_other_roles_are_refused(app, sign_in_as):
    client = sign_in_as("tourist")
    assert client.get(BOARD).status_code == 403
    officer = app.test_client()
    sign_in(officer, ROLE_EMAILS["officer"])
    assert officer.get("/en/lodging/register").status_code == 403


# -- languages -------------------------------------------------------------------------------

@pytest.mark.parametrize("locale", ["vi", "en"])
def test_desk_pages_render_in_vietnamese_and_english(app, sign_in_as, stay, locale):
    client = sign_in_as("lodging_staff")
    urls = [f"/{locale}/lodging/", f"/{locale}/lodging/check-in", f"/{locale}/lodging/group-check-in",
            f"/{locale}/lodging/register", f"/{locale}/lodging/rooms/", f"/{locale}/lodging/stays/{stay.id}",
            f"/{locale}/lodging/guests/{stay.guests[0].id}"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert f'<html lang="{locale}' in html
    html = client.get(f"/{locale}/lodging/check-in").get_data(as_text=True)
    first = re.search(r'name="guests\[0\]\.nationality"[^>]*>\s*<option value="VN"[^>]*>([^<]+)<', html).group(1)
    assert first == ("Việt Nam" if locale == "vi" else "Vietnam")
    manager = manager_client(app)
    for url in (f"/{locale}/lodging/rooms/new", f"/{locale}/lodging/rooms/{stay.room_id}"):
        assert manager.get(url).status_code == 200, url


def test_front_desk_link_only_for_establishment_roles(app, sign_in_as):
    client = sign_in_as("lodging_staff")
    assert 'href="/en/lodging/"' in client.get("/en/").get_data(as_text=True)
    tourist = app.test_client()
    sign_in(tourist, ROLE_EMAILS["tourist"])
    assert 'href="/en/lodging/"' not in tourist.get("/en/").get_data(as_text=True)


def test_guest_rows_purged_show_no_personal_data(sign_in_as, stay):
    guest_row = stay.guests[0]
    db.session.execute(sa.update(Guest).where(Guest.id == guest_row.id).values(full_name=None, document_last3=None))
    db.session.commit()
    client = sign_in_as("lodging_staff")
    html = client.get("/en/lodging/register").get_data(as_text=True)
    assert "(personal data removed)" in html


def test_garbage_input_never_gives_a_500(app, sign_in_as, stay):
    client = sign_in_as("lodging_staff")
    manager = manager_client(app)
    junk = "\x00'\"<b>٣"
    data = {"room": junk, "arrival": junk, "departure": junk, "group_name": junk, "on": junk, "confirm": junk,
            "guests[0].full_name": junk, "guests[0].document_number": junk, "guests[99999999999].sex": junk,
            "rooms[0].room": junk, "rooms[x].room": junk, "rooms[0].guests[0].full_name": junk, "add_guest": junk,
            "number": junk, "room_type": junk, "single_beds": junk, "double_beds": "1e9", "capacity": "-1",
            "start_date": junk, "end_date": junk, "reason": junk * 100}
    for who, urls in ((client, [CHECK_IN, GROUP] + [f"/en/lodging/stays/{stay.id}/{a}" for a in ("extend", "room")]),
                      (manager, ["/en/lodging/rooms/new", f"/en/lodging/rooms/{stay.room_id}",
                                 f"/en/lodging/rooms/{stay.room_id}/out-of-service", "/en/lodging/closures"])):
        token = csrf_token(who, BOARD)
        for url in urls:
            response = who.post(url, data={"csrf_token": token, **data})
            assert response.status_code in (200, 409, 422), (url, response.status_code)
    for query in ("?name=%00x", "?document=%00", "?since=%00&until=9999-99-99", "?nationality=%00&status=%00"):
        assert client.get("/en/lodging/register" + query).status_code == 200, query
    assert client.get(BOARD + "?day=%00").status_code == 200
    assert client.get(CHECK_IN + "?guests=-5").status_code == 200
    assert client.get(GROUP + "?rooms=99999&guests=x").status_code == 200
    assert stays_count() == 1


def test_add_room_to_a_group_without_javascript(sign_in_as):
    client = sign_in_as("lodging_staff")
    data = {"arrival": day(1).isoformat(), "departure": day(2).isoformat(), "add_room": "1",
            "rooms[0].room": "101", "rooms[1].room": "102", **guest_fields("rooms[1].", 0, guest())}
    html = post(client, GROUP, data, GROUP).get_data(as_text=True)
    assert 'name="rooms[2].room"' in html and 'name="rooms[2].guests[0].full_name"' in html
    assert 'value="Kim Min-ji"' in html and stays_count() == 0
    data = {**data, "add_guest": "1"}
    del data["add_room"]
    html = post(client, GROUP, data, GROUP).get_data(as_text=True)
    assert 'name="rooms[1].guests[1].full_name"' in html and 'name="rooms[0].guests[1].full_name"' not in html


def test_extending_into_a_closed_room_is_refused_on_the_stay_page(sign_in_as, stay):
    db.session.add(RoomOutOfService(room_id=stay.room_id, start_date=day(4), end_date=day(6)))
    db.session.commit()
    client = sign_in_as("lodging_staff")
    url = f"/en/lodging/stays/{stay.id}"
    response = post(client, url + "/extend", {"departure": day(5).isoformat()}, url)
    assert response.status_code == 409
    assert "Room 101 is out of service from" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Stay, stay.id).departure == day(3)
    response = post(client, url + "/room", {"room": "102", "on": day(9).isoformat()}, url)
    assert response.status_code == 422
    assert error_text(response.get_data(as_text=True), "change-on") == "The room can change only on a night of the stay."


def test_register_date_range(sign_in_as, establishment):
    services.check_in_one(establishment, "101", day(-10), day(-8), [guest(full_name="Old Guest")])
    services.check_in_one(establishment, "102", day(0), day(2), [guest(document_number="M80808080",
                                                                       full_name="New Guest")])
    client = sign_in_as("lodging_staff")
    html = client.get(f"/en/lodging/register?since={day(-1).isoformat()}").get_data(as_text=True)
    assert "New Guest" in html and "Old Guest" not in html
    html = client.get(f"/en/lodging/register?until={day(-5).isoformat()}").get_data(as_text=True)
    assert "Old Guest" in html and "New Guest" not in html


def test_every_code_has_a_label():
    from tourism.lodging import desk_forms
    from tourism.lodging.models import PURPOSES, ROOM_TYPES, STAY_STATUSES

    assert set(desk_forms.PURPOSE_LABELS) == set(PURPOSES)
    assert set(desk_forms.ROOM_TYPE_LABELS) == set(ROOM_TYPES)
    assert set(desk_forms.STATUS_LABELS) == set(STAY_STATUSES)
