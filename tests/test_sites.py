"""Tourist sites: form entry and correction, CSV upload, access, CLI commands and demo data."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import csrf_token
from tourism.accounts.models import User
from tourism.extensions import db
from tourism.sites import services, tokens
from tourism.sites.demo import load_demo_sites, load_demo_visits
from tourism.sites.models import Site, SiteToken, SiteVisitDay


@pytest.fixture
def site(app):
    """Langbiang: the demo site manager's site."""
    return db.session.scalar(sa.select(Site).where(Site.slug == "langbiang"))


@pytest.fixture
def other_site(app):
    return db.session.scalar(sa.select(Site).where(Site.slug == "thac-datanla"))


@pytest.fixture
def manager(app):
    return db.session.scalar(sa.select(User).where(User.email == "site@demo.lamdong.travel"))


def day(days_ago: int = 1):
    return services.today() - timedelta(days=days_ago)


def stored(site, on):
    db.session.expire_all()
    return services.visit_day(site, on)


# -- the service ---------------------------------------------------------------------------------

def test_demo_account_is_bound_to_langbiang(site, manager):
    assert manager.role == "site_manager" and manager.site_id == site.id
    assert site.place is not None and site.place.slug == "nui-langbiang"


def test_record_visits_inserts_then_a_correction_replaces_the_day(ctx, site, manager):
    row, created = services.record_visits(site, day(2), 1200, 150, 36_000_000, "form", manager)
    assert created and (row.visitors, row.international_visitors, row.revenue, row.source) == (1200, 150, 36_000_000, "form")
    first_update = row.updated_at
    again, created = services.record_visits(site, day(2).isoformat(), "1 300", "160", "39000000", "api", None)
    assert not created and again.id == row.id
    assert (again.visitors, again.international_visitors, again.revenue, again.source) == (1300, 160, 39_000_000, "api")
    assert again.updated_at >= first_update and again.reported_by_id is None
    count = db.session.scalar(sa.select(sa.func.count()).select_from(SiteVisitDay).where(SiteVisitDay.site_id == site.id))
    assert count == 1


@pytest.mark.parametrize("values, field", [
    ((None, 10, 1, 0), "date"),
    (("2026-02-30", 10, 1, 0), "date"),
    ("future", "date"),
    ("old", "date"),
    ((1, -1, 0, 0), "visitors"),
    ((1, "ten", 0, 0), "visitors"),
    ((1, 10.5, 0, 0), "visitors"),
    ((1, True, 0, 0), "visitors"),
    ((1, 10, 11, 0), "international_visitors"),
    ((1, 10, 1, -5), "revenue"),
    ((1, 10, 1, 10_000_000_000), "revenue"),
    ((1, 1_000_000, 1, 0), "visitors"),
])
def test_validation_names_the_field(ctx, site, manager, values, field):
    if values == "future":
        values = (services.today() + timedelta(days=1), 10, 1, 0)
    elif values == "old":
        values = (services.earliest_day() - timedelta(days=1), 10, 1, 0)
    elif isinstance(values[0], int):
        values = (day(values[0]), *values[1:])
    with pytest.raises(services.SiteError) as error:
        services.record_visits(site, *values, "form", manager)
    assert field in error.value.fields and str(error.value.fields[field])
    assert db.session.scalar(sa.select(sa.func.count(SiteVisitDay.id)).where(SiteVisitDay.site_id == site.id)) == 0


def test_oldest_allowed_day_and_today_are_accepted(ctx, site, manager):
    services.record_visits(site, services.earliest_day(), 0, 0, 0, "form", manager)
    services.record_visits(site, services.today(), 5, 5, 9_999_999_999, "form", manager)


def test_a_manager_cannot_report_for_another_site(ctx, other_site, manager):
    with pytest.raises(services.NotFound):
        services.record_visits(other_site, day(), 10, 1, 0, "form", manager)
    with pytest.raises(services.NotFound):
        services.site_for(manager, other_site.slug)


def test_database_refuses_impossible_figures(app, site):
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.add(SiteVisitDay(site_id=site.id, day=day(), visitors=5, international_visitors=6,
                                    revenue=0, source="form"))
        db.session.flush()


