"""The published accommodation figures: what the open API and the public page show, suppressed.

Both read `published()`, so the page can never show a figure the API withholds. Requests are
checked here too (months as YYYY-MM, public breakdowns only, filters), so both explain bad input
the same way, through `indicators.QueryError`.
"""

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from tourism.extensions import cache
from tourism.warehouse import indicators
from tourism.warehouse.disclosure import suppress
from tourism.warehouse.indicators import KEYS, TIME_KEYS, Query, QueryError
from tourism.warehouse.models import RefreshRun

# Individual establishments are never published: their figures are their business data.
PRIVATE_KEYS = ("establishment",)
PUBLIC_KEYS = tuple(key for key in KEYS if key not in PRIVATE_KEYS)
FILTER_KEYS = tuple(key for key in PUBLIC_KEYS if key not in TIME_KEYS)
FIGURES = ("arrivals", "same_day", "nights", "average_length_of_stay")
OCCUPANCY = ("room_occupancy", "bed_occupancy")
DEFAULT_MONTHS = 12
MONTH = re.compile(r"(\d{4})-(\d{2})")
MAX_VALUES, MAX_VALUE_LENGTH = 100, 80
CACHE_SECONDS = 3600
STAR_CLASSES = ("1", "2", "3", "4", "5", indicators.UNRATED)


@dataclass
class Published:
    """Published figures with what they are as of."""

    query: Query
    run: RefreshRun
    rows: list[dict]

    @property
    def columns(self) -> list[str]:
        """Return the names of a row's fields, in order: the breakdown, the figures, `suppressed`."""
        return [*self.query.by, *figure_columns(self.query), "suppressed"]


def figure_columns(query: Query) -> tuple[str, ...]:
    """Return the figures a query publishes: occupancy only when no guest characteristic is involved."""
    return FIGURES + (() if query.guest_key else OCCUPANCY)


def add_months(month: date, months: int) -> date:
    """Return the first day of the month `months` after `month` (before it when negative)."""
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def last_full_month(run: RefreshRun) -> date:
    """Return the last month the run counted to its last day."""
    as_of = run.as_of or run.finished_at.date()
    following = add_months(as_of.replace(day=1), 1)
    return add_months(as_of.replace(day=1), 0 if (following - as_of).days == 1 else -1)


def default_range(run: RefreshRun) -> tuple[date, date]:
    """Return the last twelve full months up to the run."""
    end = last_full_month(run)
    return add_months(end, 1 - DEFAULT_MONTHS), end


def parse_month(value: str, field: str) -> date:
    """Return the first day of a YYYY-MM month, or raise QueryError."""
    match = MONTH.fullmatch(value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
        raise QueryError("invalid_month", _("Give the month as YYYY-MM, for example 2026-03."), field)
    return date(int(match.group(1)), int(match.group(2)), 1)


def _split(values: list[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def parse_by(value: str | None) -> tuple[str, ...]:
    """Return the breakdown of a comma list (by month when not given), or raise QueryError."""
    if value is None:
        return ("month",)
    by = tuple(_split([value]))
    for key in by:
        if key in PRIVATE_KEYS:
            raise QueryError("establishment_not_published", _(
                "Figures of individual establishments are not published."), "by")
        if key not in PUBLIC_KEYS:
            raise QueryError("unknown_dimension", _("Unknown breakdown %(key)s. Use: %(keys)s.",
                                                    key=key[:40], keys=", ".join(PUBLIC_KEYS)), "by")
    return by


def parse_filters(args) -> dict[str, tuple[str, ...]]:
    """Return the filters among the query parameters (area=…&type=…), or raise QueryError."""
    for key in PRIVATE_KEYS:
        if key in args:
            raise QueryError("establishment_not_published", _(
                "Figures of individual establishments are not published."), key)
    filters = {}
    for key in FILTER_KEYS:
        values = _split(args.getlist(key))
        if not values:
            continue
        if len(values) > MAX_VALUES or any(
            len(value) > MAX_VALUE_LENGTH or not value.isprintable() for value in values
        ):
            raise QueryError("invalid_filter", _("This value is not accepted."), key)
        if key in ("residence", "nationality"):
            values = [value.upper() for value in values]
        if key == "class" and set(values) - set(STAR_CLASSES):
            raise QueryError("invalid_filter", _("A class is 1 to 5 stars, or %(unrated)s.",
                                                 unrated=indicators.UNRATED), key)
        filters[key] = tuple(values)
    return filters


def parse_range(args, run: RefreshRun) -> tuple[date, date]:
    """Return the months `from` and `to` of request arguments, with their defaults, or raise QueryError."""
    default_start, default_end = default_range(run)
    start = parse_month(args["from"], "from") if args.get("from") else None
    end = parse_month(args["to"], "to") if args.get("to") else None
    if start is None and end is None:
        start, end = default_start, default_end
    elif start is None:
        start = add_months(end, 1 - DEFAULT_MONTHS)
    elif end is None:
        end = max(start, min(add_months(start, DEFAULT_MONTHS - 1), default_end))
    indicators.check(start, end, ())
    latest = (run.as_of or run.finished_at.date()).replace(day=1)
    if start > latest:
        raise QueryError("range_after_data", _("Figures go up to %(month)s.", month=latest.strftime("%Y-%m")),
                         "from")
    return start, end


def parse(args, run: RefreshRun) -> Query:
    """Return the checked query of request arguments (from, to, by and filters), or raise QueryError."""
    start, end = parse_range(args, run)
    return indicators.check(start, end, parse_by(args.get("by")), parse_filters(args))


def run_key(run: RefreshRun) -> str:
    """Return what names a refresh in cache keys: its id, and its end in case ids start again."""
    return f"{run.id}@{run.finished_at.timestamp() if run.finished_at else ''}"


def cache_key(query: Query, run: RefreshRun) -> str:
    """Return the key that names a query's published figures for one refresh run."""
    filters = ";".join(f"{key}={','.join(sorted(values))}" for key, values in sorted(query.filters.items()))
    return f"opendata:accommodation:{run_key(run)}:{query.start:%Y-%m}:{query.end:%Y-%m}:{','.join(query.by)}:{filters}"


def _shape(row: dict, query: Query, columns: tuple[str, ...]) -> dict:
    published = {key: row[key] for key in query.by}
    for column in columns:
        value = row.get(column)
        if value is not None and column == "average_length_of_stay":
            value = round(value, 2)
        elif value is not None and column in OCCUPANCY:
            value = round(value, 4)
        published[column] = value
    published["suppressed"] = row["suppressed"]
    return published


def published(query: Query, run: RefreshRun | None = None) -> Published | None:
    """Return the figures of a checked query as they may be published, or None before any refresh."""
    run = run or indicators.freshness()
    if run is None:
        return None
    key = cache_key(query, run)
    rows = cache.get(key)
    if rows is None:
        columns = figure_columns(query)
        rows = [_shape(row, query, columns) for row in suppress(indicators.run(query), query.by)]
        cache.set(key, rows, timeout=CACHE_SECONDS)
    return Published(query, run, rows)
