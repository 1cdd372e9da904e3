"""Stay rules in the services: capacity, double stays, dates, documents, changes, privacy at rest."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import guest, vietnamese_guest
from tourism.extensions import db
from tourism.lodging import crypto, services
from tourism.lodging.errors import Conflict, NotFound
from tourism.lodging.models import Declaration, Guest, Stay
from tourism.lodging.validation import ValidationError

pytestmark = pytest.mark.usefixtures("ctx")


def day(offset: int = 0):
    """Yesterday plus `offset` days: check-in records arrivals, so none is later than tomorrow."""
    return services.today() + timedelta(days=offset - 1)


def test_check_in_stores_stay_guests_segment_and_declaration(establishment):
    stay = services.check_in_one(establishment, "101", day(), day(2), [guest()], source="desk")
    assert stay.status == "in_house" and stay.nights == 2 and not stay.same_day
    assert [s.room.number for s in stay.segments] == ["101"]
    stored = stay.guests[0]
    assert stored.masked_document == "•••••678" and stored.document_ciphertext
    assert b"M12345678" not in stored.document_ciphertext
    assert crypto.decrypt_document(stored.document_ciphertext) == "M12345678"
    declaration = db.session.scalar(sa.select(Declaration).where(Declaration.stay_id == stay.id))
    assert declaration.status == "pending" and declaration.deadline is not None


def test_capacity_is_enforced_on_every_night(establishment):
    services.check_in_one(establishment, "101", day(), day(3), [guest()])
    services.check_in_one(establishment, "101", day(1), day(2), [guest(document_number="M22222222")])
    with pytest.raises(Conflict) as refused:
        services.check_in_one(establishment, "101", day(2), day(4), [
            guest(document_number="M33333333"), guest(document_number="M44444444")])
    assert refused.value.code == "room_full"
    assert "room" in refused.value.fields
    # Night 2 has one place left once the second stay has gone.
    stay = services.check_in_one(establishment, "101", day(2), day(4), [guest(document_number="M33333333")])
    assert stay.id


def test_too_many_guests_for_the_room(establishment):
    with pytest.raises(Conflict) as refused:
        services.check_in_one(establishment, "101", day(), day(1), [
            guest(document_number=f"M1000000{n}") for n in range(3)])
    assert refused.value.code == "capacity_exceeded"
    assert db.session.scalar(sa.select(sa.func.count(Stay.id))) == 0


def test_a_guest_cannot_be_in_two_rooms_on_one_night(establishment):
    services.check_in_one(establishment, "101", day(), day(2), [guest()])
    with pytest.raises(Conflict) as refused:
        services.check_in_one(establishment, "102", day(1), day(3), [guest(document_number="m1234-5678")])
    assert refused.value.code == "guest_already_staying"
    assert "guests[0].document_number" in refused.value.fields
    # The night after the first stay ends is free again.
    services.check_in_one(establishment, "102", day(2), day(3), [guest()])


def test_same_day_stays_are_allowed_and_marked(establishment):
    stay = services.check_in_one(establishment, "102", day(), day(), [guest()])
    assert stay.same_day and stay.nights == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"document_type": "national_id", "document_number": "12345", "nationality": "VN"}, "document_number"),
        ({"document_type": "national_id", "document_number": "999123456789", "nationality": "VN"}, "document_number"),
        ({"document_number": "AB!"}, "document_number"),
        ({"nationality": "XX"}, "nationality"),
        ({"residence_country": "EU"}, "residence_country"),
        ({"birth_date": "2999-01-01"}, "birth_date"),
        ({"birth_date": "1850-01-01"}, "birth_date"),
        ({"birth_date": "01/05/1990"}, "birth_date"),
        ({"sex": "Q"}, "sex"),
        ({"purpose": "spying"}, "purpose"),
        ({"full_name": "  "}, "full_name"),
        ({"full_name": "<script>"}, "full_name"),
    ],
)
def test_bad_guest_fields_are_named_and_nothing_is_saved(establishment, changes, field):
    with pytest.raises(ValidationError) as refused:
        services.check_in_one(establishment, "101", day(), day(1), [guest(), guest(**{"document_number": "M99999999", **changes})])
    assert f"guests[1].{field}" in refused.value.fields
    assert db.session.scalar(sa.select(sa.func.count(Stay.id))) == 0


@pytest.mark.parametrize(
    ("arrival", "departure", "field"),
    [(1, 0, "departure"), (-2000, -1999, "arrival"), (30, 31, "arrival"), (0, 400, "departure")],
)
def test_bad_dates_are_refused(establishment, arrival, departure, field):
    with pytest.raises(ValidationError) as refused:
        services.check_in_one(establishment, "101", day(arrival), day(departure), [guest()])
    assert field in refused.value.fields


def test_group_check_in_is_all_or_nothing(establishment):
    bookings = [
        services.RoomBooking("101", [guest(document_number="M00000001"), guest(document_number="M00000002")]),
        services.RoomBooking("201", [guest(document_number=f"M0000001{n}") for n in range(4)]),
        services.RoomBooking("102", [guest(document_number=f"M0000002{n}") for n in range(3)]),  # over capacity
    ]
    with pytest.raises(Conflict):
        services.check_in(establishment, bookings, day(), day(2), group_name="Hanatour 12")
    assert db.session.scalar(sa.select(sa.func.count(Stay.id))) == 0
    bookings[2].guests = bookings[2].guests[:2]
    stays = services.check_in(establishment, bookings, day(), day(2), group_name="Hanatour 12")
    assert {s.group_name for s in stays} == {"Hanatour 12"} and len(stays) == 3


def test_extend_change_room_check_out_and_cancel(establishment):
    stay = services.check_in_one(establishment, "101", day(), day(2), [guest()])
    blocker = services.check_in_one(establishment, "101", day(2), day(4), [
        guest(document_number="M55555555"), guest(document_number="M66666666")])
    with pytest.raises(Conflict):
        services.extend_stay(establishment.id, stay.id, day(3))
    services.change_room(establishment.id, stay.id, "102", on=day(1))
    stay = services.extend_stay(establishment.id, stay.id, day(3))
    assert [(s.room.number, s.start_date, s.end_date) for s in stay.segments] == [
        ("101", day(), day(1)), ("102", day(1), day(3))]
    stay = services.check_out(establishment.id, stay.id)
    assert stay.status == "checked_out" and stay.departure == services.today()
    # Leaving early frees room 102 for the nights that were planned.
    services.check_in_one(establishment, "102", day(1), day(3), [
        guest(document_number="M77777777"), guest(document_number="M88888888")])
    services.cancel_stay(establishment.id, blocker.id)
    assert db.session.get(Stay, blocker.id).status == "cancelled"
    assert db.session.scalar(sa.select(Declaration).where(Declaration.stay_id == blocker.id)) is None
    services.check_in_one(establishment, "101", day(2), day(4), [guest(document_number="M55555555")])


def test_other_establishments_stays_and_rooms_are_not_found(establishment, other_establishment):
    theirs = services.check_in_one(other_establishment, "A01", day(), day(1), [guest()])
    with pytest.raises(NotFound):
        services.get_stay(establishment.id, theirs.id)
    for operation in (services.check_out, services.cancel_stay):
        with pytest.raises(NotFound):
            operation(establishment.id, theirs.id)
    with pytest.raises(NotFound):
        services.check_in_one(establishment, "A01", day(), day(1), [guest(document_number="M98765432")])
    with pytest.raises(NotFound):
        services.reveal_guest(establishment.id, theirs.guests[0].id)
    assert db.session.get(Stay, theirs.id).status == "in_house"


def test_register_finds_by_folded_name_and_bare_document(establishment, other_establishment):
    services.check_in_one(establishment, "103", day(), day(1), [vietnamese_guest()])
    services.check_in_one(other_establishment, "A01", day(), day(1), [vietnamese_guest()])
    found = db.session.scalars(services.register_query(establishment.id, name="nguyen van")).all()
    assert [g.full_name for g in found] == ["Nguyễn Văn An"]
    assert len(db.session.scalars(services.register_query(establishment.id, document="0791 9000 1234")).all()) == 1
    assert db.session.scalars(services.register_query(establishment.id, document="079190001235")).all() == []


def test_reveal_guest_is_audited(establishment):
    from tourism.core.audit import AuditEvent

    stay = services.check_in_one(establishment, "101", day(), day(1), [guest()])
    _guest, number = services.reveal_guest(establishment.id, stay.guests[0].id)
    assert number == "M12345678"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "guest_viewed"))
    assert event.target_type == "guest" and event.target_id == stay.guests[0].id


def test_document_numbers_are_never_stored_in_clear(establishment):
    services.check_in_one(establishment, "101", day(), day(1), [vietnamese_guest("079190004321")])
    dump = db.session.execute(sa.select(Guest.__table__)).all()
    assert "079190004321" not in repr(dump)


def test_purge_clears_personal_fields_and_keeps_statistics(app, establishment):
    old = services.check_in_one(establishment, "101", day(-1000), day(-998), [guest()], declare=False)
    recent = services.check_in_one(establishment, "102", day(), day(1), [guest(document_number="M24681357")])
    app.config["RETENTION_DAYS"] = 365
    try:
        assert services.purge_personal_data() == 1
    finally:
        app.config["RETENTION_DAYS"] = 3 * 365
    purged = db.session.get(Guest, old.guests[0].id)
    db.session.refresh(purged)
    assert purged.full_name is None and purged.document_ciphertext is None and purged.birth_date is None
    assert purged.nationality == "KR" and purged.birth_year == 1990 and purged.purged_at
    assert db.session.get(Guest, recent.guests[0].id).full_name == "Kim Min-ji"
