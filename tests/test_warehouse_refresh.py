"""The warehouse refresh: incremental, idempotent, all or nothing, locked, recorded, and free of personal data."""

import sqlite3
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import guest, vietnamese_guest
from tourism.extensions import db
from tourism.lodging import services
from tourism.lodging.errors import LodgingError
from tourism.lodging.models import Stay
from tourism.warehouse import dimensions, indicators, refresh
from tourism.warehouse.models import (
    DimArea,
    DimDate,
    DimEstablishment,
    FactEstablishmentDay,
    FactStay,
    GuestsByPlace,
    RefreshRun,
    execute,
)


def day(offset: int) -> date:
    return services.today() + timedelta(days=offset)


def month_figures(start: date | None = None, end: date | None = None, by=("month",), **filters):
    start = (start or day(-40)).replace(day=1)
    end = (end or day(0)).replace(day=1)
    return indicators.query(start, end, list(by), {key: [value] for key, value in filters.items()})


def warehouse_tables():
    return list(db.metadatas["warehouse"].sorted_tables)


def snapshot() -> dict:
    """Every warehouse table's rows except the runs themselves, for comparing two states."""
    rows = {}
    for table in warehouse_tables():
        if table.name == "refresh_run":
            continue
        columns = [column for column in table.columns if column.name not in ("id",)]
        statement = sa.select(*columns).order_by(*columns)
        rows[table.name] = [tuple(row) for row in db.session.execute(statement, bind_arguments={"mapper": RefreshRun.__mapper__})]
    return rows


@pytest.fixture
def stays(establishment):
    """Three stays at Đồi Thông in the last weeks: a couple, a Vietnamese pair, a same-day visit."""
    services.check_in_one(establishment, "101", day(-10), day(-7), [guest(), guest(full_name="Park Ji-hoon", sex="M",
                                                                               document_number="M22222222")])
    services.check_in_one(establishment, "102", day(-5), day(-3), [vietnamese_guest(), vietnamese_guest("079190005678")])
    services.check_in_one(establishment, "103", day(-2), day(-2), [guest(document_number="M33333333")])
    db.session.commit()


def totals(rows) -> dict:
    return {key: sum(row[key] for row in rows) for key in ("arrivals", "same_day", "nights")}


def test_first_refresh_is_full_and_counts_guest_stays(stays):
    run = refresh.refresh()
    assert run.full and run.status == "succeeded" and run.stays_read == 3
    assert run.rows_written > 0 and run.seconds >= 0 and run.finished_at is not None
    assert totals(month_figures()) == {"arrivals": 4, "same_day": 1, "nights": 3 * 2 + 2 * 2}


def test_second_refresh_changes_nothing_and_reads_only_recent_changes(stays):
    refresh.refresh()
    before = snapshot()
    again = refresh.refresh()
    assert not again.full
    assert snapshot() == before
    # Only stays updated within the look-back of the last run are read again, not the whole table.
    assert again.changed_since is not None and again.stays_read <= 3


def test_incremental_equals_full(stays, establishment):
    refresh.refresh()
    stay = services.check_in_one(establishment, "201", day(-1), day(1), [guest(document_number="M44444444")])
    db.session.commit()
    services.check_out(establishment.id, stay.id)
    db.session.commit()
    incremental = refresh.refresh()
    assert not incremental.full
    after_incremental = snapshot()
    refresh.refresh(full=True)
    assert snapshot() == after_incremental


def test_correction_after_refresh_replaces_the_old_rows(stays, establishment):
    refresh.refresh()
    stay = db.session.scalar(sa.select(Stay).where(Stay.arrival == day(-5)))
    try:
        services.cancel_stay(establishment.id, stay.id)
    except LodgingError:
        # The desk may no longer cancel a stay whose nights have passed; a correction does it.
        stay.status = "cancelled"
    db.session.commit()
    refresh.refresh()
    assert totals(month_figures()) == {"arrivals": 2, "same_day": 1, "nights": 6}
    stay_ids = set(db.session.scalars(sa.select(FactStay.stay_id), bind_arguments={"mapper": FactStay.__mapper__}))
    assert stay.id not in stay_ids


