"""The official indicators, read from the monthly rollups: arrivals, nights, length of stay, occupancy.

Definitions follow UNWTO IRTS 2008 and Eurostat: same-day visitors are counted apart from
arrivals, nights fall in the month they are spent, occupancy is net of days closed, and
domestic or international is decided by country of residence.
"""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from tourism.extensions import db
from tourism.warehouse.models import (
    FOREVER,
    LEVEL_AREA,
    LEVEL_CLASS,
    LEVEL_KIND,
    DimArea,
    DimDate,
    DimEstablishment,
    GuestsByPlace,
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
# `establishments` counts the contributing establishments up to this many: the suppression rule
# only asks whether there are fewer than 3, and GuestsByPlace can answer that exactly (no more).
COUNTED_ESTABLISHMENTS = 3
AREA_KEYS = ("area", "locality", "former_province")
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
    if not query.guest_key:
        return MonthlyEstablishment
    if "establishment" in query.by or "establishment" in query.filters:
        return MonthlyGuests
    return GuestsByPlace


def place_level(query: Query) -> int:
    """Return the GuestsByPlace level that keeps every place attribute the query names."""
    named = {*query.by, *query.filters}
    return ((LEVEL_AREA if named & set(AREA_KEYS) else 0) | (LEVEL_KIND if "type" in named else 0)
            | (LEVEL_CLASS if "class" in named else 0))


def merge_contributors(ids: set | None, count: int, first: int, last: int) -> set | None:
    """Add a GuestsByPlace row's establishments to the ids known so far; None means 3 or more.

    A row of one or two establishments is fully known by its lowest and highest id; a row of
    three or more settles the question alone.
    """
    if ids is None or count >= COUNTED_ESTABLISHMENTS:
        return None
    ids.add(first)
    ids.add(last)
    return None if len(ids) >= COUNTED_ESTABLISHMENTS else ids


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
        elif key in AREA_KEYS:
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
        if key in AREA_KEYS:
            joins.add("area")
        elif key == "establishment":
            joins.add("establishment")
    return columns, joins


def _filter_clauses(query: Query, source, current) -> list:
    clauses = []
    for key, values in query.filters.items():
        if key in AREA_KEYS:
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


def _labeller(key: str):
    """Return the function that turns the key's selected value into its published label."""
    if key == "month":
        return lambda value: value.strftime("%Y-%m")
    if key == "class":
        return lambda value: UNRATED if value is None else str(value)
    return lambda value: "" if value is None else str(value)


def _ratio(numerator, denominator):
    return numerator / denominator if denominator else None


def _measures(source) -> list:
    contributed = source.arrivals + source.same_day + source.nights
    measures = [
        sa.func.sum(source.arrivals), sa.func.sum(source.same_day), sa.func.sum(source.nights),
        sa.func.count(sa.distinct(sa.case((contributed > 0, source.establishment_id)))),
    ]
    if source is MonthlyEstablishment:
        measures += [
            sa.func.sum(source.domestic_arrivals), sa.func.sum(source.domestic_nights),
            sa.func.sum(source.room_days_available), sa.func.sum(source.rooms_occupied),
            sa.func.sum(source.bed_days_available),
        ]
    return measures


def run(query: Query) -> list[dict]:
    """Return one row per combination of the breakdown's values that has any figures."""
    source = _source(query)
    if source is GuestsByPlace:
        return _run_by_place(query)
    current = sa.orm.aliased(DimEstablishment)
    columns, joins = _columns(query, source, current)
    statement = sa.select(*columns.values(), *_measures(source)).select_from(source)
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
    having = sa.func.sum(source.arrivals + source.same_day + source.nights) > 0
    if source is MonthlyEstablishment:
        having = sa.or_(having, sa.func.sum(source.room_days_available) > 0)
    statement = statement.having(having)

    # Rows are read by position and labelled by precomputed functions: an answer can have tens of
    # thousands of rows, and this loop is most of its time.
    names = list(columns)
    labels = []
    for key in query.by:
        if key == "quarter":
            year, quarter = names.index("year"), names.index("quarter")
            labels.append((key, lambda row, year=year, quarter=quarter: f"{row[year]}-Q{row[quarter]}"))
        else:
            position, label = names.index(key), _labeller(key)
            labels.append((key, lambda row, position=position, label=label: label(row[position])))
    first = len(names)
    rows = []
    for row in execute(statement):
        figures = {key: label(row) for key, label in labels}
        arrivals, same_day, nights = row[first] or 0, row[first + 1] or 0, row[first + 2] or 0
        establishments = min(row[first + 3] or 0, COUNTED_ESTABLISHMENTS)
        figures.update(
            arrivals=int(arrivals), same_day=int(same_day), nights=int(nights), guests=int(arrivals + same_day),
            establishments=establishments, average_length_of_stay=nights / arrivals if arrivals else None,
        )
        if source is MonthlyEstablishment:
            domestic, domestic_nights, rooms, occupied, beds = (int(value or 0) for value in row[first + 4:])
            figures.update(
                domestic_arrivals=domestic, international_arrivals=figures["arrivals"] - domestic,
                domestic_nights=domestic_nights, international_nights=figures["nights"] - domestic_nights,
                rooms_available=rooms, rooms_occupied=occupied, bed_places_available=beds,
                room_occupancy=_ratio(occupied, rooms), bed_occupancy=_ratio(figures["nights"], beds),
            )
        rows.append(figures)
    keys = tuple(query.by)
    rows.sort(key=lambda item: tuple(item[key] for key in keys))
    return rows


def _period_label(month, key: str):
    """Return the SQL label of a month column under a time key: 2026-03, 2026-Q1 or 2026."""
    if db.engines["warehouse"].dialect.name == "postgresql":
        month = sa.func.to_char(month, "YYYY-MM-DD")  # independent of the server's DateStyle
    else:
        month = sa.type_coerce(month, sa.String)  # SQLite keeps dates as ISO text
    if key == "month":
        return sa.func.substr(month, 1, 7)
    if key == "year":
        return sa.func.substr(month, 1, 4)
    return sa.func.substr(month, 1, 4) + "-Q" + sa.cast(
        (sa.cast(sa.func.substr(month, 6, 2), sa.Integer) + 2) // 3, sa.String)


def _run_by_place(query: Query) -> list[dict]:
    """Answer a guest breakdown without establishments from GuestsByPlace, adding its rows up here.

    The rows of one level are about as many as the answer has cells, so they are read as they are
    (no GROUP BY, whose per-row aggregates cost more than the adding), already labelled by the
    database, and added up by label in one pass.
    """
    # Table columns, not ORM attributes: a Core result skips the ORM's per-row loading.
    source, area = GuestsByPlace.__table__.c, DimArea.__table__.c
    areas = {"area": area.slug, "locality": area.locality, "former_province": area.former_province}
    labels = []
    for key in query.by:
        if key in TIME_KEYS:
            labels.append(_period_label(source.month, key))
        elif key == "type":
            labels.append(source.kind)
        elif key == "class":
            labels.append(sa.case((source.star_class.is_(None), UNRATED), else_=sa.cast(source.star_class, sa.String)))
        elif key in AREA_KEYS:
            labels.append(sa.func.coalesce(areas[key], ""))
        else:
            labels.append(source.value)
    statement = sa.select(
        source.arrivals, source.same_day, source.nights, source.establishments,
        source.first_establishment_id, source.last_establishment_id, *labels,
    ).where(
        source.dimension == query.guest_key, source.level == place_level(query),
        source.month >= query.start, source.month <= query.end, *_filter_clauses(query, source, None),
    )
    if set(query.by) & set(AREA_KEYS) or set(query.filters) & set(AREA_KEYS):
        statement = statement.join(DimArea.__table__, area.area_key == source.area_key)
    cells = {}
    for row in execute(statement).all():
        label = row[6:]  # the labels, as a tuple
        cell = cells.get(label)
        if cell is None:
            cells[label] = [row[0], row[1], row[2], merge_contributors(set(), row[3], row[4], row[5])]
        else:
            cell[0] += row[0]
            cell[1] += row[1]
            cell[2] += row[2]
            cell[3] = merge_contributors(cell[3], row[3], row[4], row[5])
    names = (*query.by, "arrivals", "same_day", "nights", "guests", "establishments", "average_length_of_stay")
    rows = []
    for label in sorted(cells):
        arrivals, same_day, nights, ids = cells[label]
        rows.append(dict(zip(names, (
            *label, arrivals, same_day, nights, arrivals + same_day,
            COUNTED_ESTABLISHMENTS if ids is None else len(ids), nights / arrivals if arrivals else None,
        ), strict=True)))
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
