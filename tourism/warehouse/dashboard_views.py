"""The officers' dashboard pages: the figures, their map script, exports and the data-quality page."""

from flask import Response, render_template, request, url_for
from flask_babel import gettext as _

from tourism.i18n import current_locale
from tourism.warehouse import dashboard, indicators
from tourism.warehouse.blueprint import dashboard_bp as bp


def _read() -> tuple[dashboard.Filters, list[str], dashboard.Freshness]:
    fresh = dashboard.freshness()
    filters, notices = dashboard.parse_filters(request.args, fresh.as_of)
    return filters, notices, fresh


def _build(filters, notices, fresh):
    try:
        return filters, dashboard.build(filters, fresh)
    except indicators.QueryError as error:  # parse_filters should have caught it; fall back all the same
        notices.append(error.message)
        filters, _notices = dashboard.parse_filters({}, fresh.as_of)
        return filters, dashboard.build(filters, fresh)


@bp.get("/")
def index():
    filters, notices, fresh = _read()
    view = bundle = None
    if fresh.run is not None:
        filters, view = _build(filters, notices, fresh)
        bundle = dashboard.cached_map(filters, fresh)
    return render_template(
        "warehouse/dashboard.html",
        filters=filters, notices=notices, fresh=fresh, view=view, bundle=bundle,
        charts=dashboard.charts(view) if view else {},
        script_url=url_for("dashboard.map_script", **filters.args(), v=bundle.etag[:12]) if bundle else None,
        areas=dashboard.area_names(), kinds=dashboard.KIND_LABELS, classes=dashboard.CLASSES,
        establishments=dashboard.establishment_names(), periods=dashboard.PERIOD_LABELS,
        origins=dashboard.ORIGIN_LABELS, class_label=dashboard.class_label, cell=dashboard.format_cell,
    )


@bp.get("/map.js")
def map_script():
    from tourism.map.views import script_response

    filters, _notices, fresh = _read()
    return script_response(dashboard.cached_map(filters, fresh))


def _download(body, mimetype: str, filters: dashboard.Filters, extension: str) -> Response:
    name = f"lodging-statistics-{filters.start:%Y-%m}-{filters.end:%Y-%m}.{extension}"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _export_view():
    filters, notices, fresh = _read()
    filters, view = _build(filters, notices, fresh)
    return filters, view


@bp.get("/export.csv")
def export_csv():
    filters, view = _export_view()
    # A byte-order mark so that spreadsheets read the Vietnamese names as UTF-8.
    return _download("\ufeff" + dashboard.export_csv(view), "text/csv", filters, "csv")


@bp.get("/export.xlsx")
def export_xlsx():
    filters, view = _export_view()
    return _download(dashboard.export_xlsx(view),
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", filters, "xlsx")


@bp.get("/quality")
def quality():
    fresh = dashboard.freshness()
    start, end, notices = dashboard.quality_range(request.args, fresh.as_of)
    found = dashboard.quality(start, end) if fresh.run is not None else None
    return render_template(
        "warehouse/quality.html", fresh=fresh, found=found, start=start, end=end, notices=notices,
        late_days=dashboard.LATE_DAYS, max_alos=dashboard.MAX_PLAUSIBLE_ALOS, kinds=dashboard.KIND_LABELS,
        cell=dashboard.format_cell, locale=current_locale(), title=_("Data quality"),
    )
