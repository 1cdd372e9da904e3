"""The officers' dashboard: filters from the URL, the figures and tables it shows, the map, exports, data quality.

Plain functions over `indicators`: the views only read the request and render. Every table is
kept as raw values (`Table`), so the page, the charts and the CSV/XLSX exports show the same figures.
"""

import csv
import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import folium
import sqlalchemy as sa
from flask_babel import (
    format_datetime,
    format_decimal,
    format_percent,
    format_timedelta,
    lazy_pgettext,
    pgettext,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from folium.template import Template

from tourism.core.database import utcnow
from tourism.extensions import db
from tourism.i18n import country_name, current_locale
from tourism.lodging import services as lodging_services
from tourism.lodging.establishments import KIND_LABELS
from tourism.lodging.models import ESTABLISHMENT_KINDS
from tourism.portal.models import Area, Locality
from tourism.warehouse import indicators
from tourism.warehouse.dimensions import COUNTED_STATUSES, DOMESTIC
from tourism.warehouse.models import (
    FOREVER,
    DimArea,
    DimEstablishment,
    DimSite,
    FactStay,
    MonthlyEstablishment,
    RefreshRun,
    execute,
)

PERIODS = ("month", "quarter", "year")
ORIGINS = ("domestic", "international")
CLASSES = ("1", "2", "3", "4", "5", indicators.UNRATED)
DEFAULT_MONTHS = 12
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
TOP_COUNTRIES = 10
# Data quality: stays recorded more than this many days after arrival are late; longer stays are implausible.
LATE_DAYS = 2
MAX_PLAUSIBLE_ALOS = 30
# The map's largest circle, in pixels, for the area with the most arrivals.
MAX_RADIUS = 30
MIN_RADIUS = 4

ORIGIN_LABELS = {"domestic": _l("Domestic"), "international": _l("International")}
PERIOD_LABELS = {"month": _l("Month"), "quarter": _l("Quarter"), "year": _l("Year")}


# -- filters -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    """What the dashboard shows: a range of months, a period, and where and whose figures."""

    start: date
    end: date
    period: str = "month"
    area: str | None = None
    type: str | None = None
    klass: str | None = None
    establishment: str | None = None
    origin: str | None = None

    def args(self) -> dict[str, str]:
        """Return the URL parameters that give these filters back."""
        values = {"from": self.start.strftime("%Y-%m"), "to": self.end.strftime("%Y-%m"), "period": self.period,
                  "area": self.area, "type": self.type, "class": self.klass,
                  "establishment": self.establishment, "origin": self.origin}
        return {key: value for key, value in values.items() if value}

    def query_filters(self, with_origin: bool = True) -> dict[str, list[str]]:
        """Return the filters as `indicators.query` takes them."""
        values = {"area": self.area, "type": self.type, "class": self.klass, "establishment": self.establishment,
                  "origin": self.origin if with_origin else None}
        return {key: [value] for key, value in values.items() if value}

    @property
    def level(self) -> str:
        """Return what the breakdown is by: area, type, establishment, or the one establishment."""
        if self.establishment:
            return "single"
        if self.area and self.type:
            return "establishment"
        if self.area:
            return "type"
        return "area"

    def key(self) -> str:
        """Return a cache key part that names these filters."""
        return "&".join(f"{key}={value}" for key, value in sorted(self.args().items()))


def add_months(day: date, months: int) -> date:
    """Return the first day of the month `months` after `day`'s."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def default_range(as_of: date | None) -> tuple[date, date]:
    """Return the last 12 full months up to the as-of month (that month itself when it is complete)."""
    as_of = as_of or lodging_services.today()
    complete = (as_of + timedelta(days=1)).month != as_of.month
    end = as_of.replace(day=1) if complete else add_months(as_of, -1)
    return add_months(end, 1 - DEFAULT_MONTHS), end


def _parse_month(value: str) -> date | None:
    match = MONTH.match(value)
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (1 <= month <= 12 and indicators.EARLIEST.year <= year <= 2100):
        return None
    return date(year, month, 1)


def _clean(value) -> str:
    # Shown back in notices: printable, short.
    return "".join(ch for ch in str(value or "") if ch.isprintable()).strip()[:60]


def parse_filters(args: Mapping, as_of: date | None) -> tuple[Filters, list[str]]:
    """Read the dashboard's filters from URL parameters; a value that cannot be used is dropped with a notice."""
    notices: list[str] = []
    default_start, default_end = default_range(as_of)
    months = {}
    for name, default in (("from", default_start), ("to", default_end)):
        value = _clean(args.get(name))
        months[name] = default
        if value:
            parsed = _parse_month(value)
            if parsed is None:
                notices.append(_("“%(value)s” is not a month (YYYY-MM); the default period is shown.", value=value))
            else:
                months[name] = parsed
    start, end = months["from"], months["to"]
    if end < start:
        notices.append(_("The end of the period is before its start; the default period is shown."))
        start, end = default_start, default_end
    elif indicators.months_between(start, end) > indicators.MAX_MONTHS:
        notices.append(_("At most %(months)s months can be shown at a time; the default period is shown.",
                         months=indicators.MAX_MONTHS))
        start, end = default_start, default_end

    period = _clean(args.get("period")) or "month"
    if period not in PERIODS:
        notices.append(_("Unknown period “%(value)s”; months are shown.", value=period))
        period = "month"
    values = {}
    checks = {
        "area": (lambda value: value in area_names(), _("Unknown area “%(value)s”; the whole province is shown.")),
        "type": (lambda value: value in ESTABLISHMENT_KINDS,
                 _("Unknown establishment type “%(value)s”; every type is shown.")),
        "class": (lambda value: value in CLASSES, _("Unknown class “%(value)s”; every class is shown.")),
        "establishment": (lambda value: value in establishment_names(),
                          _("Unknown establishment “%(value)s”; every establishment is shown.")),
        "origin": (lambda value: value in ORIGINS,
                   _("Unknown origin “%(value)s”; domestic and international guests are shown.")),
    }
    for name, (valid, message) in checks.items():
        value = _clean(args.get(name)) or None
        if value and not valid(value):
            notices.append(message % {"value": value})
            value = None
        values[name] = value
    filters = Filters(start, end, period, values["area"], values["type"], values["class"],
                      values["establishment"], values["origin"])
    return filters, notices


# -- names -------------------------------------------------------------------------------------

def area_names() -> dict[str, str]:
    """Return the portal's area names by slug."""
    return dict(db.session.execute(sa.select(Area.slug, Area.name)).all())


def locality_names(locale: str | None = None) -> dict[str, str]:
    """Return the localities' names in the user's language, by slug."""
    locale = locale or current_locale()
    return {locality.slug: locality.localized(locale).name for locality in db.session.scalars(sa.select(Locality))}


def _current_establishments():
    return sa.select(DimEstablishment).where(DimEstablishment.valid_to == FOREVER)


def _warehouse(statement):
    return execute(statement)


def establishment_names() -> dict[str, str]:
    """Return the names of the establishments the warehouse knows, by slug."""
    return {row.slug: row.name for row in _warehouse(_current_establishments()).scalars()}


def class_label(value: str) -> str:
    """Name a star class ("3 stars") or "Unrated"."""
    if value == indicators.UNRATED or not value:
        return _("Unrated")
    return _("%(num)s-star", num=value)


def labeller(key: str):
    """Return a function naming a breakdown value in the user's language."""
    if key == "area":
        names = area_names()
        return lambda value: names.get(value, value or _("No area"))
    if key == "locality":
        names = locality_names()
        return lambda value: names.get(value, value or _("No area"))
    if key == "type":
        return lambda value: str(KIND_LABELS.get(value, value))
    if key == "class":
        return class_label
    if key == "establishment":
        names = establishment_names()
        return lambda value: names.get(value, value)
    if key == "residence":
        return country_name
    if key == "origin":
        return lambda value: str(ORIGIN_LABELS.get(value, value))
    return str


# -- freshness ---------------------------------------------------------------------------------

@dataclass
class Freshness:
    """What the figures are as of, and when they were loaded."""

    run: RefreshRun | None
    as_of: date | None
    refreshed_at: datetime | None

    @property
    def provisional_month(self) -> date | None:
        """Return the as-of month while it is still under way: its figures will grow."""
        if self.as_of is None or (self.as_of + timedelta(days=1)).month != self.as_of.month:
            return None
        return self.as_of.replace(day=1)

    def note(self) -> str:
        """Say how fresh the figures are, in the user's language."""
        if self.run is None:
            return _("No warehouse refresh has run yet, so there are no figures. "
                     "Run “flask --app app warehouse refresh” (it runs nightly once scheduled).")
        ago = format_timedelta(self.refreshed_at - utcnow(), add_direction=True) if self.refreshed_at else "—"
        return _("Figures as of %(as_of)s, refreshed %(ago)s (%(at)s).",
                 as_of=self.as_of.isoformat(), ago=ago,
                 at=format_datetime(self.refreshed_at, "short") if self.refreshed_at else "—")


def freshness() -> Freshness:
    """Return the last successful refresh."""
    run = indicators.freshness()
    if run is None:
        return Freshness(None, None, None)
    return Freshness(run, run.as_of, run.finished_at or run.started_at)


# -- tables ------------------------------------------------------------------------------------

@dataclass
class Column:
    key: str
    label: str
    kind: str = "count"  # count, decimal, percent, change, text


@dataclass
class Table:
    """A table as shown and exported: columns and rows of raw values."""

    key: str
    title: str
    columns: list[Column]
    rows: list[dict] = field(default_factory=list)

    def values(self) -> list[list]:
        """Return the rows as lists of raw values, in column order."""
        return [[row.get(column.key) for column in self.columns] for row in self.rows]


def format_cell(value, kind: str) -> str:
    """Format one cell in the user's language."""
    if value is None:
        return "—"
    if kind == "count":
        return format_decimal(value)
    if kind == "decimal":
        return format_decimal(round(value, 2), "#,##0.00")
    if kind == "percent":
        return format_percent(value, "#,##0.0%")
    if kind == "change":
        return ("+" if value > 0 else "") + format_percent(value, "#,##0.0%")
    if kind == "points":
        return ("+" if value > 0 else "") + format_decimal(round(value * 100, 1), "#,##0.0")
    return str(value)


def _change(current, previous):
    if current is None or not previous:
        return None
    return (current - previous) / previous


def _points(current, previous):
    if current is None or previous is None:
        return None
    return current - previous


MEASURE_COLUMNS = [
    ("arrivals", lazy_pgettext("statistics", "Arrivals"), "count"),
    ("same_day", _l("Same-day visitors"), "count"),
    ("nights", lazy_pgettext("statistics", "Nights"), "count"),
    ("average_length_of_stay", _l("Average length of stay (nights)"), "decimal"),
    ("room_occupancy", _l("Net room occupancy"), "percent"),
    ("bed_occupancy", _l("Net bed occupancy"), "percent"),
]


def _measure_columns() -> list[Column]:
    return [Column(key, str(label), kind) for key, label, kind in MEASURE_COLUMNS]


@dataclass
class Card:
    key: str
    label: str
    value: float | None
    previous: float | None
    change: float | None
    kind: str  # count, decimal or percent; the change is relative for counts, in points for rates
    change_kind: str


@dataclass
class Dashboard:
    """Everything one dashboard page shows."""

    filters: Filters
    freshness: Freshness
    cards: list[Card]
    series: Table
    breakdown: Table
    origin: Table
    countries: Table
    breadcrumbs: list[tuple[str, dict]]
    visits: list | None = None

    def tables(self) -> list[Table]:
        """Return the tables in the order the page shows them (and the exports write them)."""
        return [self.breakdown, self.series, self.origin, self.countries, *(self.visits or [])]


def _totals(start: date, end: date, filters: Filters) -> dict:
    rows = indicators.query(start, end, [], filters.query_filters())
    return rows[0] if rows else {}


def _shares(totals: dict, filters: Filters) -> tuple[float | None, float | None]:
    arrivals = totals.get("arrivals") or 0
    if not arrivals:
        return None, None
    if filters.origin:
        domestic = 1.0 if filters.origin == "domestic" else 0.0
        return domestic, 1.0 - domestic
    domestic = totals.get("domestic_arrivals", 0) / arrivals
    return domestic, 1.0 - domestic


def cards(filters: Filters) -> list[Card]:
    """Return the headline figures with their change against the same period a year earlier."""
    current = _totals(filters.start, filters.end, filters)
    previous = _totals(indicators.shift_year(filters.start), indicators.shift_year(filters.end), filters)
    found = []
    for key, label, kind in MEASURE_COLUMNS:
        value, before = current.get(key), previous.get(key)
        if kind == "count":
            value, before = value or 0, before or 0
        rate = kind == "percent"
        found.append(Card(key, str(label), value, before if previous else None,
                          _points(value, before) if rate else _change(value, before),
                          kind, "points" if rate else "change"))
    shares, earlier = _shares(current, filters), _shares(previous, filters)
    for index, (key, label) in enumerate((("domestic_share", _("Domestic share of arrivals")),
                                          ("international_share", _("International share of arrivals")))):
        found.append(Card(key, label, shares[index], earlier[index], _points(shares[index], earlier[index]),
                          "percent", "points"))
    return found


def previous_label(key: str, value: str) -> str:
    """Return the label of the same period a year earlier."""
    return f"{int(value[:4]) - 1}{value[4:]}"


def _period_of(key: str, month: date) -> str:
    if key == "month":
        return month.strftime("%Y-%m")
    if key == "quarter":
        return f"{month.year}-Q{(month.month - 1) // 3 + 1}"
    return str(month.year)


def period_labels(filters: Filters) -> list[str]:
    """Return every period of the range in order, including those without figures."""
    labels, month = [], filters.start
    while month <= filters.end:
        label = _period_of(filters.period, month)
        if label not in labels:
            labels.append(label)
        month = add_months(month, 1)
    return labels


def series(filters: Filters, fresh: Freshness) -> Table:
    """Return arrivals and nights per period, beside the same period a year earlier."""
    by = [filters.period]
    current = {row[filters.period]: row for row in indicators.query(filters.start, filters.end, by,
                                                                      filters.query_filters())}
    earlier = {row[filters.period]: row for row in indicators.query(
        indicators.shift_year(filters.start), indicators.shift_year(filters.end), by, filters.query_filters())}
    provisional = _period_of(filters.period, fresh.provisional_month) if fresh.provisional_month else None
    table = Table("series", _("Arrivals and nights over time"), [
        Column("period", str(PERIOD_LABELS[filters.period]), "text"),
        Column("arrivals", pgettext("statistics", "Arrivals"), "count"),
        Column("arrivals_previous", _("Arrivals a year earlier"), "count"),
        Column("arrivals_change", _("Change"), "change"),
        Column("nights", pgettext("statistics", "Nights"), "count"),
        Column("nights_previous", _("Nights a year earlier"), "count"),
        Column("nights_change", _("Change"), "change"),
    ])
    for label in period_labels(filters):
        row, before = current.get(label, {}), earlier.get(previous_label(filters.period, label), {})
        arrivals, nights = row.get("arrivals", 0), row.get("nights", 0)
        table.rows.append({
            "period": label, "provisional": label == provisional,
            "arrivals": arrivals, "arrivals_previous": before.get("arrivals", 0),
            "arrivals_change": _change(arrivals, before.get("arrivals", 0)),
            "nights": nights, "nights_previous": before.get("nights", 0),
            "nights_change": _change(nights, before.get("nights", 0)),
        })
    return table


BREAKDOWN_KEYS = {"area": "area", "type": "type", "establishment": "establishment", "single": "establishment"}
BREAKDOWN_TITLES = {
    "area": _l("By area"), "type": _l("By establishment type"),
    "establishment": _l("By establishment"), "single": _l("This establishment"),
}


def breakdown(filters: Filters) -> Table:
    """Return the figures by the drill-down level's key, with last year's arrivals and the change."""
    key = BREAKDOWN_KEYS[filters.level]
    checked = indicators.check(filters.start, filters.end, [key], filters.query_filters())
    rows = indicators.with_previous_year(checked, indicators.run(checked))
    name = labeller(key)
    table = Table("breakdown", str(BREAKDOWN_TITLES[filters.level]),
                  [Column("name", str({"area": _l("Area"), "type": _l("Type"),
                                       "establishment": _l("Establishment")}[key]), "text"),
                   *_measure_columns(),
                   Column("arrivals_previous", _("Arrivals a year earlier"), "count"),
                   Column("arrivals_change", _("Change"), "change")])
    for row in sorted(rows, key=lambda item: (-item["arrivals"], name(item[key]))):
        drill = None
        if filters.level != "single" and row[key]:
            drill = {**filters.args(), {"area": "area", "type": "type", "establishment": "establishment"}[key]:
                     row[key]}
        table.rows.append({
            "value": row[key], "name": name(row[key]), "drill": drill,
            **{column: row.get(column) for column, _label, _kind in MEASURE_COLUMNS},
            "arrivals_previous": (row["previous"] or {}).get("arrivals", 0),
            "arrivals_change": row["change"]["arrivals"],
        })
    return table


def origin_table(filters: Filters) -> Table:
    """Return arrivals and nights of domestic and international guests (by country of residence)."""
    rows = {row["origin"]: row for row in indicators.query(filters.start, filters.end, ["origin"],
                                                            filters.query_filters())}
    table = Table("origin", _("Domestic and international guests"), [
        Column("name", _("Origin"), "text"), Column("arrivals", pgettext("statistics", "Arrivals"), "count"),
        Column("nights", pgettext("statistics", "Nights"), "count"), Column("share", _("Share of arrivals"), "percent"),
    ])
    total = sum(row["arrivals"] for row in rows.values())
    for origin in ORIGINS:
        row = rows.get(origin, {})
        table.rows.append({"value": origin, "name": str(ORIGIN_LABELS[origin]), "arrivals": row.get("arrivals", 0),
                           "nights": row.get("nights", 0),
                           "share": row.get("arrivals", 0) / total if total else None})
    return table


def countries_table(filters: Filters) -> Table:
    """Return the ten countries of residence with the most arrivals."""
    # One guest characteristic per query: the origin filter is applied to the countries here instead.
    rows = indicators.query(filters.start, filters.end, ["residence"], filters.query_filters(with_origin=False))
    if filters.origin == "domestic":
        rows = [row for row in rows if row["residence"] == DOMESTIC]
    elif filters.origin == "international":
        rows = [row for row in rows if row["residence"] != DOMESTIC]
    rows = sorted(rows, key=lambda row: (-row["arrivals"], row["residence"]))[:TOP_COUNTRIES]
    table = Table("countries", _("Top %(num)s countries of residence", num=TOP_COUNTRIES), [
        Column("name", _("Country of residence"), "text"), Column("arrivals", pgettext("statistics", "Arrivals"), "count"),
        Column("nights", pgettext("statistics", "Nights"), "count"),
    ])
    for row in rows:
        table.rows.append({"value": row["residence"], "name": country_name(row["residence"]),
                           "arrivals": row["arrivals"], "nights": row["nights"]})
    return table


def _establishment_place(slug: str) -> tuple[str | None, str | None]:
    row = _warehouse(_current_establishments().where(DimEstablishment.slug == slug)).scalars().first()
    if row is None:
        return None, None
    area = db.session.scalar(sa.select(Area.slug).where(Area.id == row.area_id)) if row.area_id else None
    return area, row.kind


def breadcrumbs(filters: Filters) -> list[tuple[str, dict]]:
    """Return Province › area › type › establishment, each with the filters that show it."""
    base = {key: value for key, value in filters.args().items() if key in ("from", "to", "period", "class", "origin")}
    area, kind = filters.area, filters.type
    if filters.establishment:
        place_area, place_kind = _establishment_place(filters.establishment)
        area, kind = area or place_area, kind or place_kind
    crumbs = [(_("Province"), base)]
    if area:
        base = {**base, "area": area}
        crumbs.append((area_names().get(area, area), base))
    if kind:
        base = {**base, "type": kind}
        crumbs.append((str(KIND_LABELS.get(kind, kind)), base))
    if filters.establishment:
        crumbs.append((establishment_names().get(filters.establishment, filters.establishment),
                       {**base, "establishment": filters.establishment}))
    return crumbs


def build(filters: Filters, fresh: Freshness | None = None) -> Dashboard:
    """Return everything the dashboard shows for these filters."""
    fresh = fresh or freshness()
    return Dashboard(
        filters=filters, freshness=fresh, cards=cards(filters), series=series(filters, fresh),
        breakdown=breakdown(filters), origin=origin_table(filters), countries=countries_table(filters),
        breadcrumbs=breadcrumbs(filters), visits=site_visits(filters),
    )


# -- charts ------------------------------------------------------------------------------------

def charts(view: Dashboard) -> dict[str, dict]:
    """Return the data of each chart, from the same tables the page lists."""
    series_rows = view.series.rows
    labels = [row["period"] for row in series_rows]
    found = {
        "series": {
            "type": "line", "labels": labels,
            "datasets": [
                {"label": pgettext("statistics", "Arrivals"), "data": [row["arrivals"] for row in series_rows]},
                {"label": _("Arrivals a year earlier"), "data": [row["arrivals_previous"] for row in series_rows],
                 "dashed": True},
                {"label": pgettext("statistics", "Nights"), "data": [row["nights"] for row in series_rows]},
                {"label": _("Nights a year earlier"), "data": [row["nights_previous"] for row in series_rows],
                 "dashed": True},
            ],
        },
        "breakdown": {
            "type": "bar", "labels": [row["name"] for row in view.breakdown.rows],
            "datasets": [{"label": pgettext("statistics", "Arrivals"), "data": [row["arrivals"] for row in view.breakdown.rows]},
                         {"label": pgettext("statistics", "Nights"), "data": [row["nights"] for row in view.breakdown.rows]}],
        },
        "origin": {
            "type": "doughnut", "labels": [row["name"] for row in view.origin.rows],
            "datasets": [{"label": pgettext("statistics", "Arrivals"), "data": [row["arrivals"] for row in view.origin.rows]}],
        },
        "countries": {
            "type": "bar", "labels": [row["name"] for row in view.countries.rows],
            "datasets": [{"label": pgettext("statistics", "Arrivals"), "data": [row["arrivals"] for row in view.countries.rows]}],
            "horizontal": True,
        },
    }
    for data in found.values():
        data["locale"] = current_locale()
    return found


# -- the map -----------------------------------------------------------------------------------

class ArrivalCircles(folium.MacroElement):
    """One circle per locality, its area proportional to arrivals; popups made with textContent only."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "(function (map, rows) { rows.forEach(function (row) {"
        " var box = document.createElement('div'); box.className = 'dashboard-map-popup';"
        " var title = document.createElement('strong'); title.textContent = row.name; box.appendChild(title);"
        " row.lines.forEach(function (text) { var line = document.createElement('div');"
        " line.textContent = text; box.appendChild(line); });"
        " L.circleMarker([row.lat, row.lon], {radius: row.radius, color: '#1f5f3f', weight: 1,"
        " fillColor: '#2e8b57', fillOpacity: 0.55, className: 'dashboard-map-circle'})"
        ".bindPopup(box).bindTooltip(row.name).addTo(map); });"
        " })({{ this._parent.get_name() }}, {{ this.rows|tojson }});"
        "{% endmacro %}"
    )

    def __init__(self, rows: list[dict]):
        super().__init__()
        self._name = "ArrivalCircles"
        self.rows = rows


def map_rows(filters: Filters) -> list[dict]:
    """Return arrivals by locality with its coordinates, for the map."""
    figures = indicators.query(filters.start, filters.end, ["locality"], filters.query_filters())
    places = {
        row.locality: (row.lat, row.lon)
        for row in _warehouse(sa.select(DimArea.locality, DimArea.lat, DimArea.lon)
                              .where(DimArea.valid_to == FOREVER, DimArea.lat.is_not(None)))
    }
    names = locality_names()
    rows = []
    for row in figures:
        place = places.get(row["locality"])
        if place is None or not row["arrivals"]:
            continue
        rows.append({"locality": row["locality"], "name": names.get(row["locality"], row["locality"]),
                     "lat": place[0], "lon": place[1], "arrivals": row["arrivals"], "nights": row["nights"]})
    return rows


def arrivals_heat():
    """Return the officers' heat layer for the province map: arrivals by locality over the default period."""
    from tourism.map.services import Heat

    fresh = freshness()
    if fresh.run is None:
        return None
    filters, _notices = parse_filters({}, fresh.as_of)
    rows = map_rows(filters)
    if not rows:
        return None
    label = _("Guest arrivals, %(start)s to %(end)s", start=filters.start.strftime("%m/%Y"),
              end=filters.end.strftime("%m/%Y"))
    return Heat([(row["lat"], row["lon"], float(row["arrivals"])) for row in rows], label, str(fresh.run.id))


def build_map(filters: Filters):
    """Return the rendered map (a MapBundle) of arrivals by locality."""
    from tourism.map import services as maps

    rows = map_rows(filters)
    largest = max((row["arrivals"] for row in rows), default=0)
    for row in rows:
        row["radius"] = round(max(MIN_RADIUS, MAX_RADIUS * math.sqrt(row["arrivals"] / largest)), 1)
        row["lines"] = [_("Arrivals: %(num)s", num=format_decimal(row["arrivals"])),
                        _("Nights: %(num)s", num=format_decimal(row["nights"]))]
        row["lat"], row["lon"] = round(row["lat"], 5), round(row["lon"], 5)
    fmap = folium.Map(location=[11.9, 108.4], zoom_start=8, tiles=None, control_scale=True, scrollWheelZoom=False)
    tiles = maps.tiles()
    folium.TileLayer(tiles=tiles.url, attr=tiles.attribution, control=False, max_zoom=19).add_to(fmap)
    ArrivalCircles([{key: row[key] for key in ("name", "lat", "lon", "radius", "lines")} for row in rows]).add_to(fmap)
    points = [(row["lat"], row["lon"]) for row in rows]
    fmap.fit_bounds(maps._bounds(points) if points else maps.PROVINCE_VIEW, max_zoom=11)
    return maps.render(fmap, counts={"localities": len(rows)})


def cached_map(filters: Filters, fresh: Freshness):
    """Return the map for these filters, built once per refresh, language and filters."""
    from tourism.extensions import cache

    key = f"dashboard-map:{fresh.run.id if fresh.run else 0}:{current_locale()}:{filters.key()}"
    bundle = cache.get(key)
    if bundle is None:
        bundle = build_map(filters)
        cache.set(key, bundle, timeout=3600)
    return bundle


# -- exports -----------------------------------------------------------------------------------

def describe(filters: Filters, fresh: Freshness) -> list[tuple[str, str]]:
    """Return the filters and the as-of date as label–value pairs, for an export's header."""
    lines = [
        (_("Lâm Đồng lodging statistics"), ""),
        (_("From"), filters.start.strftime("%Y-%m")), (_("To"), filters.end.strftime("%Y-%m")),
        (_("Period"), str(PERIOD_LABELS[filters.period])),
        (_("Area"), area_names().get(filters.area, filters.area) if filters.area else _("Whole province")),
        (_("Type"), str(KIND_LABELS[filters.type]) if filters.type else _("Every type")),
        (_("Class"), class_label(filters.klass) if filters.klass else _("Every class")),
        (_("Establishment"), establishment_names().get(filters.establishment, filters.establishment)
         if filters.establishment else _("Every establishment")),
        (_("Origin"), str(ORIGIN_LABELS[filters.origin]) if filters.origin else _("Domestic and international")),
        (_("Figures as of"), fresh.as_of.isoformat() if fresh.as_of else "—"),
    ]
    return lines


def _safe(value):
    # A spreadsheet runs a cell that starts like a formula; names come from establishments.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _export_value(value):
    if isinstance(value, float):
        return round(value, 4)
    return value


def export_rows(view: Dashboard) -> list[list]:
    """Return the header and every table as rows of cells, as both exports write them."""
    rows = [[label, value] for label, value in describe(view.filters, view.freshness)]
    for table in view.tables():
        rows.append([])
        rows.append([table.title])
        rows.append([column.label for column in table.columns])
        rows.extend([_export_value(value) for value in values] for values in table.values())
    return rows


def export_csv(view: Dashboard) -> str:
    """Return the shown tables as CSV, headed by the filters and the as-of date."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in export_rows(view):
        writer.writerow([_safe(value) for value in row])
    return out.getvalue()


def export_xlsx(view: Dashboard) -> bytes:
    """Return the shown tables as an XLSX workbook: one sheet per table, each headed by the filters."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    header = describe(view.filters, view.freshness)
    for table in view.tables():
        sheet = book.create_sheet(re.sub(r"[\[\]:*?/\\]", " ", table.title)[:31])
        for label, value in header:
            sheet.append([_safe(label), _safe(value)])
        sheet.append([])
        sheet.append([column.label for column in table.columns])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for values in table.values():
            sheet.append([_safe(_export_value(value)) for value in values])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- data quality ------------------------------------------------------------------------------

@dataclass
class Quality:
    """The data-quality page: who sent nothing, who sent late, and figures that cannot be right."""

    start: date
    end: date
    no_data: list[dict]
    late: list[dict]
    implausible: list[dict]


def _month_end(month: date) -> date:
    return add_months(month, 1) - timedelta(days=1)


def quality(start: date, end: date) -> Quality:
    """Return the data-quality findings for the months from `start` to `end`."""
    current = {row.establishment_id: row for row in _warehouse(
        _current_establishments().where(DimEstablishment.status.in_(COUNTED_STATUSES))).scalars()}
    month = MonthlyEstablishment
    used = dict(_warehouse(
        sa.select(month.establishment_id, sa.func.sum(month.arrivals + month.same_day + month.nights))
        .where(month.month >= start, month.month <= end).group_by(month.establishment_id)).all())
    no_data = sorted(
        ({"slug": row.slug, "name": row.name, "kind": row.kind} for key, row in current.items()
         if not used.get(key)), key=lambda item: item["name"])

    late_count = sa.func.sum(sa.case((FactStay.recorded_after_days > LATE_DAYS, 1), else_=0))
    late = []
    for row in _warehouse(
        sa.select(FactStay.establishment_id, sa.func.count().label("stays"), late_count.label("late"),
                  sa.func.max(FactStay.recorded_after_days).label("worst"))
        .where(FactStay.arrival >= start, FactStay.arrival <= _month_end(end))
        .group_by(FactStay.establishment_id)
    ):
        if not row.late or row.establishment_id not in current:
            continue
        place = current[row.establishment_id]
        late.append({"slug": place.slug, "name": place.name, "stays": int(row.stays), "late": int(row.late),
                     "share": int(row.late) / int(row.stays), "worst": int(row.worst)})
    late.sort(key=lambda item: (-item["share"], item["name"]))

    implausible = []
    for row in _warehouse(
        sa.select(month.month, month.establishment_id, sa.func.sum(month.arrivals).label("arrivals"),
                  sa.func.sum(month.nights).label("nights"),
                  sa.func.sum(month.rooms_occupied).label("rooms_occupied"),
                  sa.func.sum(month.room_days_available).label("rooms_available"),
                  sa.func.sum(month.bed_days_available).label("beds_available"))
        .where(month.month >= start, month.month <= end).group_by(month.month, month.establishment_id)
        .order_by(month.month, month.establishment_id)
    ):
        place = current.get(row.establishment_id)
        if place is None:
            continue
        arrivals, nights = int(row.arrivals or 0), int(row.nights or 0)
        occupied, rooms, beds = int(row.rooms_occupied or 0), int(row.rooms_available or 0), int(row.beds_available or 0)
        problems = []
        if occupied > rooms:
            problems.append(_("room occupancy over 100%% (%(used)s room-nights of %(available)s)",
                              used=format_decimal(occupied), available=format_decimal(rooms)))
        if nights > beds:
            problems.append(_("bed occupancy over 100%% (%(used)s nights of %(available)s bed-places)",
                              used=format_decimal(nights), available=format_decimal(beds)))
        if arrivals and nights / arrivals > MAX_PLAUSIBLE_ALOS:
            problems.append(_("average stay of %(nights)s nights", nights=format_decimal(round(nights / arrivals, 1))))
        if problems:
            implausible.append({
                "slug": place.slug, "name": place.name, "month": row.month.strftime("%Y-%m"),
                "room_occupancy": occupied / rooms if rooms else None, "bed_occupancy": nights / beds if beds else None,
                "average_length_of_stay": nights / arrivals if arrivals else None, "problems": problems,
            })
    return Quality(start, end, no_data, late, implausible)


def quality_range(args: Mapping, as_of: date | None) -> tuple[date, date, list[str]]:
    """Read the data-quality page's months from the URL, as the dashboard does."""
    filters, notices = parse_filters({key: args.get(key) for key in ("from", "to")}, as_of)
    return filters.start, filters.end, notices


# -- visits to tourist sites -------------------------------------------------------------------

def site_visits(filters: Filters) -> list[Table]:
    """Return visits by site and by period, shown beside the guests and never added to them."""
    from tourism.warehouse import visits

    # Sites have a place but no establishment type, class or guests: only the area filter applies.
    place = {"area": [filters.area]} if filters.area else None
    by_site = visits.query(filters.start, filters.end, ["site"], place)
    by_period = {row[filters.period]: row for row in visits.query(filters.start, filters.end, [filters.period], place)}
    names = dict(_warehouse(sa.select(DimSite.slug, DimSite.name)).all())
    columns = [Column("visitors", _("Visits"), "count"),
               Column("domestic_visitors", _("Domestic visits"), "count"),
               Column("international_visitors", _("International visits"), "count")]
    sites = Table("visits_sites", _("Visits by site"), [Column("name", _("Site"), "text"), *columns])
    for row in sorted(by_site, key=lambda item: (-item["visitors"], item["site"])):
        sites.rows.append({"value": row["site"], "name": names.get(row["site"], row["site"]),
                           **{column.key: row[column.key] for column in columns}})
    periods = Table("visits_periods", _("Visits over time"),
                    [Column("period", str(PERIOD_LABELS[filters.period]), "text"), *columns])
    for label in period_labels(filters):
        row = by_period.get(label, {})
        periods.rows.append({"period": label, **{column.key: row.get(column.key, 0) for column in columns}})
    return [sites, periods]
