"""Open statistics: accommodation figures by month, area, type and guest characteristic, suppressed."""

import csv
import hashlib
import io
import json

from flask import Response, request
from flask_babel import gettext as _

from tourism.api.errors import ApiError
from tourism.api.views import bp
from tourism.extensions import cache
from tourism.warehouse import disclosure, indicators, opendata
from tourism.warehouse.indicators import QueryError

FORMATS = ("json", "csv")
# Parameters besides the filters (opendata.FILTER_KEYS); anything else is a mistake worth saying.
PARAMETERS = ("from", "to", "by", "format", "lang")


def _refused(error: QueryError) -> ApiError:
    return ApiError(400, error.code, error.message, {error.field: error.message})


def _check_parameters(known=None) -> str:
    output = request.args.get("format", "json")
    if output not in FORMATS:
        message = _("Unknown format. Use one of: %(choices)s.", choices=", ".join(FORMATS))
        raise ApiError(400, "invalid_format", message, {"format": message})
    listed = known or (*PARAMETERS, *opendata.FILTER_KEYS)
    # The accommodation figures refuse `establishment` with a message of its own (opendata.parse_filters).
    accepted = set(listed) | (set() if known else set(opendata.PRIVATE_KEYS))
    for name in request.args:
        if name not in accepted:
            message = _("Unknown parameter %(name)s. Use: %(names)s.", name=name[:40], names=", ".join(listed))
            raise ApiError(400, "unknown_parameter", message, {name[:40]: message})
    return output


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _csv(columns: list[str], rows: list[dict]) -> str:
    """Return rows as CSV with a header row; None (a suppressed figure) is an empty cell."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_value(row[column]) for column in columns])
    return out.getvalue()


def _dumps(body: dict) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def _json(body: dict) -> Response:
    return Response(_dumps(body), mimetype="application/json")


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
    key = f"{opendata.cache_key(query, run)}:{output}"
    response = Response(_body(key, query, run, output), mimetype="text/csv" if output == "csv" else "application/json")
    if output == "csv":
        name = f"accommodation-{query.start:%Y-%m}-{query.end:%Y-%m}.csv"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    # The body changes only with a refresh: clients that poll get a 304 until the next run.
    response.set_etag(hashlib.sha256(key.encode()).hexdigest()[:32])
    return response.make_conditional(request)


def _body(key: str, query, run, output: str) -> str:
    """Return the published figures as the API writes them, rendered once per refresh run under `key`."""
    body = cache.get(key)
    if body is not None:
        return body
    # A wide answer (tens of thousands of cells) takes far longer to compute and suppress than to
    # read back; its text is kept as well as its rows, so later requests skip the serialising too.
    figures = opendata.published(query, run)
    if output == "csv":
        body = _csv(figures.columns, figures.rows)
    else:
        body = _dumps({
            "from": f"{query.start:%Y-%m}",
            "to": f"{query.end:%Y-%m}",
            "by": list(query.by),
            "filters": {key: list(values) for key, values in query.filters.items()},
            "refreshed_at": run.finished_at.isoformat() if run.finished_at else None,
            "as_of": run.as_of.isoformat() if run.as_of else None,
            "suppression": {"min_establishments": disclosure.MIN_ESTABLISHMENTS,
                            "min_guests": disclosure.MIN_GUESTS},
            "rows": figures.rows,
        })
    cache.set(key, body, timeout=opendata.CACHE_SECONDS)
    return body


# -- visits to ticketed sites ------------------------------------------------------------------
# Sites are public places and their visitors are counted at the gate, not named: there is no
# person or private business behind a cell, so these figures are published without suppression.
# Revenue stays with the department.
VISIT_FIGURES = ("visitors", "international_visitors")
VISIT_FILTERS = ("site", "area", "locality")


def _visit_query(run):
    from tourism.warehouse import visits

    start, end = opendata.parse_range(request.args, run)
    value = request.args.get("by")
    by = ("month",) if value is None else tuple(part.strip() for part in value.split(",") if part.strip())
    for key in by:
        if key not in visits.KEYS:
            message = _("Unknown breakdown %(key)s. Use: %(keys)s.", key=key[:40], keys=", ".join(visits.KEYS))
            raise QueryError("unknown_dimension", message, "by")
    if len(set(by)) != len(by):
        raise QueryError("repeated_dimension", _("Each breakdown may be given once."), "by")
    if len([key for key in by if key in indicators.TIME_KEYS]) > 1:
        raise QueryError("two_periods", _("Choose one of month, quarter or year."), "by")
    filters = {}
    for key in VISIT_FILTERS:
        values = [part.strip() for item in request.args.getlist(key) for part in item.split(",") if part.strip()]
        if len(values) > opendata.MAX_VALUES or any(
            len(item) > opendata.MAX_VALUE_LENGTH or not item.isprintable() for item in values
        ):
            raise QueryError("invalid_filter", _("This value is not accepted."), key)
        if values:
            filters[key] = tuple(values)
    return start, end, by, filters


@bp.get("/stats/site-visits")
def stats_site_visits():
    from tourism.warehouse import visits

    output = _check_parameters(("from", "to", "by", "format", "lang", *VISIT_FILTERS))
    run = indicators.freshness()
    if run is None:
        raise ApiError(503, "no_statistics", _(
            "No statistics have been published yet: the warehouse has not been loaded. Try again later."))
    try:
        start, end, by, filters = _visit_query(run)
        key = f"opendata:visits:{opendata.run_key(run)}:{start:%Y-%m}:{end:%Y-%m}:{','.join(by)}:" + ";".join(
            f"{name}={','.join(sorted(values))}" for name, values in sorted(filters.items()))
        rows = cache.get(key)
        if rows is None:
            rows = [{**{name: row[name] for name in by}, **{name: row[name] for name in VISIT_FIGURES}}
                    for row in visits.query(start, end, by, filters)]
            cache.set(key, rows, timeout=opendata.CACHE_SECONDS)
    except QueryError as error:
        raise _refused(error) from None
    columns = [*by, *VISIT_FIGURES]
    if output == "csv":
        name = f"site-visits-{start:%Y-%m}-{end:%Y-%m}.csv"
        return Response(_csv(columns, rows), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="{name}"'})
    return _json({"from": f"{start:%Y-%m}", "to": f"{end:%Y-%m}", "by": list(by),
                  "filters": {name: list(values) for name, values in filters.items()},
                  "refreshed_at": run.finished_at.isoformat() if run.finished_at else None,
                  "as_of": run.as_of.isoformat() if run.as_of else None, "rows": rows})
