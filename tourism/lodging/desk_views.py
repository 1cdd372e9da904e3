"""Front desk of the signed-in staff's establishment: the day's board, check-in, stays, register, rooms.

Every lookup is scoped to `current_user.establishment_id`; another establishment's ids are not
found (404), exactly like ids that do not exist. Pages show personal data, so none is cached.
"""

from datetime import timedelta

import sqlalchemy as sa
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from tourism.core.pages import date_arg, int_arg
from tourism.extensions import db
from tourism.lodging import desk_forms, rooms, services
from tourism.lodging.blueprint import bp, own_establishment_id
from tourism.lodging.errors import LodgingError, NotFound
from tourism.lodging.models import ROOM_TYPES, STAY_STATUSES, Declaration, Establishment, Room
from tourism.lodging.validation import COUNTRIES, parse_date

PER_PAGE = 50
# Dates outside this span are typing errors, and would overflow date arithmetic at the edges.


# -- helpers ---------------------------------------------------------------------------------

def _establishment() -> Establishment:
    return db.session.get(Establishment, own_establishment_id())


def _actor():
    return current_user._get_current_object()


def _is_manager() -> bool:
    return current_user.role == "lodging_manager"


def _page(template: str, status: int = 200, **context):
    """Render a desk page that holds personal data: never stored by a browser or proxy."""
    response = make_response(
        render_template(
            template,
            establishment=_establishment(),
            is_manager=_is_manager(),
            format_date=format_date,
            field_id=desk_forms.field_id,
            SEX_LABELS=desk_forms.SEX_LABELS,
            DOCUMENT_LABELS=desk_forms.DOCUMENT_LABELS,
            PURPOSE_LABELS=desk_forms.PURPOSE_LABELS,
            ROOM_TYPE_LABELS=desk_forms.ROOM_TYPE_LABELS,
            STATUS_LABELS=desk_forms.STATUS_LABELS,
            DECLARATION_LABELS=desk_forms.DECLARATION_LABELS,
            **context,
        ),
        status,
    )
    response.headers["Cache-Control"] = "no-store, private"
    return response


def _found(call, *args, **kwargs):
    """Call a service; a NotFound (another establishment's id, or none) becomes a 404."""
    try:
        return call(*args, **kwargs)
    except NotFound:
        db.session.rollback()
        abort(404)


def _arg(name: str, length: int = 100) -> str:
    return desk_forms.clean(request.args.get(name, ""), length)


def _field(name: str, length: int = 200) -> str:
    return desk_forms.clean(request.form.get(name, ""), length)


def _active_rooms(establishment_id: int) -> list[Room]:
    return list(db.session.scalars(
        sa.select(Room).where(Room.establishment_id == establishment_id, Room.active).order_by(Room.number)
    ))


# -- the day's board -------------------------------------------------------------------------

@bp.get("/")
def desk_board():
    notices: list[str] = []
    today = services.today()
    day = date_arg("day", notices)
    if _arg("day") and day is None:
        notices[-1] = _("“%(value)s” is not a date; showing today.", value=_arg("day", 40))
    day = day or today
    board = services.board(own_establishment_id(), day)
    return _page(
        "lodging/desk/board.html",
        board=board,
        today=today,
        notices=notices,
        previous_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
    )


# -- check-in --------------------------------------------------------------------------------

def _room_choices(establishment_id: int):
    """The rooms in use, those with nobody in them tonight first."""
    free = {room.id for room in services.board(establishment_id).free_rooms}
    active = _active_rooms(establishment_id)
    return [room for room in active if room.id in free], [room for room in active if room.id not in free]


