"""The establishment's police residence declarations: statuses, deadlines, and "send again"."""


from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from tourism.core.database import utcnow
from tourism.core.pages import date_arg, int_arg
from tourism.extensions import db
from tourism.i18n import current_locale
from tourism.lodging import declarations
from tourism.lodging.blueprint import bp, own_establishment_id
from tourism.lodging.errors import LodgingError

PER_PAGE = 50
STATUS_LABELS = {
    "pending": _l("Waiting to be sent"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
}
FILTER_LABELS = {"": _l("Every status"), **STATUS_LABELS, "overdue": _l("Overdue")}


class RetryForm(FlaskForm):
    """Only the CSRF token: the declaration is in the URL."""


@bp.get("/declarations/")
def declaration_list():
    establishment_id = own_establishment_id()
    now = utcnow()
    notices = []
    status = request.args.get("status", "").strip()
    if status not in FILTER_LABELS:
        notices.append(_("Unknown status; showing every status."))
        status = ""
    since, until = date_arg("since", notices), date_arg("until", notices)
    query = declarations.declaration_query(establishment_id, status=status, since=since, until=until, now=now)
    page = db.paginate(query, page=int_arg("page"), per_page=PER_PAGE, error_out=False)
    return render_template(
        "lodging/declarations/list.html",
        page=page,
        status=status,
        since=since,
        until=until,
        notices=notices,
        now=now,
        overdue=declarations.overdue_count(establishment_id, now),
        configured=bool(_config("DECLARATION_URL")),
        STATUS_LABELS=STATUS_LABELS,
        FILTER_LABELS=FILTER_LABELS,
        form=RetryForm(),
        can_retry=current_user.role == "lodging_manager",
    )


def _config(name: str):
    from flask import current_app

    return current_app.config.get(name)


@bp.post("/declarations/<int:declaration_id>/retry")
def declaration_retry(declaration_id: int):
    establishment_id = own_establishment_id()
    form = RetryForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        declarations.retry_declaration(establishment_id, declaration_id)
    except LodgingError as error:
        if error.status == 404:
            abort(404)
        flash(error.message, "warning")
    else:
        flash(_("The declaration will be sent again on the next delivery run."), "success")
    return redirect(url_for("lodging.declaration_list", locale=current_locale(), status=request.args.get("status", "")))
