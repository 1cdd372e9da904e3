"""Licensing: the department's list of establishments and its decisions on each."""

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tourism.backoffice.views import ACTION_LABELS, PER_PAGE, bp
from tourism.core import audit
from tourism.core.pages import int_arg
from tourism.extensions import db
from tourism.lodging import establishments
from tourism.lodging.establishment_forms import StatusForm
from tourism.lodging.models import ESTABLISHMENT_KINDS, ESTABLISHMENT_STATUSES, Establishment
from tourism.lodging.validation import ValidationError as InvalidFields
from tourism.portal import services as portal

# The audit log names these actions too.
ACTION_LABELS.setdefault("establishment_registered", _l("Establishment registered"))
ACTION_LABELS.setdefault("establishment_status_changed", _l("Establishment licence status changed"))


@bp.get("/establishments/")
def establishments_list():
    notices = []
    status = request.args.get("status") or None
    if status and status not in ESTABLISHMENT_STATUSES:
        notices.append(_("Unknown status; showing every status."))
        status = None
    kind = request.args.get("type") or None
    if kind and kind not in ESTABLISHMENT_KINDS:
        notices.append(_("Unknown type of establishment ignored."))
        kind = None
    area_slug, area_ids = portal.resolve_area_filter(request.args.get("area"))
    if request.args.get("area") and area_slug is None:
        notices.append(_("Unknown area ignored."))
    text = " ".join(request.args.get("q", "").split())[:200]
    query = establishments.office_query(status, kind, area_ids, text)
    page = db.paginate(query, page=int_arg("page"), per_page=PER_PAGE, error_out=False)
    counts = dict(db.session.execute(
        sa.select(Establishment.status, sa.func.count()).group_by(Establishment.status)
    ).all())
    filters = {"status": status, "type": kind, "area": area_slug, "q": text}
    return render_template(
        "backoffice/establishments.html",
        page=page,
        filters=filters,
        params={key: value for key, value in filters.items() if value},
        notices=notices,
        counts=counts,
        statuses=ESTABLISHMENT_STATUSES,
        kinds=ESTABLISHMENT_KINDS,
        localities=portal.localities(),
    )


@bp.route("/establishments/<int:establishment_id>", methods=["GET", "POST"])
def establishment_detail(establishment_id: int):
    establishment = db.get_or_404(Establishment, establishment_id)
    form = StatusForm()
    form.status.choices = [(status, establishments.STATUS_LABELS[status])
                           for status in establishments.allowed_statuses(establishment)]
    if form.validate_on_submit():
        try:
            establishments.set_status(establishment, form.status.data, form.reason.data or "",
                                      current_user._get_current_object())
        except InvalidFields as invalid:
            db.session.rollback()
            for key, message in invalid.fields.items():
                field = getattr(form, key, form.status)
                field.errors = [*field.errors, message]
        else:
            flash(_("%(name)s: %(status)s.", name=establishment.name,
                    status=establishments.STATUS_LABELS[establishment.status]), "success")
            return redirect(url_for("backoffice.establishment_detail", establishment_id=establishment.id))
    history = db.session.scalars(
        audit.search(target_type="establishment", target_id=establishment.id).limit(20)
    ).all()
    return render_template(
        "backoffice/establishments_detail.html",
        establishment=establishment,
        form=form,
        history=history,
        capacity=establishments.capacity(establishment),
        ACTION_LABELS=ACTION_LABELS,
    )
