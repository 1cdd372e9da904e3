"""The official indicators, read from the monthly rollups: arrivals, nights, length of stay, occupancy.

Definitions follow UNWTO IRTS 2008 and Eurostat: same-day visitors are counted apart from
arrivals, nights fall in the month they are spent, occupancy is net of days closed, and
domestic or international is decided by country of residence.
"""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from tourism.warehouse.models import (
    FOREVER,
    DimArea,
    DimDate,
    DimEstablishment,
    MonthlyEstablishment,
    MonthlyGuests,
    RefreshRun,
    execute,
)

TIME_KEYS = ("month", "quarter", "year")
PLACE_KEYS = ("area", "locality", "former_province", "type", "class", "establishment")
GUEST_KEYS = ("residence", "nationality", "origin", "age_band", "sex", "purpose")
KEYS = TIME_KEYS + PLACE_KEYS + GUEST_KEYS
MAX_MONTHS = 60
EARLIEST = date(2000, 1, 1)
UNRATED = "unrated"
MEASURES = ("arrivals", "same_day", "nights", "guests", "establishments")
CAPACITY = ("rooms_available", "rooms_occupied", "bed_places_available")


class QueryError(ValueError):
    """A request for figures that cannot be answered as asked."""

    def __init__(self, code: str, message: str, field: str):
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


