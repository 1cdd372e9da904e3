"""Site visits: validation, the one upsert every path uses, CSV imports, totals and access.

Forms, the CSV upload, the API and the demo loader all store a day through `record_visits`.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tourism.core import audit
from tourism.core.database import utcnow
from tourism.core.errors import ServiceError
from tourism.core.pages import local_now
from tourism.extensions import db
from tourism.portal.models import Area, Place
from tourism.sites.models import SITE_KINDS, VISIT_SOURCES, Site, SiteVisitDay

YEARS_BACK = 3
# "Plausible": the busiest site on its busiest day takes well under this.
MAX_REVENUE = 10_000_000_000  # đồng, exclusive
MAX_VISITORS = 1_000_000  # a day; keeps the 32-bit columns safe
INTEGER = re.compile(r"-?[0-9]{1,18}")
CSV_COLUMNS = ("date", "visitors", "international_visitors", "revenue")
CSV_MAX_ROWS = 2000  # more than the 3 years a file may cover
CSV_MAX_BYTES = 1024 * 1024
MAX_ERRORS = 100
FIELD_LABELS = {
    "date": _l("Date"),
    "visitors": _l("Visitors"),
    "international_visitors": _l("International visitors"),
    "revenue": _l("Ticket revenue (đồng)"),
}


class SiteError(ServiceError):
    """A request the sites rules refuse; nothing of it has been saved."""

    status = 422
    code = "validation_failed"


class NotFound(SiteError):
    """No such site for this person: another manager's site looks exactly like a missing one."""

    status = 404
    code = "not_found"


@dataclass
class Visits:
    """One day's figures, checked."""

    day: date
    visitors: int
    international: int
    revenue: int


@dataclass
class CsvProblem:
    line: int
    column: str
    message: str


@dataclass
class CsvResult:
    problems: list[CsvProblem] = field(default_factory=list)
    rows: list[Visits] = field(default_factory=list)


def today() -> date:
    """Return today's date in the province."""
    return local_now().date()


def earliest_day(on: date | None = None) -> date:
    """Return the oldest day a report may be for: three years back."""
    on = on or today()
    try:
        return on.replace(year=on.year - YEARS_BACK)
    except ValueError:  # 29 February
        return on.replace(year=on.year - YEARS_BACK, day=28)


def parse_day(value) -> date | None:
    """Read a YYYY-MM-DD date (or a date); None when it is not one."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    value = value.strip()
    try:
        return date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        return None


def _integer(value, text: bool = True) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if text and isinstance(value, str):
        digits = value.strip().replace("\u00a0", "").replace(" ", "")
        if INTEGER.fullmatch(digits):
            return int(digits)
    return None


def check_visits(day, visitors, international, revenue, *, text_numbers: bool = True) -> Visits:
    """Return the figures checked, or raise SiteError naming every field at fault.

    Forms and CSV give numbers as text; the API's JSON must give them as numbers.
    """
    problems = {}
    parsed_day = parse_day(day)
    if parsed_day is None:
        problems["date"] = _("Enter the date as YYYY-MM-DD.")
    elif parsed_day > today():
        problems["date"] = _("The date cannot be in the future.")
    elif parsed_day < earliest_day():
        problems["date"] = _("The date cannot be more than %(years)s years ago.", years=YEARS_BACK)
    numbers = {}
    for name, value, maximum in (("visitors", visitors, MAX_VISITORS),
                                 ("international_visitors", international, MAX_VISITORS),
                                 ("revenue", revenue, MAX_REVENUE)):
        number = _integer(value, text_numbers)
        if number is None:
            problems[name] = _("Enter a whole number.")
        elif number < 0:
            problems[name] = _("The number cannot be negative.")
        elif number >= maximum:
            problems[name] = (_("The revenue is not plausible: it must be under 10 billion đồng a day.")
                              if name == "revenue" else _("The number is not plausible for one day."))
        else:
            numbers[name] = number
    if ("visitors" in numbers and "international_visitors" in numbers
            and numbers["international_visitors"] > numbers["visitors"]):
        problems["international_visitors"] = _("International visitors cannot exceed all visitors.")
    if problems:
        raise SiteError(_("Some fields are not valid: %(fields)s.", fields=", ".join(problems)), problems)
    return Visits(parsed_day, numbers["visitors"], numbers["international_visitors"], numbers["revenue"])


def may_report(actor, site: Site) -> bool:
    """Tell whether a person may report for a site: its own manager only (None: a token, the CLI)."""
    if actor is None:
        return True
    return getattr(actor, "role", None) == "site_manager" and actor.site_id == site.id


def may_view(actor, site: Site) -> bool:
    """Tell whether a person may see a site's figures: its manager, and the department for any site."""
    if actor is None:
        return False
    return getattr(actor, "role", None) in ("officer", "admin") or may_report(actor, site)