def test_site_manager_needs_a_site(ctx, site):
    from tourism.accounts.services import AccountError, create_user

    with pytest.raises(AccountError):
        create_user("nosite@example.com", "a-long-enough-password-1", "site_manager")
    with pytest.raises(AccountError):
        create_user("tourist-site@example.com", "a-long-enough-password-1", "tourist", site_slug=site.slug)
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.add(User(email="x@example.com", role="site_manager", locale="vi"))
        db.session.flush()


# -- the form ------------------------------------------------------------------------------------

def test_page_lists_the_last_14_days_with_missing_ones_to_enter(sign_in_as, site, manager):
    client = sign_in_as("site_manager")
    services.record_visits(site, day(3), 800, 80, 24_000_000, "form", manager)
    page = client.get("/en/sites/")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and site.name in body
    assert body.count("Not reported") == 13
    assert f'/en/sites/day/{day(5).isoformat()}' in body
    # The month's totals include the day reported, when it is this month.
    if day(3).month == services.today().month:
        assert "800" in body


def test_form_entry_and_correction(sign_in_as, site):
    client = sign_in_as("site_manager")
    on = day(4)
    response = client.post("/en/sites/", data={"csrf_token": csrf_token(client, "/en/sites/"), "day": on.isoformat(),
                                               "visitors": "1 500", "international_visitors": "200",
                                               "revenue": "45000000"})
    assert response.status_code == 302
    row = stored(site, on)
    assert (row.visitors, row.international_visitors, row.revenue, row.source) == (1500, 200, 45_000_000, "form")
    page = client.get(f"/en/sites/day/{on.isoformat()}")
    assert page.status_code == 200 and 'value="1500"' in page.get_data(as_text=True)
    response = client.post(f"/en/sites/day/{on.isoformat()}", data={
        "csrf_token": csrf_token(client, f"/en/sites/day/{on.isoformat()}"), "day": on.isoformat(),
        "visitors": "1600", "international_visitors": "210", "revenue": "48000000"})
    assert response.status_code == 302
    assert "Corrected" in client.get("/en/sites/").get_data(as_text=True)
    row = stored(site, on)
    assert (row.visitors, row.revenue) == (1600, 48_000_000)