def months_between(start: date, end: date) -> int:
    """Return how many months `start` to `end` span, both included."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def shift_year(day: date, years: int = -1) -> date:
    """Return the first day of the same month `years` later."""
    return day.replace(year=day.year + years, day=1)


@dataclass
class Query:
    """A checked request: a range of months, the breakdown and the filters."""

    start: date
    end: date
    by: tuple[str, ...]
    filters: dict[str, tuple[str, ...]]

    @property
    def guest_key(self) -> str | None:
        """Return the guest characteristic this query is about, if any."""
        keys = [key for key in (*self.by, *self.filters) if key in GUEST_KEYS]
        return keys[0] if keys else None


def check(start: date, end: date, by, filters=None) -> Query:
    """Return the query if it can be answered, or raise QueryError saying why not."""
    from flask_babel import gettext as _

    by = tuple(by)
    unknown = [key for key in (*by, *(filters or {})) if key not in KEYS]
    if unknown:
        raise QueryError("unknown_dimension", _("Unknown breakdown %(key)s. Use: %(keys)s.",
                                                key=unknown[0], keys=", ".join(KEYS)), "by")
    if len(set(by)) != len(by):
        raise QueryError("repeated_dimension", _("Each breakdown may be given once."), "by")
    if len([key for key in by if key in TIME_KEYS]) > 1:
        raise QueryError("two_periods", _("Choose one of month, quarter or year."), "by")
    filters = {key: tuple(values) for key, values in (filters or {}).items() if values}
    guest_keys = {key for key in (*by, *filters) if key in GUEST_KEYS}
    if len(guest_keys) > 1:
        raise QueryError("two_guest_characteristics", _(
            "Figures can be broken down by one guest characteristic at a time (%(keys)s).",
            keys=", ".join(GUEST_KEYS)), "by")
    if start < EARLIEST or end < EARLIEST:
        raise QueryError("range_too_early", _("Statistics start in %(year)s.", year=EARLIEST.year), "from")
    if end < start:
        raise QueryError("reversed_range", _("The end of the period is before its start."), "to")
    if months_between(start, end) > MAX_MONTHS:
        raise QueryError("range_too_long", _("Ask for at most %(months)s months at a time.", months=MAX_MONTHS), "to")
    return Query(start.replace(day=1), end.replace(day=1), by, filters)


def _source(query: Query):
    return MonthlyGuests if query.guest_key else MonthlyEstablishment


def _columns(query: Query, source, current):
    """Return the labelled key expressions of the breakdown and the joins they need."""
    columns, joins = {}, set()
    for key in query.by:
        if key == "month":
            columns[key] = source.month
        elif key in ("quarter", "year"):
            joins.add("date")
            columns["year"] = DimDate.year
            if key == "quarter":
                columns["quarter"] = DimDate.quarter
        elif key in ("area", "locality", "former_province"):
            joins.add("area")
            columns[key] = {"area": DimArea.slug, "locality": DimArea.locality,
                            "former_province": DimArea.former_province}[key]
        elif key == "type":
            columns[key] = source.kind
        elif key == "class":
            columns[key] = source.star_class
        elif key == "establishment":
            joins.add("establishment")
            columns[key] = current.slug
        else:
            columns[key] = source.value
    for key in query.filters:
        if key in ("area", "locality", "former_province"):
            joins.add("area")
        elif key == "establishment":
            joins.add("establishment")
    return columns, joins


def _filter_clauses(query: Query, source, current) -> list:
    clauses = []
    for key, values in query.filters.items():
        if key in ("area", "locality", "former_province"):
            column = {"area": DimArea.slug, "locality": DimArea.locality, "former_province": DimArea.former_province}[key]
            clauses.append(column.in_(values))
        elif key == "type":
            clauses.append(source.kind.in_(values))
        elif key == "class":
            rated = [int(value) for value in values if value.isdigit()]
            clause = source.star_class.in_(rated)
            clauses.append(sa.or_(clause, source.star_class.is_(None)) if UNRATED in values else clause)
        elif key == "establishment":
            clauses.append(current.slug.in_(values))
        elif key in GUEST_KEYS:
            clauses.append(source.value.in_(values))
    return clauses


def _label(key: str, row) -> str:
    if key == "month":
        return row.month.strftime("%Y-%m")
    if key == "quarter":
        return f"{row.year}-Q{row.quarter}"
    if key == "year":
        return str(row.year)
    if key == "class":
        return str(row._mapping["class"]) if row._mapping["class"] is not None else UNRATED
    value = row._mapping[key]
    return "" if value is None else str(value)


def _ratio(numerator, denominator):
    return numerator / denominator if denominator else None


def run(query: Query) -> list[dict]:
    """Return one row per combination of the breakdown's values that has any figures."""
    source = _source(query)
    current = sa.orm.aliased(DimEstablishment)
    columns, joins = _columns(query, source, current)
    contributed = source.arrivals + source.same_day + source.nights
    measures = [
        sa.func.sum(source.arrivals).label("arrivals"),
        sa.func.sum(source.same_day).label("same_day"),
        sa.func.sum(source.nights).label("nights"),
        sa.func.count(sa.distinct(sa.case((contributed > 0, source.establishment_id)))).label("establishments"),
    ]
    with_capacity = source is MonthlyEstablishment
    if with_capacity:
        measures += [
            sa.func.sum(source.domestic_arrivals).label("domestic_arrivals"),
            sa.func.sum(source.domestic_same_day).label("domestic_same_day"),
            sa.func.sum(source.domestic_nights).label("domestic_nights"),
            sa.func.sum(source.room_days_available).label("rooms_available"),
            sa.func.sum(source.rooms_occupied).label("rooms_occupied"),
            sa.func.sum(source.bed_days_available).label("bed_places_available"),
        ]
    statement = sa.select(*(column.label(key) for key, column in columns.items()), *measures).select_from(source)
    if "date" in joins:
        statement = statement.join(DimDate, DimDate.day == source.month)
    if "area" in joins:
        statement = statement.join(DimArea, DimArea.area_key == source.area_key)
    if "establishment" in joins:
        statement = statement.join(current, sa.and_(
            current.establishment_id == source.establishment_id, current.valid_to == FOREVER))
    statement = statement.where(source.month >= query.start, source.month <= query.end,
                                *_filter_clauses(query, source, current))
    if query.guest_key:
        statement = statement.where(source.dimension == query.guest_key)
    if columns:
        statement = statement.group_by(*columns.values())
    having = sa.func.sum(contributed) > 0
    if with_capacity:
        having = sa.or_(having, sa.func.sum(source.room_days_available) > 0)
    statement = statement.having(having)

    rows = []
    for row in execute(statement):
        figures = {key: _label(key, row) for key in query.by}
        arrivals, same_day, nights = int(row.arrivals or 0), int(row.same_day or 0), int(row.nights or 0)
        figures.update(
            arrivals=arrivals, same_day=same_day, nights=nights, guests=arrivals + same_day,
            establishments=int(row.establishments or 0),
            average_length_of_stay=_ratio(nights, arrivals),
        )
        if with_capacity:
            domestic = int(row.domestic_arrivals or 0)
            figures.update(
                domestic_arrivals=domestic, international_arrivals=arrivals - domestic,
                domestic_nights=int(row.domestic_nights or 0),
                international_nights=nights - int(row.domestic_nights or 0),
                rooms_available=int(row.rooms_available or 0), rooms_occupied=int(row.rooms_occupied or 0),
                bed_places_available=int(row.bed_places_available or 0),
            )
            figures["room_occupancy"] = _ratio(figures["rooms_occupied"], figures["rooms_available"])
            figures["bed_occupancy"] = _ratio(nights, figures["bed_places_available"])
        rows.append(figures)
    rows.sort(key=lambda item: tuple(item[key] for key in query.by))
    return rows


def query(start: date, end: date, by, filters: dict | None = None) -> list[dict]:
    """Check and answer a request for figures; raise QueryError for one that cannot be answered."""
    return run(check(start, end, by, filters))


def _previous_label(key: str, value: str) -> str:
    if key == "month":
        return f"{int(value[:4]) - 1}{value[4:]}"
    if key in ("quarter", "year"):
        return f"{int(value[:4]) - 1}{value[4:]}"
    return value


def with_previous_year(query: Query, rows: list[dict]) -> list[dict]:
    """Add the same period a year earlier to each row, as `previous` figures and relative changes."""
    earlier = run(Query(shift_year(query.start), shift_year(query.end), query.by, query.filters))
    index = {tuple(row[key] for key in query.by): row for row in earlier}
    for row in rows:
        key = tuple(_previous_label(name, row[name]) for name in query.by)
        previous = index.get(key)
        row["previous"] = previous
        row["change"] = {
            measure: (row[measure] - previous[measure]) / previous[measure]
            if previous and previous.get(measure) else None
            for measure in ("arrivals", "nights", "same_day")
        }
    return rows


def freshness() -> RefreshRun | None:
    """Return the last successful refresh: what the figures are as of."""
    from tourism.warehouse.refresh import last_run

    return last_run()