def _upsert_statement(values: dict):
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(SiteVisitDay.__table__).values(values)
    changed = {name: statement.excluded[name] for name in
               ("visitors", "international_visitors", "revenue", "source", "reported_by_id", "updated_at")}
    return statement.on_conflict_do_update(index_elements=["site_id", "day"], set_=changed)


def lock_site(site_id: int) -> None:
    """Serialise the writers of one site's days until the caller commits.

    As lodging's lock_establishment: on PostgreSQL the UPDATE takes the site's row lock; on SQLite
    it takes the database's write lock, and must be its transaction's first statement (else an
    earlier read's snapshot makes it fail with "database is locked"), hence the commit before it.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.commit()
    table = Site.__table__
    db.session.connection().execute(sa.update(table).where(table.c.id == site_id).values(id=table.c.id))


def record_visits(site: Site, day, visitors, international, revenue, source: str, actor=None,
                  *, commit: bool = True) -> tuple[SiteVisitDay, bool]:
    """Store one site-day, replacing an earlier report of that day; return it and whether it is new.

    Every path (form, CSV, API) stores through here. A correction bumps updated_at, so the
    warehouse refresh picks it up. With commit=False the caller holds lock_site and commits.
    """
    if source not in VISIT_SOURCES:
        raise ValueError(f"unknown source {source!r}")
    if not may_report(actor, site):
        raise NotFound(_("No such tourist site."))
    visits = check_visits(day, visitors, international, revenue)
    site_id, actor_id = site.id, getattr(actor, "id", None)
    if commit:
        lock_site(site_id)
    # Under the site's lock, so no other report of this day can slip in between.
    existed = db.session.scalar(
        sa.select(SiteVisitDay.id).where(SiteVisitDay.site_id == site_id, SiteVisitDay.day == visits.day)
    ) is not None
    now = utcnow()
    db.session.execute(_upsert_statement({
        "site_id": site_id, "day": visits.day, "visitors": visits.visitors,
        "international_visitors": visits.international, "revenue": visits.revenue, "source": source,
        "reported_by_id": actor_id, "created_at": now, "updated_at": now,
    }))
    row = db.session.scalar(
        sa.select(SiteVisitDay).where(SiteVisitDay.site_id == site_id, SiteVisitDay.day == visits.day)
        .execution_options(populate_existing=True)
    )
    if commit:
        db.session.commit()
    return row, not existed


def record_many(site: Site, items: list[Visits], source: str, actor=None) -> tuple[list[SiteVisitDay], int]:
    """Store checked days through record_visits, all or nothing; return the rows and how many were new."""
    if not may_report(actor, site):
        raise NotFound(_("No such tourist site."))
    rows, created = [], 0
    try:
        lock_site(site.id)
        for item in items:
            row, new = record_visits(site, item.day, item.visitors, item.international, item.revenue, source,
                                     actor, commit=False)
            rows.append(row)
            created += new
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
    return rows, created


# -- CSV --------------------------------------------------------------------------------------

def template_csv() -> bytes:
    """Return the CSV template: the header and two example rows."""
    yesterday = today() - timedelta(days=1)
    lines = [",".join(CSV_COLUMNS),
             f"{(yesterday - timedelta(days=1)).isoformat()},1200,150,36000000",
             f"{yesterday.isoformat()},980,120,29400000"]
    # A BOM so that Excel opens it as UTF-8.
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def parse_csv(data: bytes) -> CsvResult:
    """Check a CSV of days; every problem is reported with its line number and column."""
    result = CsvResult()
    if len(data) > CSV_MAX_BYTES:
        result.problems.append(CsvProblem(0, "", _("The file is too large (at most 1 MB).")))
        return result
    if b"\x00" in data:
        result.problems.append(CsvProblem(0, "", _("This is not a CSV file (it contains binary data).")))
        return result
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.problems.append(CsvProblem(0, "", _("The file is not UTF-8 text. Save it as “CSV UTF-8”.")))
        return result
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            result.problems.append(CsvProblem(1, "", _("The file is empty.")))
            return result
        names = [cell.strip().lower() for cell in header]
        missing = [column for column in CSV_COLUMNS if column not in names]
        if missing:
            result.problems.append(CsvProblem(1, ", ".join(missing), _(
                "The header row must name the columns %(columns)s; missing: %(missing)s.",
                columns=",".join(CSV_COLUMNS), missing=", ".join(missing))))
            return result
        positions = {column: names.index(column) for column in CSV_COLUMNS}
        seen: dict[date, int] = {}
        for values in reader:
            line = reader.line_num
            if not any(value.strip() for value in values):
                continue
            if len(result.rows) + len(result.problems) >= CSV_MAX_ROWS:
                result.problems.append(CsvProblem(line, "", _("Too many rows: at most %(max)s.", max=CSV_MAX_ROWS)))
                break
            cell = {column: values[index].strip() if index < len(values) else ""
                    for column, index in positions.items()}
            try:
                visits = check_visits(cell["date"], cell["visitors"], cell["international_visitors"],
                                      cell["revenue"])
            except SiteError as error:
                for column in CSV_COLUMNS:
                    if column in error.fields:
                        result.problems.append(CsvProblem(line, column, str(error.fields[column])))
            else:
                if visits.day in seen:
                    result.problems.append(CsvProblem(line, "date", _(
                        "This date is already on line %(line)s.", line=seen[visits.day])))
                else:
                    seen[visits.day] = line
                    result.rows.append(visits)
            if len(result.problems) >= MAX_ERRORS:
                break
    except csv.Error as error:
        result.problems.append(CsvProblem(reader.line_num, "", _("The CSV file is malformed: %(error)s",
                                                                 error=str(error)[:200])))
    if not result.problems and not result.rows:
        result.problems.append(CsvProblem(2, "", _("The file has a header but no rows.")))
    return result


def import_csv(site: Site, data: bytes, actor=None) -> tuple[CsvResult, int]:
    """Check a CSV and, when it has no problem at all, store every day of it; return the check and new days."""
    if not may_report(actor, site):
        raise NotFound(_("No such tourist site."))
    result = parse_csv(data)
    if result.problems:
        return result, 0
    _rows, created = record_many(site, result.rows, "csv", actor)
    audit.record("site_visits_imported", actor=actor, target=site,
                 details={"rows": len(result.rows), "new": created})
    db.session.commit()
    return result, created


# -- reading ----------------------------------------------------------------------------------

def site_by_slug(slug: str) -> Site | None:
    """Return a site by its slug."""
    return db.session.scalar(sa.select(Site).where(Site.slug == slug))


def site_for(actor, slug: str | None = None) -> Site:
    """Return the site a person may see: a manager's own, or any by slug for the department."""
    site = db.session.get(Site, getattr(actor, "site_id", None) or 0) if slug is None else site_by_slug(slug)
    if site is None or not may_view(actor, site):
        raise NotFound(_("No such tourist site."))
    return site