def _check_in_page(group: bool):
    establishment = _establishment()
    today = services.today()
    status = 200
    if request.method == "POST":
        form = desk_forms.read_form(request.form, group)
        if "add_guest" in request.form:
            number = int_arg_from(request.form.get("add_guest"), len(form.blocks) - 1)
            block = form.blocks[min(number, len(form.blocks) - 1)]
            if len(block.guests) < desk_forms.MAX_GUESTS:
                block.guests.append(desk_forms.empty_guest())
        elif "add_room" in request.form and group:
            if len(form.blocks) < desk_forms.MAX_ROOMS:
                form.blocks.append(desk_forms.RoomBlock(prefix="", guests=[desk_forms.empty_guest()]))
                desk_forms.renumber(form)
        else:
            try:
                stays = services.check_in(
                    establishment,
                    desk_forms.bookings_of(form),
                    form.arrival,
                    form.departure,
                    group_name=form.group_name,
                    source="desk",
                    actor=_actor(),
                )
            except LodgingError as error:
                db.session.rollback()
                desk_forms.set_errors(form, error)
                for block in form.blocks:
                    if not block.room and block.prefix + "room" in form.errors:
                        form.errors[block.prefix + "room"] = _("Choose a room.")
                status = error.status if error.status in (409, 422) else 422
            else:
                guests = sum(len(stay.guests) for stay in stays)
                flash(_("Checked in %(guests)s guest(s) in %(rooms)s room(s).", guests=guests, rooms=len(stays)),
                      "success")
                if len(stays) == 1:
                    return redirect(url_for("lodging.desk_stay", stay_id=stays[0].id))
                return redirect(url_for("lodging.desk_board"))
    else:
        form = desk_forms.blank_form(
            group,
            today.isoformat(),
            (today + timedelta(days=1)).isoformat(),
            rooms=request.args.get("rooms", 2),
            guests=request.args.get("guests", 1),
        )
    free, occupied = _room_choices(establishment.id)
    return _page(
        "lodging/desk/check_in.html",
        status,
        form=form,
        free_rooms=free,
        occupied_rooms=occupied,
        countries=desk_forms.country_choices(),
        max_guests=desk_forms.MAX_GUESTS,
    )


def int_arg_from(value, default: int) -> int:
    """Read a small non-negative integer from a form value."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if 0 <= number < desk_forms.MAX_ROOMS else default


@bp.route("/check-in", methods=["GET", "POST"])
def desk_check_in():
    return _check_in_page(group=False)


@bp.route("/group-check-in", methods=["GET", "POST"])
def desk_group_check_in():
    return _check_in_page(group=True)


# -- one stay --------------------------------------------------------------------------------

# The fields of each form on the stay page, so a service's errors land next to them.
STAY_FORMS = {"extend": {"departure"}, "room": {"room", "on"}, "check_out": {"departure"}, "cancel": {"confirm"}}


def _stay_page(stay, status: int = 200, failed: str = "", errors: dict | None = None, notice: str = "",
               values: dict | None = None):
    declaration = db.session.scalar(sa.select(Declaration).where(Declaration.stay_id == stay.id))
    other_rooms = [room for room in _active_rooms(stay.establishment_id) if room.id != stay.room_id]
    return _page(
        "lodging/desk/stay.html",
        status,
        stay=stay,
        declaration=declaration,
        other_rooms=other_rooms,
        today=services.today(),
        failed=failed,
        errors=errors or {},
        notice=notice,
        values=values or {},
    )


@bp.get("/stays/<int:stay_id>")
def desk_stay(stay_id: int):
    stay = _found(services.get_stay, own_establishment_id(), stay_id)
    return _stay_page(stay)


def _stay_action(stay_id: int, name: str, action, success):
    """Run one stay form's service call; flash and redirect, or show the page again with the errors."""
    establishment_id = own_establishment_id()
    _found(services.get_stay, establishment_id, stay_id)
    try:
        stay = action(establishment_id)
    except LodgingError as error:
        db.session.rollback()
        stay = _found(services.get_stay, establishment_id, stay_id)
        errors = {key: str(message) for key, message in error.fields.items() if key in STAY_FORMS[name]}
        # A conflict's message names the room and the dates; a refused field not on this form
        # (the arrival, say) is told in words rather than as "some fields are not valid".
        notice = ""
        if error.status == 409:
            notice = str(error.message)
        elif not errors:
            notice = " ".join(str(message) for message in error.fields.values()) or str(error.message)
        return _stay_page(stay, error.status if error.status in (409, 422) else 422, name, errors, notice,
                          values=request.form.to_dict())
    flash(success(stay), "success")
    if request.form.get("next") == "board":
        return redirect(url_for("lodging.desk_board"))
    return redirect(url_for("lodging.desk_stay", stay_id=stay.id))