def test_a_crash_leaves_the_previous_figures(stays, establishment, monkeypatch):
    refresh.refresh()
    before = snapshot()
    services.check_in_one(establishment, "201", day(-1), day(0), [guest(document_number="M44444444")])
    db.session.commit()

    def crash(self):
        raise RuntimeError("disk full")

    monkeypatch.setattr(refresh.Refresh, "recompute", crash)
    with pytest.raises(RuntimeError):
        refresh.refresh()
    assert snapshot() == before
    failed = refresh.last_run("failed")
    assert failed is not None and "disk full" in failed.message


def test_nights_fall_in_the_month_they_are_spent(establishment):
    # A stay across the month end: nights before and after the first of the month.
    first = day(0).replace(day=1)
    services.check_in_one(establishment, "101", first - timedelta(days=2), first + timedelta(days=1), [guest()])
    db.session.commit()
    refresh.refresh()
    rows = {row["month"]: row for row in month_figures(first - timedelta(days=2), first)}
    before, after = (first - timedelta(days=2)).strftime("%Y-%m"), first.strftime("%Y-%m")
    assert rows[before]["arrivals"] == 1 and rows[before]["nights"] == 2
    assert rows[after]["arrivals"] == 0 and rows[after]["nights"] == 1


def test_establishment_changes_keep_their_history(stays, establishment):
    refresh.refresh(as_of=day(-1))
    old_class = establishment.star_class
    establishment.star_class = 4 if old_class != 4 else 3
    db.session.commit()
    refresh.refresh()
    versions = list(db.session.scalars(
        sa.select(DimEstablishment).where(DimEstablishment.establishment_id == establishment.id)
        .order_by(DimEstablishment.valid_from), bind_arguments={"mapper": DimEstablishment.__mapper__}))
    assert [version.star_class for version in versions] == [old_class, establishment.star_class]
    assert versions[-2].valid_to == day(-1) and versions[-1].valid_from == day(0)
    # Days before the change keep the old version.
    keys = dict(db.session.execute(
        sa.select(FactEstablishmentDay.day, FactEstablishmentDay.establishment_key)
        .where(FactEstablishmentDay.establishment_id == establishment.id, FactEstablishmentDay.day >= day(-1)),
        bind_arguments={"mapper": FactEstablishmentDay.__mapper__}).all())
    assert keys[day(-1)] == versions[-2].establishment_key and keys[day(0)] == versions[-1].establishment_key


def test_areas_have_a_version_before_and_after_the_merger(stays):
    refresh.refresh()
    versions = list(db.session.scalars(
        sa.select(DimArea).where(DimArea.slug == "xuan-huong-da-lat").order_by(DimArea.valid_from),
        bind_arguments={"mapper": DimArea.__mapper__}))
    assert [(version.valid_to, version.unit) for version in versions] == [
        (dimensions.MERGER - timedelta(days=1), "Thành phố Đà Lạt"),
        (date(9999, 12, 31), "Xuân Hương – Đà Lạt"),
    ]
    assert {version.former_province for version in versions} == {"lam-dong"}


def test_date_dimension_knows_tet_holidays_and_the_flower_festival(stays):
    refresh.refresh()

    def get(value):
        return db.session.get(DimDate, value)

    assert get(date(2026, 2, 17)).is_tet and get(date(2026, 2, 17)).season == "tet"
    assert get(date(2026, 4, 30)).holiday and not get(date(2026, 4, 30)).is_tet
    assert get(date(2025, 12, 20)).festival == "flower_festival"
    assert get(date(2026, 7, 4)).season == "summer" and get(date(2026, 7, 4)).is_weekend


def test_no_warehouse_table_holds_personal_data(stays):
    refresh.refresh()
    forbidden = ("name", "birth", "document", "passport", "full_name")
    for table in warehouse_tables():
        for column in table.columns:
            if table.name in ("dim_establishment", "dim_area", "dim_site") and column.name == "name":
                continue  # the names of businesses and places, not of people
            assert not any(word in column.name for word in forbidden), f"{table.name}.{column.name}"
    dump = repr(snapshot())
    for value in ("Kim Min-ji", "Park Ji-hoon", "M12345678", "079190001234", "1990-05-01", "Nguyễn"):
        assert value not in dump