def visit_day(site: Site, day: date) -> SiteVisitDay | None:
    """Return a site's report of one day, if any."""
    return db.session.scalar(sa.select(SiteVisitDay).where(SiteVisitDay.site_id == site.id, SiteVisitDay.day == day))


def recent_days(site: Site, count: int = 14, until: date | None = None) -> list[tuple[date, SiteVisitDay | None]]:
    """Return the last `count` days up to today, newest first, each with its report or None."""
    until = until or today()
    start = until - timedelta(days=count - 1)
    rows = {row.day: row for row in db.session.scalars(
        sa.select(SiteVisitDay).where(SiteVisitDay.site_id == site.id, SiteVisitDay.day.between(start, until))
    )}
    return [(day, rows.get(day)) for day in (until - timedelta(days=n) for n in range(count))]


@dataclass
class Totals:
    days: int = 0
    visitors: int = 0
    international: int = 0
    revenue: int = 0


def month_totals(site_id: int, month: date) -> Totals:
    """Return a site's totals of the month containing `month`."""
    start = month.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    row = db.session.execute(
        sa.select(sa.func.count(SiteVisitDay.id), sa.func.coalesce(sa.func.sum(SiteVisitDay.visitors), 0),
                  sa.func.coalesce(sa.func.sum(SiteVisitDay.international_visitors), 0),
                  sa.func.coalesce(sa.func.sum(SiteVisitDay.revenue), 0))
        .where(SiteVisitDay.site_id == site_id, SiteVisitDay.day >= start, SiteVisitDay.day < end)
    ).one()
    return Totals(*(int(value) for value in row))


