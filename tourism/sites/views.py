"""Site pages: the manager's last 14 days, a day's entry or correction, CSV upload; the department's view."""

from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tourism.sites import services
from tourism.sites.forms import UploadForm, VisitsForm

bp = Blueprint("sites", __name__, url_prefix="/<lang:locale>/sites")


def _actor():
    return current_user._get_current_object()


def _own_site():
    try:
        return services.site_for(_actor())
    except services.NotFound:
        abort(404)


def _day_arg(value: str) -> date:
    day = services.parse_day(value)
    if day is None or day > services.today() or day < services.earliest_day():
        abort(404)
    return day


def _save(form: VisitsForm, site, day: date | None = None) -> bool:
    """Record the form's figures; put the service's messages on the fields when it refuses them."""
    if not form.validate_on_submit():
        return False
    try:
        _row, created = services.record_visits(
            site, day or form.day.data, form.visitors.data, form.international_visitors.data, form.revenue.data,
            "form", _actor())
    except services.NotFound:
        abort(404)
    except services.SiteError as error:
        names = {"date": form.day, "visitors": form.visitors,
                 "international_visitors": form.international_visitors, "revenue": form.revenue}
        for name, message in error.fields.items():
            names.get(name, form.day).errors = [*names.get(name, form.day).errors, message]
        return False
    day = day or form.day.data
    flash(_("Saved the visits of %(day)s.", day=day.isoformat()) if created
          else _("Corrected the visits of %(day)s.", day=day.isoformat()), "success")
    return True


def _site_page(site, form: VisitsForm | None, status: int = 200):
    today = services.today()
    days = services.recent_days(site, 14, today)
    return render_template(
        "sites/site.html", site=site, days=days, form=form, today=today,
        totals=services.month_totals(site.id, today), editable=services.may_report(_actor(), site),
    ), status


@bp.get("/")
def home():
    if current_user.role == "site_manager":
        site = _own_site()
        missing = [day for day, row in services.recent_days(site, 14) if row is None]
        # The form offers the oldest missing day of the fortnight first, else today.
        form = VisitsForm(day=missing[-1] if missing else services.today())
        return _site_page(site, form)
    today = services.today()
    return render_template("sites/list.html", overview=services.sites_overview(today), today=today)


@bp.post("/")
def record():
    site = _own_site()
    form = VisitsForm()
    if _save(form, site):
        return redirect(url_for("sites.home"))
    return _site_page(site, form, 422 if form.errors else 200)


@bp.get("/<slug>/")
def site_page(slug: str):
    try:
        site = services.site_for(_actor(), slug)
    except services.NotFound:
        abort(404)
    return _site_page(site, None)


@bp.route("/day/<day>", methods=["GET", "POST"])
def day(day: str):
    site = _own_site()
    on = _day_arg(day)
    row = services.visit_day(site, on)
    form = VisitsForm(day=on, visitors=row.visitors if row else None,
                      international_visitors=row.international_visitors if row else None,
                      revenue=row.revenue if row else None)
    if _save(form, site, on):
        return redirect(url_for("sites.home"))
    return render_template("sites/day.html", site=site, form=form, day=on, row=row), 422 if form.errors else 200


@bp.get("/template.csv")
def template_csv():
    return Response(services.template_csv(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=site-visits-template.csv"})


@bp.route("/upload", methods=["GET", "POST"])
def upload():
    site = _own_site()
    form = UploadForm()
    problems = []
    if form.validate_on_submit():
        data = form.file.data.stream.read(services.CSV_MAX_BYTES + 1)
        result, created = services.import_csv(site, data, _actor())
        if not result.problems:
            flash(_("Imported %(rows)s days (%(new)s new, the others corrected).",
                    rows=len(result.rows), new=created), "success")
            return redirect(url_for("sites.home"))
        problems = result.problems
    status = 422 if form.errors or problems else 200
    return render_template("sites/upload.html", site=site, form=form, problems=problems,
                           columns=services.CSV_COLUMNS, labels=services.FIELD_LABELS), status
