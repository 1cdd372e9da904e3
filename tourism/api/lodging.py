"""The hotels' API: property-management software checks guests in and out with a bearer token.

Every request names its establishment by its token only; another establishment's stay ids are
simply not found. POSTs take an optional Idempotency-Key (see lodging.idempotency).
"""

import json
import re
from datetime import timedelta

import sqlalchemy as sa
from flask import Response, current_app, request, url_for
from flask_babel import gettext as _

from tourism.api.auth import authenticated, software_key
from tourism.api.errors import ApiError, error_body
from tourism.api.views import bp
from tourism.extensions import client_address, csrf, db, limiter
from tourism.lodging import idempotency, services, tokens
from tourism.lodging.errors import LodgingError, NotFound
from tourism.lodging.models import Establishment, Room, Stay
from tourism.lodging.validation import MAX_FUTURE_DAYS, parse_date

# Printable ASCII without spaces, as the OpenAPI document says.
KEY_CHARACTERS = re.compile(r"[\x21-\x7e]+")
# PostgreSQL cannot store NUL, and no room number or group name has control characters.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
# The services speak of arrival and departure; the API's body says check_in and check_out.
FIELD_NAMES = {"arrival": "check_in", "departure": "check_out"}


def _software_key() -> str:
    """Rate-limit a hotel's software by its token: one PMS vendor's address may serve many hotels."""
    return software_key("token", tokens.hash_token)


# These replace the blueprint's per-address limit on the hotels' endpoints: per token, and a
# wider per-address one so that made-up tokens cannot be tried without bound.
hotel_limits = [
    limiter.limit(lambda: current_app.config["RATELIMIT_HOTEL_API"], key_func=_software_key),
    limiter.limit(lambda: current_app.config["RATELIMIT_HOTEL_API_ADDRESS"], key_func=client_address),
]


def _limited(view):
    for limit in hotel_limits:
        view = limit(view)
    return view


def _bearer() -> tokens.Bearer:
    return authenticated("lodging", tokens.authenticate)


