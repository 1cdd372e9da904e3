"""The public statistics page: the published (suppressed) figures with charts, in every language."""

from datetime import date

import sqlalchemy as sa
from babel.dates import format_skeleton
from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import pgettext
from werkzeug.datastructures import MultiDict

from tourism.extensions import db
from tourism.i18n import country_name, current_locale
from tourism.portal.models import Locality
from tourism.warehouse import disclosure, indicators, opendata
from tourism.warehouse.blueprint import statistics_bp
from tourism.warehouse.indicators import TIME_KEYS, QueryError

TOP_COUNTRIES = 10


def period_label(key: str, value: str, locale: str) -> str:
    """Return a month or a quarter as the page's language writes it."""
    try:
        if key == "month":
            return format_skeleton("yMMM", date(int(value[:4]), int(value[5:7]), 1), locale=locale)
        if key == "quarter":
            return format_skeleton("yQQQ", date(int(value[:4]), 3 * int(value[-1]) - 2, 1), locale=locale)
    except (ValueError, IndexError):
        pass
    return value


def locality_names(locale: str) -> dict[str, str]:
    """Return each locality's name in the page's language (English, then Vietnamese, when missing)."""
    return {locality.slug: locality.localized(locale).name or locality.slug
            for locality in db.session.scalars(sa.select(Locality))}


def _query(args: MultiDict, run, notices: list):
    """Return the page's checked query; bad input is ignored with a notice, as on the other pages."""
    grain = args.get("by") or "month"
    if grain not in TIME_KEYS:
        notices.append(_("Show figures by month, quarter or year; they are shown by month."))
        grain = "month"
    try:
        return opendata.parse(MultiDict({"from": args.get("from", ""), "to": args.get("to", ""), "by": grain}), run)
    except QueryError as error:
        notices.append(_("%(message)s The last twelve months are shown instead.", message=error.message))
        return opendata.parse(MultiDict({"by": grain}), run)


def _breakdown(query, key: str, run):
    """Return the published figures of the query's months by one key."""
    return opendata.published(indicators.check(query.start, query.end, (key,)), run)


def _series(rows, measures, labels, scale=1):
    return [{"label": labels[measure], "data": [
        None if row[measure] is None else round(row[measure] * scale, 2) for row in rows]} for measure in measures]


@statistics_bp.get("/")
def index():
    locale = current_locale()
    run = indicators.freshness()
    notices: list[str] = []
    if run is None:
        return render_template("warehouse/public.html", run=None, notices=notices)
    query = _query(request.args, run, notices)
    grain = query.by[0]
    over_time = opendata.published(query, run)
    origin = _breakdown(query, "origin", run)
    residence = _breakdown(query, "residence", run)
    locality = _breakdown(query, "locality", run)

    names = locality_names(locale)
    labels = {"arrivals": pgettext("statistics", "Arrivals"), "same_day": _("Same-day visitors"), "nights": _("Nights spent"),
              "average_length_of_stay": _("Average length of stay"), "room_occupancy": _("Net room occupancy"),
              "bed_occupancy": _("Net bed-place occupancy")}
    origins = {"domestic": _("Domestic (living in Viet Nam)"), "international": _("International (living abroad)")}
    for row in over_time.rows:
        row["label"] = period_label(grain, row[grain], locale)
    for row in origin.rows:
        row["label"] = origins.get(row["origin"], row["origin"])
    for row in locality.rows:
        row["label"] = names.get(row["locality"], row["locality"])
    shown = sorted((row for row in residence.rows if not row["suppressed"]), key=lambda row: -row["arrivals"])
    countries = shown[:TOP_COUNTRIES]
    for row in countries:
        row["label"] = country_name(row["residence"], locale) if len(row["residence"]) == 2 else row["residence"]
    withheld_countries = sum(row["suppressed"] for row in residence.rows)

    charts = {
        "time": {"type": "line", "locale": locale, "labels": [row["label"] for row in over_time.rows],
                 "datasets": _series(over_time.rows, ("arrivals", "nights", "same_day"), labels)},
        "occupancy": {"type": "line", "locale": locale, "percent": True,
                      "labels": [row["label"] for row in over_time.rows],
                      "datasets": _series(over_time.rows, ("room_occupancy", "bed_occupancy"), labels, 100)},
        "origin": {"type": "doughnut", "locale": locale, "labels": [row["label"] for row in origin.rows],
                   "datasets": _series(origin.rows, ("arrivals",), labels)},
        "countries": {"type": "bar", "locale": locale, "labels": [row["label"] for row in countries],
                      "datasets": _series(countries, ("arrivals",), labels)},
        "localities": {"type": "bar", "locale": locale, "labels": [row["label"] for row in locality.rows],
                       "datasets": _series(locality.rows, ("arrivals", "nights"), labels)},
    }
    api_args = {"from": f"{query.start:%Y-%m}", "to": f"{query.end:%Y-%m}", "by": grain}
    return render_template(
        "warehouse/public.html", run=run, notices=notices, query=query, grain=grain, labels=labels,
        over_time=over_time, origin=origin, countries=countries, withheld_countries=withheld_countries,
        locality=locality, charts=charts, api_args=api_args,
        min_establishments=disclosure.MIN_ESTABLISHMENTS, min_guests=disclosure.MIN_GUESTS,
        any_suppressed=any(row["suppressed"] for table in (over_time, origin, residence, locality)
                           for row in table.rows),
    )