def sites_overview(month: date) -> list[tuple[Site, Totals, date | None]]:
    """Return every site with its month's totals and its last reported day, for the department."""
    start = month.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    in_month = SiteVisitDay.day.between(start, end - timedelta(days=1))
    # Aggregated apart from Site, whose joined-loaded area cannot sit in a GROUP BY.
    figures = (
        sa.select(SiteVisitDay.site_id,
                  sa.func.count(SiteVisitDay.id).filter(in_month).label("days"),
                  sa.func.coalesce(sa.func.sum(SiteVisitDay.visitors).filter(in_month), 0).label("visitors"),
                  sa.func.coalesce(sa.func.sum(SiteVisitDay.international_visitors).filter(in_month), 0)
                  .label("international"),
                  sa.func.coalesce(sa.func.sum(SiteVisitDay.revenue).filter(in_month), 0).label("revenue"),
                  sa.func.max(SiteVisitDay.day).label("last"))
        .group_by(SiteVisitDay.site_id).subquery()
    )
    query = (
        sa.select(Site, figures.c.days, figures.c.visitors, figures.c.international, figures.c.revenue, figures.c.last)
        .outerjoin(figures, figures.c.site_id == Site.id).order_by(Site.name)
    )
    return [(site, Totals(int(n or 0), int(v or 0), int(i or 0), int(r or 0)), last)
            for site, n, v, i, r, last in db.session.execute(query)]


# -- creating sites ---------------------------------------------------------------------------

def create_site(slug: str, name: str, area_slug: str, *, kind: str = "attraction", place_slug: str | None = None,
                lat: float | None = None, lon: float | None = None) -> Site:
    """Create a ticketed site in an area; refuse a taken slug or an unknown area, kind or place."""
    slug, name = (slug or "").strip().lower(), " ".join((name or "").split())
    problems = {}
    if not slug or len(slug) > 80 or not all(c.isascii() and (c.isalnum() or c == "-") for c in slug):
        problems["slug"] = _("Use 1 to 80 lower-case letters, digits and hyphens.")
    elif site_by_slug(slug) is not None:
        problems["slug"] = _("A site with this identifier already exists.")
    if not name or len(name) > 200:
        problems["name"] = _("Enter a name of at most 200 characters.")
    if kind not in SITE_KINDS:
        problems["kind"] = _("Unknown kind. Use one of: %(choices)s.", choices=", ".join(SITE_KINDS))
    area = db.session.scalar(sa.select(Area).where(Area.slug == (area_slug or "").strip()))
    if area is None:
        problems["area"] = _("No area has this identifier.")
    place = None
    if place_slug:
        place = db.session.scalar(sa.select(Place).where(Place.slug == place_slug.strip()))
        if place is None:
            problems["place"] = _("No place has this identifier.")
    if problems:
        raise SiteError(_("Some fields are not valid: %(fields)s.", fields=", ".join(problems)), problems)
    site = Site(slug=slug, name=name, kind=kind, area_id=area.id, place_id=place.id if place else None,
                lat=lat if lat is not None else (place.lat if place else None),
                lon=lon if lon is not None else (place.lon if place else None))
    db.session.add(site)
    db.session.commit()
    return site