@bp.post("/stays/<int:stay_id>/extend")
def desk_stay_extend(stay_id: int):
    return _stay_action(
        stay_id, "extend",
        lambda eid: services.extend_stay(eid, stay_id, _field("departure", 20)),
        lambda stay: _("The stay now ends on %(date)s.", date=format_date(stay.departure, "medium")),
    )


@bp.post("/stays/<int:stay_id>/room")
def desk_stay_change_room(stay_id: int):
    raw = _field("on", 20)
    on = (parse_date(raw) or raw) if raw else None
    return _stay_action(
        stay_id, "room",
        lambda eid: services.change_room(eid, stay_id, _field("room", 20), on),
        lambda stay: _("The guests move to room %(room)s.", room=stay.room.number),
    )


@bp.post("/stays/<int:stay_id>/check-out")
def desk_stay_check_out(stay_id: int):
    return _stay_action(
        stay_id, "check_out",
        lambda eid: services.check_out(eid, stay_id),
        lambda stay: _("Room %(room)s is checked out.", room=stay.room.number),
    )


@bp.post("/stays/<int:stay_id>/cancel")
def desk_stay_cancel(stay_id: int):
    def cancel(eid):
        if request.form.get("confirm") != "yes":
            raise LodgingError(_("Tick the box to confirm the cancellation."),
                               {"confirm": _("Tick the box to confirm the cancellation.")})
        return services.cancel_stay(eid, stay_id)

    return _stay_action(stay_id, "cancel", cancel, lambda stay: _("The stay is cancelled."))


# -- the guest register ----------------------------------------------------------------------

@bp.get("/register")
def desk_register():
    notices: list[str] = []
    name = _arg("name", 100)
    document = _arg("document", 30)
    since, until = date_arg("since", notices), date_arg("until", notices)
    nationality = _arg("nationality", 2).upper()
    if nationality and nationality not in COUNTRIES:
        notices.append(_("Unknown country; showing every nationality."))
        nationality = ""
    status = _arg("status", 20)
    if status and status not in STAY_STATUSES:
        notices.append(_("Unknown status; showing every status."))
        status = ""
    query = services.register_query(
        own_establishment_id(), name=name, document=document, since=since, until=until, nationality=nationality, status=status
    )
    page = db.paginate(query, page=int_arg("page"), per_page=PER_PAGE, error_out=False)
    params = {"name": name, "document": document, "since": since.isoformat() if since else "",
              "until": until.isoformat() if until else "", "nationality": nationality, "status": status}
    return _page(
        "lodging/desk/register.html",
        page=page,
        params=params,
        notices=notices,
        countries=desk_forms.country_choices(),
    )


@bp.get("/guests/<int:guest_id>")
def desk_guest(guest_id: int):
    guest, number = _found(services.reveal_guest, own_establishment_id(), guest_id, actor=_actor())
    return _page("lodging/desk/guest.html", guest=guest, number=number)


# -- rooms, out-of-service periods and closures ----------------------------------------------

def _room_data() -> dict:
    return {key: _field(key, 40) for key in ("number", "room_type", "single_beds", "double_beds", "capacity")}


def _rooms_page(status: int = 200, errors: dict | None = None, notice: str = "", values: dict | None = None):
    establishment_id = own_establishment_id()
    return _page(
        "lodging/desk/rooms.html",
        status,
        rooms=rooms.list_rooms(establishment_id),
        closures=rooms.list_closures(establishment_id),
        today=services.today(),
        errors=errors or {},
        notice=notice,
        values=values or {},
    )


@bp.get("/rooms/")
def desk_rooms():
    return _rooms_page()


def _room_form_page(room, status: int = 200, errors: dict | None = None, notice: str = "",
                    values: dict | None = None, failed: str = "", period_values: dict | None = None):
    if values is None and room is not None:
        values = {"number": room.number, "room_type": room.room_type, "single_beds": room.single_beds,
                  "double_beds": room.double_beds, "capacity": room.capacity, "active": room.active}
    return _page(
        "lodging/desk/room_form.html",
        status,
        room=room,
        errors=errors or {},
        notice=notice,
        values=values or {"room_type": "double", "single_beds": 0, "double_beds": 1, "capacity": 2},
        failed=failed,
        period_values=period_values or {},
        today=services.today(),
        ROOM_TYPES=ROOM_TYPES,
    )


