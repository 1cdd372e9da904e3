"""The establishment's monthly statistics reports: the months, one month's figures, and submitting."""

from babel import Locale
from babel.dates import format_skeleton
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

from tourism.i18n import current_locale
from tourism.lodging import reports
from tourism.lodging.blueprint import bp, own_establishment_id
from tourism.lodging.errors import LodgingError


class SubmitReportForm(FlaskForm):
    note = TextAreaField(
        _l("Note for the department (optional)"),
        validators=[Length(max=1000)],
        render_kw={"rows": 3, "maxlength": 1000, "autocomplete": "off"},
    )


def country_names() -> dict[str, str]:
    """Country names in the user's language, by ISO code."""
    try:
        return dict(Locale.parse(current_locale()).territories)
    except (ValueError, TypeError):
        return dict(Locale("en").territories)


def month_label(month) -> str:
    """Name a month in the user's language ("October 2026", "tháng 10 năm 2026")."""
    return format_skeleton("yMMMM", month, locale=current_locale())


def formatters() -> dict:
    """The helpers the report templates format with, in the user's language."""
    return {
        "month_label": month_label,
        "format_decimal": format_decimal,
        "format_percent": format_percent,
        "countries": country_names(),
    }


def _month_or_404(value: str):
    month = reports.parse_month(value)
    if month is None:
        abort(404)
    return month


@bp.get("/reports/")
def report_list():
    establishment_id = own_establishment_id()
    return render_template(
        "lodging/reports/list.html", months=reports.report_months(establishment_id), **formatters()
    )


@bp.get("/reports/<month>")
def report_month(month: str):
    establishment_id = own_establishment_id()
    first = _month_or_404(month)
    return _render_month(establishment_id, first, SubmitReportForm())


def _render_month(establishment_id: int, month, form, status_code: int = 200):
    report = reports.get_report(establishment_id, month)
    state = reports.report_status(report, month)
    return render_template(
        "lodging/reports/month.html",
        month=month,
        month_code=month.strftime("%Y-%m"),
        state=state,
        report=report,
        figures=reports.monthly_figures(establishment_id, month),
        submitted=report.figures if report is not None and report.status == "submitted" else None,
        form=form,
        **formatters(),
        can_submit=current_user.role == "lodging_manager" and state["can_submit"],
    ), status_code


@bp.post("/reports/<month>/submit")
def report_submit(month: str):
    establishment_id = own_establishment_id()
    first = _month_or_404(month)
    form = SubmitReportForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _render_month(establishment_id, first, form, 422)
    try:
        reports.submit_report(establishment_id, first, actor=current_user, note=form.note.data or "")
    except LodgingError as error:
        flash(error.message, "warning")
        return _render_month(establishment_id, first, form, error.status)
    flash(_("The report for %(month)s has been submitted.", month=month_label(first)), "success")
    return redirect(url_for("lodging.report_month", locale=current_locale(), month=first.strftime("%Y-%m")))