def _body(optional: bool = False) -> dict:
    """Return the request's JSON object; 400 when it is not one."""
    raw = request.get_data(cache=True)
    if optional and not raw.strip():
        return {}
    if not request.is_json:
        raise ApiError(400, "unsupported_content_type", _("Send the body as application/json."))
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise ApiError(400, "malformed_json", _("The body is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise ApiError(400, "not_an_object", _("The body must be a JSON object."))
    return data


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if len(key) > idempotency.MAX_KEY_LENGTH or not KEY_CHARACTERS.fullmatch(key):
        message = _("The Idempotency-Key must have 1 to %(max)s printable characters, without spaces.",
                    max=idempotency.MAX_KEY_LENGTH)
        raise ApiError(400, "invalid_idempotency_key", message, {"Idempotency-Key": message})
    return key


def _api_fields(fields: dict) -> dict:
    renamed = {}
    for key, message in fields.items():
        head, dot, rest = key.partition(".")
        head = FIELD_NAMES.get(head, head)
        renamed[head + dot + rest] = str(message)
    return renamed


def _lodging_error(error: LodgingError) -> tuple[int, dict]:
    fields = _api_fields(error.fields)
    status, message = error.status, str(error.message)
    if isinstance(error, NotFound) and fields:
        # An unknown room in the body is a bad field, not a missing resource.
        status = 422
    if error.code == "validation_failed":
        message = _("Some fields are not valid: %(fields)s.", fields=", ".join(fields))
    return status, error_body(error.code, message, fields)


def _json(status: int, payload: dict, headers: dict | None = None) -> Response:
    response = Response(json.dumps(payload, ensure_ascii=False), status=status, mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _located(status: int, payload: dict) -> dict:
    if status == 201 and isinstance(payload.get("id"), int):
        return {"Location": url_for("api.lodging_stay", stay_id=payload["id"])}
    return {}


def _answer(work) -> tuple[int, dict]:
    """Run the work; turn what the rules refuse into the error it answers."""
    try:
        return work()
    except LodgingError as error:
        db.session.rollback()
        return _lodging_error(error)
    except ApiError as error:
        db.session.rollback()
        return error.status, error_body(error.code, error.message, error.fields)


def _idempotent(bearer: tokens.Bearer, body: dict, work) -> Response:
    """Answer a POST once per Idempotency-Key; replay that answer to retries.

    `work(store)` does the request; with a key, `store(status, payload)` records the answer in
    the work's own transaction, when the work offers to (check-in does, before its commit).
    """
    key = _idempotency_key()
    if key is None:
        status, payload = _answer(lambda: work(None))
        return _json(status, payload, _located(status, payload))
    fingerprint = idempotency.request_hash(request.method, request.path, body)
    try:
        stored = idempotency.begin(bearer.establishment_id, key, fingerprint)
    except LodgingError as error:
        status, payload = _lodging_error(error)
        return _json(status, payload)
    if stored is not None:
        payload = json.loads(stored.body)
        return _json(stored.status, payload, {**_located(stored.status, payload), "Idempotent-Replayed": "true"})
    recorded = []

    def store(status: int, payload: dict) -> None:
        # Called by the work inside its own transaction, just before it commits.
        idempotency.record(bearer.establishment_id, key, status, json.dumps(payload, ensure_ascii=False))
        recorded.append(status)

    try:
        status, payload = _answer(lambda: work(store))
    except BaseException:
        idempotency.abandon(bearer.establishment_id, key)
        raise
    if not recorded:
        idempotency.finish(bearer.establishment_id, key, status, json.dumps(payload, ensure_ascii=False))
    return _json(status, payload, _located(status, payload))


def stay_json(stay: Stay) -> dict:
    """Return a stay as the API shows it: document numbers masked, never in full."""
    return {
        "id": stay.id,
        "room": stay.room.number,
        "check_in": stay.arrival.isoformat(),
        "check_out": stay.departure.isoformat(),
        "status": stay.status,
        "same_day": stay.same_day,
        "nights": stay.nights,
        "group_name": stay.group_name,
        "guests": [
            {
                "full_name": guest.full_name,
                "birth_date": guest.birth_date.isoformat() if guest.birth_date else None,
                "sex": guest.sex,
                "nationality": guest.nationality,
                "residence_country": guest.residence_country,
                "document_type": guest.document_type,
                "document_number": guest.masked_document or None,
                "purpose": guest.purpose,
            }
            for guest in stay.guests
        ],
    }


def _establishment(bearer: tokens.Bearer) -> Establishment:
    return bearer.establishment or db.session.get(Establishment, bearer.establishment_id)


@bp.post("/stays")
@_limited
def lodging_create_stay():
    bearer = _bearer()
    body = _body()

    def work(store):
        room = body.get("room")
        if isinstance(room, int) and not isinstance(room, bool):
            room = str(room)  # a bare number is the room's number, never its database id
        if not isinstance(room, str) or not room.strip() or CONTROL_CHARACTERS.search(room):
            raise ApiError(422, "validation_failed", _("Some fields are not valid: %(fields)s.", fields="room"),
                           {"room": _("Give the room's number, such as \"101\".")})
        group_name = body.get("group_name") or ""
        if not isinstance(group_name, str) or CONTROL_CHARACTERS.search(group_name):
            raise ApiError(422, "validation_failed",
                           _("Some fields are not valid: %(fields)s.", fields="group_name"),
                           {"group_name": _("The group name must be text.")})
        stay = services.check_in_one(
            _establishment(bearer), room, body.get("check_in"), body.get("check_out"), body.get("guests"),
            group_name=group_name, source="api",
            before_commit=(lambda stays: store(201, stay_json(stays[0]))) if store else None,
        )
        # check_in leaves what it wrote loaded, so the answer costs no further query.
        return 201, stay_json(stay)

    return _idempotent(bearer, body, work)


@bp.get("/stays/<int:stay_id>")
@_limited
def lodging_stay(stay_id: int):
    bearer = _bearer()
    status, payload = _answer(lambda: (200, stay_json(services.get_stay(bearer.establishment_id, stay_id))))
    return _json(status, payload)


@bp.post("/stays/<int:stay_id>/checkout")
@_limited
def lodging_check_out(stay_id: int):
    bearer = _bearer()
    body = _body(optional=True)

    def work(_store):
        # A second check-out is refused (409), so this answer needs no same-transaction record.
        on = None
        if body.get("check_out") is not None:
            on = parse_date(body["check_out"])
            latest = services.today() + timedelta(days=MAX_FUTURE_DAYS)
            if on is None or on > latest:
                message = (_("Enter the departure date as YYYY-MM-DD.") if on is None
                           else _("The departure date cannot be in the future: check guests out when they leave."))
                raise ApiError(422, "validation_failed",
                               _("Some fields are not valid: %(fields)s.", fields="check_out"), {"check_out": message})
        stay = services.check_out(bearer.establishment_id, stay_id, on)
        return 200, stay_json(services.get_stay(bearer.establishment_id, stay.id))

    return _idempotent(bearer, body, work)


ROOM_STATUSES = ("available", "occupied", "out_of_service", "inactive")


@bp.get("/rooms")
@_limited
def lodging_rooms():
    bearer = _bearer()
    day = services.today()
    rooms = list(db.session.scalars(
        sa.select(Room).where(Room.establishment_id == bearer.establishment_id).order_by(Room.number)
    ))
    # One board for all rooms, not a query per room.
    board = services.board(bearer.establishment_id, day)

    def status(room: Room) -> str:
        if not room.active:
            return "inactive"
        if room.id in board.out_of_service_room_ids:
            return "out_of_service"
        return "occupied" if room.id in board.occupied_room_ids else "available"

    return _json(200, {"rooms": [
        {"number": room.number, "type": room.room_type, "capacity": room.capacity,
         "bed_places": room.bed_places, "status": status(room)}
        for room in rooms
    ]})


# Bearer tokens, never cookies: a cross-site form cannot carry them, so CSRF does not apply.
csrf.exempt(lodging_create_stay)
csrf.exempt(lodging_check_out)