def test_form_errors_are_shown_and_nothing_is_saved(sign_in_as, site):
    client = sign_in_as("site_manager")
    response = client.post("/en/sites/", data={"csrf_token": csrf_token(client, "/en/sites/"), "day": day().isoformat(),
                                               "visitors": "100", "international_visitors": "150", "revenue": "-1"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "International visitors cannot exceed all visitors." in body and "cannot be negative" in body
    assert stored(site, day()) is None


def test_form_messages_are_translated(sign_in_as, site):
    client = sign_in_as("site_manager")
    response = client.post("/vi/sites/", data={"csrf_token": csrf_token(client, "/vi/sites/"),
                                               "day": (services.today() + timedelta(days=3)).isoformat(),
                                               "visitors": "1", "international_visitors": "0", "revenue": "0"})
    assert response.status_code == 422
    assert 'lang="vi"' in response.get_data(as_text=True)


def test_day_out_of_range_is_404(sign_in_as):
    client = sign_in_as("site_manager")
    assert client.get(f"/en/sites/day/{(services.today() + timedelta(days=1)).isoformat()}").status_code == 404
    assert client.get("/en/sites/day/yesterday").status_code == 404
    assert client.get("/en/sites/day/1999-01-01").status_code == 404


def test_site_manager_cannot_see_another_site(sign_in_as, other_site, site):
    client = sign_in_as("site_manager")
    assert client.get(f"/en/sites/{other_site.slug}/").status_code == 404
    assert client.get(f"/en/sites/{site.slug}/").status_code == 200


def test_officer_sees_every_site_read_only(sign_in_as, other_site, manager, site, ctx):
    services.record_visits(site, day(), 321, 12, 1_000_000, "form", manager)
    client = sign_in_as("officer")
    listing = client.get("/en/sites/").get_data(as_text=True)
    assert site.name in listing and other_site.name in listing
    page = client.get(f"/en/sites/{site.slug}/")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "321" in body and "/en/sites/day/" not in body and 'name="visitors"' not in body
    assert client.get(f"/en/sites/day/{day().isoformat()}").status_code == 403


def test_other_roles_are_refused(sign_in_as):
    assert sign_in_as("tourist").get("/en/sites/").status_code == 403


# -- CSV -----------------------------------------------------------------------------------------

def upload(client, content: bytes, name="visits.csv"):
    import io

    token = csrf_token(client, "/en/sites/upload")
    return client.post("/en/sites/upload", data={"csrf_token": token, "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def test_csv_template_downloads_and_imports(sign_in_as, site):
    client = sign_in_as("site_manager")
    template = client.get("/en/sites/template.csv")
    assert template.status_code == 200 and template.mimetype == "text/csv"
    assert template.data.decode("utf-8-sig").splitlines()[0] == "date,visitors,international_visitors,revenue"
    response = upload(client, template.data)
    assert response.status_code == 302
    assert stored(site, day(1)).source == "csv" and stored(site, day(2)).visitors == 1200


def test_csv_good_file_with_a_correction(sign_in_as, site, manager, ctx):
    services.record_visits(site, day(3), 1, 0, 0, "form", manager)
    client = sign_in_as("site_manager")
    content = (f"date;visitors;international_visitors;revenue\n{day(3).isoformat()};900;90;27000000\n"
               f"{day(2).isoformat()};1000;100;30000000\n").encode()
    response = upload(client, content)
    assert response.status_code == 302
    assert "2 days (1 new" in client.get("/en/sites/").get_data(as_text=True)
    assert stored(site, day(3)).visitors == 900


def test_csv_errors_by_line_and_column_and_nothing_saved(sign_in_as, site):
    client = sign_in_as("site_manager")
    content = ("date,visitors,international_visitors,revenue\n"
               f"{day(5).isoformat()},100,10,3000000\n"
               f"{day(4).isoformat()},abc,10,3000000\n"
               f"{day(3).isoformat()},100,200,3000000\n"
               f"{(services.today() + timedelta(days=2)).isoformat()},1,0,0\n"
               f"{day(5).isoformat()},5,0,0\n").encode()
    response = upload(client, content)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was saved: 4 problems" in body
    for line, column in ((3, "visitors"), (4, "international_visitors"), (5, "date"), (6, "date")):
        assert f"<tr><td>{line}</td><td><code>{column}</code>" in body, (line, column)
    # All or nothing: the good first line was not stored either.
    assert stored(site, day(5)) is None


@pytest.mark.parametrize("content, message", [
    (b"day,visitors\n2026-01-01,1\n", "missing: date, international_visitors, revenue"),
    (b"", "The file is empty."),
    (b"date,visitors,international_visitors,revenue\n", "no rows"),
    (b"\xff\xfe\x00d\x00a", "binary data"),
    ("date,visitors,international_visitors,revenue\n".encode("utf-16"), "binary data"),
    (b"date,visitors,international_visitors,revenue\n\xe9t\xe9,1,1,1\n", "not UTF-8"),
])
def test_csv_bad_files(sign_in_as, content, message):
    response = upload(sign_in_as("site_manager"), content)
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_csv_upload_needs_a_file(sign_in_as):
    client = sign_in_as("site_manager")
    response = client.post("/en/sites/upload", data={"csrf_token": csrf_token(client, "/en/sites/upload")})
    assert response.status_code == 422 and "Choose a file to upload." in response.get_data(as_text=True)


def test_import_csv_is_refused_for_another_sites_manager(ctx, other_site, manager):
    with pytest.raises(services.NotFound):
        services.import_csv(other_site, b"date,visitors,international_visitors,revenue\n", manager)


# -- CLI -----------------------------------------------------------------------------------------

def test_cli_create_account_and_token(app, ctx):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sites", "create", "--slug", "thac-voi-test", "--name", "Thác Voi",
                                 "--area", "nam-ban-lam-ha", "--kind", "nature", "--place", "thac-voi"])
    assert result.exit_code == 0, result.output
    new = services.site_by_slug("thac-voi-test")
    assert new.place.slug == "thac-voi" and new.lat == new.place.lat
    duplicate = runner.invoke(args=["sites", "create", "--slug", "thac-voi-test", "--name", "x", "--area", "nam-ban-lam-ha"])
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
    unknown = runner.invoke(args=["sites", "create", "--slug", "x-test", "--name", "x", "--area", "atlantis"])
    assert unknown.exit_code != 0 and "--area" in unknown.output

    result = runner.invoke(args=["sites", "account", "--site", "thac-voi-test", "--email", "Voi@Example.com"])
    assert result.exit_code == 0, result.output
    assert "One-time password: " in result.output and "/account/reset/" in result.output
    user = db.session.scalar(sa.select(User).where(User.email == "voi@example.com"))
    assert user.role == "site_manager" and user.site_id == new.id
    password = result.output.split("One-time password: ")[1].split()[0]
    from tourism.accounts.services import authenticate

    assert authenticate("voi@example.com", password) is not None
    again = runner.invoke(args=["sites", "account", "--site", "thac-voi-test", "--email", "voi@example.com"])
    assert again.exit_code != 0 and "already exists" in again.output

    result = runner.invoke(args=["sites", "token", "--site", "thac-voi-test", "--name", "Ticket gate"])
    assert result.exit_code == 0
    token = result.output.strip()
    assert token.startswith("site_") and tokens.authenticate(token).id == new.id
    row = db.session.scalar(sa.select(SiteToken).where(SiteToken.site_id == new.id))
    assert row.token_hash != token and token.startswith(row.prefix)
    listed = runner.invoke(args=["sites", "tokens", "--site", "thac-voi-test"])
    assert row.prefix in listed.output and token not in listed.output
    revoked = runner.invoke(args=["sites", "revoke-token", "--site", "thac-voi-test", "--id", str(row.id)])
    assert revoked.exit_code == 0 and tokens.authenticate(token) is None
    assert runner.invoke(args=["sites", "token", "--site", "nowhere"]).exit_code != 0


def test_users_create_takes_a_site(app, ctx, site):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--email", "gate@example.com", "--role", "site_manager",
                                 "--site", site.slug], env={"USER_PASSWORD": "a-long-enough-password-1"})
    assert result.exit_code == 0, result.output
    missing = runner.invoke(args=["users", "create", "--email", "gate2@example.com", "--role", "site_manager"],
                            env={"USER_PASSWORD": "a-long-enough-password-1"})
    assert missing.exit_code != 0 and "--site" in missing.output