def test_a_second_refresh_is_refused_while_one_runs(stays, app):
    """A second refresh, on its own connection, meets the first one's lock and stops cleanly."""
    holding, release, outcome = threading.Event(), threading.Event(), {}
    url = app.config["SQLALCHEMY_BINDS"]["warehouse"]
    engine = sa.create_engine(url)

    def hold_the_lock():
        if engine.dialect.name == "postgresql":
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": refresh.LOCK_KEY})
                holding.set()
                release.wait(30)
                connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": refresh.LOCK_KEY})
                connection.rollback()
        else:
            # Another process's refresh, as SQLite sees it: a connection holding the write lock.
            connection = sqlite3.connect(engine.url.database, isolation_level=None)
            connection.execute("BEGIN IMMEDIATE")
            holding.set()
            release.wait(30)
            connection.execute("ROLLBACK")
            connection.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert holding.wait(10)
        with pytest.raises(refresh.RefreshLocked):
            refresh.refresh()
        outcome["figures"] = snapshot()
    finally:
        release.set()
        holder.join()
        engine.dispose()
    assert outcome["figures"]["fact_stay"] == []
    # Once the other one has finished, a refresh goes through.
    assert refresh.refresh().status == "succeeded"


def test_cli_refresh_prints_progress_and_the_run(app, stays):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["warehouse", "refresh"])
    assert result.exit_code == 0, result.output
    assert "Warehouse refresh" in result.output and "3 stays read" in result.output and "(full" in result.output
    listing = runner.invoke(args=["warehouse", "runs"])
    assert "succeeded" in listing.output and "full" in listing.output


def test_cli_refresh_explains_a_lock(app, stays, monkeypatch):
    def locked(**options):
        raise refresh.RefreshLocked

    monkeypatch.setattr(refresh, "refresh", locked)
    result = app.test_cli_runner().invoke(args=["warehouse", "refresh"])
    assert result.exit_code == 1
    assert "Another warehouse refresh is running" in result.output and "Nothing was changed" in result.output


def test_incremental_refresh_reads_only_what_changed_since_the_last_one(stays, establishment):
    refresh.refresh()
    # As if the stays had been written two days ago, before the last run.
    db.session.execute(sa.update(Stay).values(updated_at=datetime.now(UTC) - timedelta(days=2)))
    db.session.commit()
    assert refresh.refresh().stays_read == 0
    stay = db.session.scalar(sa.select(Stay).where(Stay.arrival == day(-5)))
    # A late correction: the pair left a night later than recorded.
    stay.departure = day(-2)
    db.session.commit()
    again = refresh.refresh()
    assert again.stays_read == 1
    assert totals(month_figures()) == {"arrivals": 4, "same_day": 1, "nights": 3 * 2 + 2 * 3}


def test_guest_sums_by_place_are_rebuilt_for_every_month_when_missing(stays):
    refresh.refresh()
    before = snapshot()
    assert before["agg_guest_place_month"], "the sums by place were not written"
    # A warehouse migrated to the table has it empty: the next incremental run fills every month.
    execute(sa.delete(GuestsByPlace))
    db.session.commit()
    assert not refresh.refresh().full
    assert snapshot() == before


@pytest.mark.parametrize(("rows", "expected"), [
    ([(1, 7, 7)], 1),
    ([(2, 3, 9)], 2),
    ([(3, 3, 9)], 3),
    ([(1, 7, 7), (1, 7, 7)], 1),  # the same establishment in two months
    ([(2, 1, 2), (1, 1, 1), (1, 2, 2)], 2),
    ([(2, 1, 2), (2, 2, 3)], 3),  # {1, 2} and {2, 3}: each row has two, together three
    ([(1, 1, 1), (1, 2, 2), (1, 5, 5)], 3),
    ([(2, 4, 9), (2, 4, 9), (1, 9, 9)], 2),
    ([(1, 1, 1), (40, 1, 80)], 3),
])
def test_establishments_of_several_rows_are_counted_exactly_up_to_three(rows, expected):
    """Rows are (establishments, lowest id, highest id), as GuestsByPlace keeps them."""
    ids = set()
    for count, first, last in rows:
        ids = indicators.merge_contributors(ids, count, first, last)
    assert (indicators.COUNTED_ESTABLISHMENTS if ids is None else len(ids)) == expected
