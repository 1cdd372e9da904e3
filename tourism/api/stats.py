"""Open statistics: accommodation figures by month, area, type and guest characteristic, suppressed."""

import csv
import io
import json

from flask import Response, request
from flask_babel import gettext as _

from tourism.api.errors import ApiError
from tourism.api.views import bp
from tourism.warehouse import disclosure, indicators, opendata
from tourism.warehouse.indicators import QueryError

FORMATS = ("json", "csv")
# Parameters besides the filters (opendata.FILTER_KEYS); anything else is a mistake worth saying.
PARAMETERS = ("from", "to", "by", "format", "lang")


def _refused(error: QueryError) -> ApiError:
    return ApiError(400, error.code, error.message, {error.field: error.message})


def _check_parameters() -> str:
    output = request.args.get("format", "json")
    if output not in FORMATS:
        message = _("Unknown format. Use one of: %(choices)s.", choices=", ".join(FORMATS))
        raise ApiError(400, "invalid_format", message, {"format": message})
    known = {*PARAMETERS, *opendata.FILTER_KEYS, *opendata.PRIVATE_KEYS}
    for name in request.args:
        if name not in known:
            message = _("Unknown parameter %(name)s. Use: %(names)s.", name=name[:40],
                        names=", ".join((*PARAMETERS, *opendata.FILTER_KEYS)))
            raise ApiError(400, "unknown_parameter", message, {name[:40]: message})
    return output


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_body(figures: opendata.Published) -> str:
    """Return the rows as CSV with a header row; suppressed figures are empty cells."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = figures.columns
    writer.writerow(columns)
    for row in figures.rows:
        writer.writerow([_csv_value(row[column]) for column in columns])
    return out.getvalue()


@bp.get("/stats/accommodation")
def stats_accommodation():
    output = _check_parameters()
    run = indicators.freshness()
    if run is None:
        raise ApiError(503, "no_statistics", _(
            "No statistics have been published yet: the warehouse has not been loaded. Try again later."))
    try:
        query = opendata.parse(request.args, run)
    except QueryError as error:
        raise _refused(error) from None
    figures = opendata.published(query, run)
    if output == "csv":
        name = f"accommodation-{query.start:%Y-%m}-{query.end:%Y-%m}.csv"
        return Response(csv_body(figures), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="{name}"'})
    body = {
        "from": f"{query.start:%Y-%m}",
        "to": f"{query.end:%Y-%m}",
        "by": list(query.by),
        "filters": {key: list(values) for key, values in query.filters.items()},
        "refreshed_at": run.finished_at.isoformat() if run.finished_at else None,
        "as_of": run.as_of.isoformat() if run.as_of else None,
        "suppression": {"min_establishments": disclosure.MIN_ESTABLISHMENTS, "min_guests": disclosure.MIN_GUESTS},
        "rows": figures.rows,
    }
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")), mimetype="application/json")