def test_backoffice_cannot_make_a_site_manager_without_a_site(ctx):
    from tourism.accounts.services import AccountError, find_by_email, update_account

    tourist = find_by_email("tourist@demo.lamdong.travel")
    with pytest.raises(AccountError):
        update_account(tourist, role="site_manager", establishment_slug=None, active=True)
    manager = find_by_email("site@demo.lamdong.travel")
    assert update_account(manager, role="tourist", establishment_slug=None, active=True)
    assert manager.site_id is None and manager.role == "tourist"


# -- demo ----------------------------------------------------------------------------------------

def test_demo_loads_a_year_of_plausible_visits_once(ctx):
    assert load_demo_sites() == 0  # loaded with the demo accounts already
    sites = db.session.scalars(sa.select(Site)).all()
    assert len(sites) >= 15
    assert sum(site.place_id is not None for site in sites) >= 15
    added = load_demo_visits()
    assert added == len(sites) * 365
    assert load_demo_visits() == 0  # idempotent
    first, last = db.session.execute(sa.select(sa.func.min(SiteVisitDay.day), sa.func.max(SiteVisitDay.day))).one()
    assert last == day(1) and (last - first).days == 364
    per_site = dict(db.session.execute(
        sa.select(Site.slug, sa.func.sum(SiteVisitDay.international_visitors) * 1.0 / sa.func.sum(SiteVisitDay.visitors))
        .join(SiteVisitDay).group_by(Site.slug)).all())
    assert all(0.04 <= share <= 0.45 for share in per_site.values()), per_site
    assert per_site["doi-cat-do-mui-ne"] > per_site["langbiang"]
    # Weekends are busier than weekdays.
    rows = db.session.execute(sa.select(SiteVisitDay.day, SiteVisitDay.visitors, SiteVisitDay.revenue)
                              .join(Site).where(Site.slug == "thac-datanla")).all()
    weekend = [v for d, v, _r in rows if d.weekday() >= 5]
    weekday = [v for d, v, _r in rows if d.weekday() < 5]
    assert sum(weekend) / len(weekend) > 1.4 * sum(weekday) / len(weekday)
    assert all(0.8 * 50000 * v <= r <= 50000 * v for _d, v, r in rows)


def test_demo_keeps_days_a_manager_reported(ctx, site, manager):
    services.record_visits(site, day(1), 7, 1, 70_000, "form", manager)
    load_demo_visits()
    row = stored(site, day(1))
    assert (row.visitors, row.source) == (7, "form")
