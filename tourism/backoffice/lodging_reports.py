"""The department's view of the lodging monthly reports: who has submitted a month, and the totals."""

from flask import render_template, request
from flask_babel import gettext as _

from tourism.backoffice.views import bp
from tourism.lodging import reports
from tourism.lodging.report_views import formatters


@bp.get("/lodging-reports")
def lodging_reports():
    notices = []
    default = reports.previous_month(reports.month_start(reports.today()))
    value = request.args.get("month", "").strip()
    month = reports.parse_month(value) if value else default
    if month is None:
        notices.append(_("“%(value)s” is not a month (YYYY-MM); showing %(month)s.",
                         value=value[:40], month=default.strftime("%Y-%m")))
        month = default
    overview = reports.department_overview(month)
    return render_template(
        "backoffice/lodging_reports.html",
        overview=overview,
        month=month,
        month_code=month.strftime("%Y-%m"),
        previous_code=reports.previous_month(month).strftime("%Y-%m"),
        next_code=reports.next_month(month).strftime("%Y-%m") if month.year < 2100 or month.month < 12 else None,
        notices=notices,
        **formatters(),
    )
