"""Visits to ticketed tourist sites: loaded beside the lodging figures, never added to them.

A tourist who sleeps in Đà Lạt and climbs Langbiang is one guest and one visit; a "total visitors"
figure adding the two would count them twice, so no function here combines them.
"""

from datetime import date

import sqlalchemy as sa

from tourism.extensions import db
from tourism.portal.models import Area, Locality
from tourism.sites.models import Site, SiteVisitDay
from tourism.warehouse.models import DimArea, DimDate, DimSite, FactSiteDay, execute

KEYS = ("month", "quarter", "year", "site", "area", "locality")
BATCH = 10_000


def sync_sites() -> int:
    """Copy the sites' names and places; return how many there are."""
    localities = dict(db.session.execute(sa.select(Area.id, Locality.slug).join(Locality, Locality.id == Area.locality_id)).all())
    rows = [
        {"site_id": site.id, "slug": site.slug, "name": site.name, "area_id": site.area_id,
         "locality": localities.get(site.area_id, "")}
        for site in db.session.scalars(sa.select(Site))
    ]
    execute(sa.delete(DimSite))
    if rows:
        execute(sa.insert(DimSite), rows)
    return len(rows)


def load(changed_since, as_of: date) -> int:
    """Replace the site-days reported or corrected since `changed_since` (all when None); return rows written."""
    sync_sites()
    query = sa.select(SiteVisitDay.site_id, SiteVisitDay.day, SiteVisitDay.visitors,
                      SiteVisitDay.international_visitors, SiteVisitDay.revenue).where(SiteVisitDay.day <= as_of)
    if changed_since is None:
        execute(sa.delete(FactSiteDay))
    else:
        query = query.where(SiteVisitDay.updated_at >= changed_since)
    written, batch = 0, []
    for row in db.session.execute(query.execution_options(yield_per=BATCH)):
        batch.append(row._asdict())
        if len(batch) >= BATCH:
            written += _write(batch, replace=changed_since is not None)
    written += _write(batch, replace=changed_since is not None)
    # The area version of each day, so that figures before and after the merger stay comparable.
    execute(sa.update(FactSiteDay).values(area_key=sa.select(DimArea.area_key).join(
        DimSite, DimSite.area_id == DimArea.area_id).where(
        DimSite.site_id == FactSiteDay.site_id, DimArea.valid_from <= FactSiteDay.day,
        DimArea.valid_to >= FactSiteDay.day).scalar_subquery()).where(FactSiteDay.area_key.is_(None)))
    return written


def _write(batch: list[dict], replace: bool) -> int:
    if not batch:
        return 0
    if replace:
        for row in batch:
            execute(sa.delete(FactSiteDay).where(FactSiteDay.site_id == row["site_id"], FactSiteDay.day == row["day"]))
    execute(sa.insert(FactSiteDay), [{**row, "area_key": None} for row in batch])
    count = len(batch)
    batch.clear()
    return count


def query(start: date, end: date, by, filters: dict | None = None) -> list[dict]:
    """Return visits by the given keys for the months `start` to `end` (first days, both included)."""
    from tourism.warehouse.indicators import QueryError, check

    by = tuple(by)
    unknown = [key for key in by if key not in KEYS]
    if unknown:
        from flask_babel import gettext as _

        raise QueryError("unknown_dimension", _("Unknown breakdown %(key)s. Use: %(keys)s.",
                                                key=unknown[0], keys=", ".join(KEYS)), "by")
    checked = check(start, end, [key for key in by if key in ("month", "quarter", "year")])
    columns = {}
    for key in by:
        if key == "month":
            columns[key] = DimDate.month
        elif key in ("quarter", "year"):
            columns["year"] = DimDate.year
            if key == "quarter":
                columns["quarter"] = DimDate.quarter
        elif key == "site":
            columns[key] = DimSite.slug
        elif key == "area":
            columns[key] = DimArea.slug
        else:
            columns[key] = DimSite.locality
    statement = (
        sa.select(
            *(column.label(key) for key, column in columns.items()),
            sa.func.sum(FactSiteDay.visitors).label("visitors"),
            sa.func.sum(FactSiteDay.international_visitors).label("international_visitors"),
            sa.func.sum(FactSiteDay.revenue).label("revenue"),
            sa.func.count(sa.distinct(FactSiteDay.site_id)).label("sites"),
            sa.func.count().label("days_reported"),
        )
        .select_from(FactSiteDay)
        .join(DimDate, DimDate.day == FactSiteDay.day)
        .join(DimSite, DimSite.site_id == FactSiteDay.site_id)
        .outerjoin(DimArea, DimArea.area_key == FactSiteDay.area_key)
        .where(DimDate.month >= checked.start, DimDate.month <= checked.end)
    )
    for key, values in (filters or {}).items():
        column = {"site": DimSite.slug, "area": DimArea.slug, "locality": DimSite.locality}.get(key)
        if column is not None and values:
            statement = statement.where(column.in_(values))
    if columns:
        statement = statement.group_by(*columns.values())
    rows = []
    for row in execute(statement):
        figures = {}
        for key in by:
            if key == "month":
                figures[key] = row.month.strftime("%Y-%m")
            elif key == "quarter":
                figures[key] = f"{row.year}-Q{row.quarter}"
            elif key == "year":
                figures[key] = str(row.year)
            else:
                figures[key] = row._mapping[key] or ""
        visitors, international = int(row.visitors or 0), int(row.international_visitors or 0)
        figures.update(visitors=visitors, international_visitors=international,
                       domestic_visitors=visitors - international, revenue=int(row.revenue or 0),
                       sites=int(row.sites), days_reported=int(row.days_reported))
        rows.append(figures)
    rows.sort(key=lambda item: tuple(item[key] for key in by))
    return rows