@bp.route("/rooms/new", methods=["GET", "POST"])
def desk_room_new():
    if request.method == "POST":
        data = _room_data()
        try:
            room = rooms.create_room(own_establishment_id(), data)
        except LodgingError as error:
            db.session.rollback()
            return _room_form_page(None, 422, {k: str(v) for k, v in error.fields.items()}, values=data,
                                   failed="room")
        flash(_("Room %(room)s added.", room=room.number), "success")
        return redirect(url_for("lodging.desk_rooms"))
    return _room_form_page(None)


@bp.route("/rooms/<int:room_id>", methods=["GET", "POST"])
def desk_room_edit(room_id: int):
    room = _found(rooms.get_room, own_establishment_id(), room_id)
    if request.method == "POST":
        data = {**_room_data(), "active": request.form.get("active") == "1"}
        try:
            room = rooms.update_room(own_establishment_id(), room_id, data)
        except NotFound:
            abort(404)
        except LodgingError as error:
            db.session.rollback()
            room = _found(rooms.get_room, own_establishment_id(), room_id)
            return _room_form_page(room, 422, {k: str(v) for k, v in error.fields.items()}, values=data,
                                   failed="room")
        flash(_("Room %(room)s saved.", room=room.number), "success")
        return redirect(url_for("lodging.desk_rooms"))
    return _room_form_page(room)


@bp.post("/rooms/<int:room_id>/remove")
def desk_room_remove(room_id: int):
    room = _found(rooms.get_room, own_establishment_id(), room_id)
    number = room.number
    outcome = _found(rooms.remove_room, own_establishment_id(), room_id)
    if outcome == "deleted":
        flash(_("Room %(room)s removed.", room=number), "success")
    else:
        flash(_("Room %(room)s has stays in the register, so it is kept but no longer in use.", room=number),
              "info")
    return redirect(url_for("lodging.desk_rooms"))


def _period_data() -> dict:
    return {key: _field(key, 300) for key in ("start_date", "end_date", "reason")}


@bp.post("/rooms/<int:room_id>/out-of-service")
def desk_room_out_of_service_add(room_id: int):
    room = _found(rooms.get_room, own_establishment_id(), room_id)
    data = _period_data()
    try:
        rooms.add_out_of_service(own_establishment_id(), room_id, data)
    except LodgingError as error:
        db.session.rollback()
        room = _found(rooms.get_room, own_establishment_id(), room_id)
        return _page_for_period(room, error, data)
    flash(_("Room %(room)s is out of service from %(start)s to %(end)s.", room=room.number,
            start=format_date(parse_date(data["start_date"]), "medium"),
            end=format_date(parse_date(data["end_date"]), "medium")), "success")
    return redirect(url_for("lodging.desk_room_edit", room_id=room.id))


def _page_for_period(room, error: LodgingError, data: dict):
    """Show the room page again with the out-of-service form's errors and what was typed."""
    return _room_form_page(room, error.status if error.status in (409, 422) else 422,
                           {"period." + k: str(v) for k, v in error.fields.items()},
                           notice=str(error.message) if error.status == 409 else "", failed="period",
                           period_values=data)


@bp.post("/rooms/<int:room_id>/out-of-service/<int:period_id>/remove")
def desk_room_out_of_service_remove(room_id: int, period_id: int):
    _found(rooms.remove_out_of_service, own_establishment_id(), room_id, period_id)
    flash(_("The room is back in service for that period."), "success")
    return redirect(url_for("lodging.desk_room_edit", room_id=room_id))


@bp.post("/closures")
def desk_closure_add():
    data = _period_data()
    try:
        rooms.add_closure(own_establishment_id(), data)
    except LodgingError as error:
        db.session.rollback()
        return _rooms_page(error.status if error.status in (409, 422) else 422,
                           {k: str(v) for k, v in error.fields.items()},
                           notice=str(error.message) if error.status == 409 else "", values=data)
    flash(_("Closure added."), "success")
    return redirect(url_for("lodging.desk_rooms"))


@bp.post("/closures/<int:closure_id>/remove")
def desk_closure_remove(closure_id: int):
    _found(rooms.remove_closure, own_establishment_id(), closure_id)
    flash(_("Closure removed."), "success")
    return redirect(url_for("lodging.desk_rooms"))
