"""Back-office pages under /<locale>/backoffice/."""

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from tourism.accounts import services as accounts
from tourism.accounts.labels import ROLE_LABELS
from tourism.accounts.models import User
from tourism.backoffice.forms import UserForm
from tourism.core import audit
from tourism.core.mail import OutboxMessage
from tourism.core.pages import LOCAL_TZ, int_arg
from tourism.core.permissions import ESTABLISHMENT_ROLES, ROLES
from tourism.extensions import db
from tourism.lodging.models import Establishment

bp = Blueprint("backoffice", __name__, url_prefix="/<lang:locale>/backoffice")

PER_PAGE = 50
# Dates outside this span are typing errors, and would overflow date arithmetic at the edges.
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)

ACTION_LABELS = {
    "sign_in": _l("Signed in"),
    "sign_in_failed": _l("Failed sign-in"),
    "sign_out": _l("Signed out"),
    "sign_up": _l("Signed up"),
    "email_confirmed": _l("Confirmed email address"),
    "password_reset_requested": _l("Asked for a password reset"),
    "password_reset": _l("Reset password"),
    "password_changed": _l("Changed password"),
    "account_deleted": _l("Deleted account"),
    "account_created": _l("Account created"),
    "role_changed": _l("Role changed"),
    "account_disabled": _l("Account disabled"),
    "account_enabled": _l("Account enabled"),
    "guest_viewed": _l("Viewed a guest's personal data"),
}


def _date_arg(name: str, notices: list) -> date | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        day = None
    if day is None or not EARLIEST <= day <= LATEST:
        notices.append(_("“%(value)s” is not a date; that filter was ignored.", value=value[:40]))
        return None
    return day


@bp.get("/users/")
def users():
    notices = []
    query = sa.select(User).where(User.deleted_at.is_(None)).order_by(User.email)
    role = request.args.get("role") or None
    if role and role not in ROLES:
        notices.append(_("Unknown role; showing every role."))
        role = None
    if role:
        query = query.where(User.role == role)
    text = request.args.get("q", "").strip()[:200]
    if text:
        pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"
        query = query.where(
            sa.or_(User.email.like(pattern, escape="\\"), sa.func.lower(User.display_name).like(pattern, escape="\\"))
        )
    page = db.paginate(query, page=int_arg("page"), per_page=PER_PAGE, error_out=False)
    return render_template(
        "backoffice/users.html", page=page, role=role, q=text, notices=notices, ROLE_LABELS=ROLE_LABELS
    )


def _establishment_choices():
    establishments = db.session.scalars(sa.select(Establishment).order_by(Establishment.name))
    return [SelectChoice("", _("None"))] + [SelectChoice(item.slug, item.name) for item in establishments]


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user(user_id: int):
    person = db.get_or_404(User, user_id)
    if person.deleted_at is not None:
        return render_template("backoffice/user_deleted.html", person=person), 410
    form = UserForm(
        role=person.role,
        establishment=person.establishment.slug if person.establishment else "",
        active=person.active,
    )
    form.role.choices = [SelectChoice(role, ROLE_LABELS[role]) for role in ROLES]
    form.establishment.choices = _establishment_choices()
    if form.validate_on_submit():
        actor = current_user._get_current_object()
        try:
            changed = accounts.update_account(
                person,
                role=form.role.data,
                establishment_slug=form.establishment.data or None,
                active=form.active.data,
                actor=actor,
            )
        except accounts.AccountError as error:
            getattr(form, error.field, form.role).errors.append(error.message)
        else:
            flash(_("Saved.") if changed else _("Nothing to change."), "success")
            return redirect(url_for("backoffice.user", user_id=person.id))
    history = db.session.scalars(audit.search(target_type="user", target_id=person.id).limit(20)).all()
    return render_template(
        "backoffice/user.html",
        person=person,
        form=form,
        history=history,
        ROLE_LABELS=ROLE_LABELS,
        ACTION_LABELS=ACTION_LABELS,
        establishment_roles=ESTABLISHMENT_ROLES,
    )


@bp.get("/audit/")
def audit_log():
    notices = []
    action = request.args.get("action") or None
    if action and action not in audit.ACTIONS:
        notices.append(_("Unknown action; showing every action."))
        action = None
    actor_email = request.args.get("actor", "").strip()[:254]
    actor_id = None
    if actor_email:
        actor = accounts.find_by_email(actor_email)
        # An unknown actor matches nothing rather than everything.
        actor_id = actor.id if actor else 0
    since_day = _date_arg("from", notices)
    until_day = _date_arg("to", notices)
    since = datetime.combine(since_day, time(), LOCAL_TZ) if since_day else None
    until = datetime.combine(until_day + timedelta(days=1), time(), LOCAL_TZ) if until_day else None
    query = audit.search(
        action=action,
        actor_id=actor_id,
        subject=request.args.get("subject", "")[:254] or None,
        ip=request.args.get("ip", "")[:45] or None,
        since=since,
        until=until,
    )
    page = db.paginate(query, page=int_arg("page"), per_page=PER_PAGE, error_out=False)
    actor_ids = {event.actor_id for event in page.items if event.actor_id}
    actors = {}
    if actor_ids:
        actors = {person.id: person for person in db.session.scalars(sa.select(User).where(User.id.in_(actor_ids)))}
    return render_template(
        "backoffice/audit.html",
        page=page,
        actors=actors,
        notices=notices,
        ACTION_LABELS=ACTION_LABELS,
        actions=audit.ACTIONS,
        filters={key: request.args.get(key, "")[:254] for key in ("action", "actor", "subject", "ip", "from", "to")},
    )


@bp.get("/outbox/")
def outbox():
    query = sa.select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    page = db.paginate(query, page=int_arg("page"), per_page=20, error_out=False)
    return render_template("backoffice/outbox.html", page=page)
