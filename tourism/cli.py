"""Flask CLI commands: demo data and translation catalogs."""

import contextlib

import click
from babel.messages.frontend import CommandLineInterface
from flask import Flask

from tourism.config import ROOT
from tourism.core.permissions import ROLES
from tourism.i18n import LOCALES

TRANSLATIONS = ROOT / "translations"
POT_FILE = ROOT / "messages.pot"


def _pybabel(*args: str) -> None:
    # Run from the project root so catalogs record relative source locations.
    with contextlib.chdir(ROOT):
        CommandLineInterface().run(["pybabel", "-q", *args])


@click.command("demo-data")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has places.")
@click.option("--stays", type=click.IntRange(min=1), default=None,
              help="Also make a synthetic lodging history of this many stays in total (not in production).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the synthetic history.")
def demo_data_command(if_empty: bool, stays: int | None, seed: int):
    """Load the demo places, events, news and accounts (safe to run again)."""
    import sqlalchemy as sa
    from flask import current_app

    from tourism.accounts.demo import load_demo_accounts
    from tourism.extensions import db
    from tourism.portal.demo import load_demo_content
    from tourism.portal.models import Place

    if stays and current_app.config["PRODUCTION"]:
        # Refused before anything is loaded, so the command does all it was asked or nothing.
        raise click.ClickException("Production mode: synthetic stays (--stays) are never made where the site is public.")
    if if_empty and db.session.scalar(sa.select(sa.func.count(Place.id))):
        click.echo("The database already has content; demo data not loaded.")
        return
    counts = load_demo_content()
    # Demo establishments are content (the lodging directory and map), loaded even in production.
    from tourism.lodging.demo import load_demo_establishments

    counts["establishments"] = load_demo_establishments()
    # Ticketed tourist sites are content too; the demo site manager belongs to one.
    from tourism.sites.demo import load_demo_sites

    counts["sites"] = load_demo_sites()
    if current_app.config["PRODUCTION"]:
        # Their password is published in the README.
        click.echo("Production mode: demo accounts not created.")
    else:
        counts["accounts"] = load_demo_accounts()["accounts"]
        # Guests with made-up personal data: never where the site is public.
        from tourism.lodging.demo import load_demo_stays

        counts["stays"] = load_demo_stays()
    # Visit counts of the demo sites are made-up figures, but not personal data: loaded everywhere.
    from tourism.sites.demo import load_demo_visits

    counts["site days"] = load_demo_visits()
    click.echo(", ".join(f"{count} {name}" for name, count in counts.items()))
    if stays:
        _synthetic_history(stays, seed)


def _synthetic_history(stays: int, seed: int) -> None:
    """Top the synthetic lodging history up to `stays` stays, with a progress bar."""
    from tourism.lodging.history import HistoryError, generate_history

    with click.progressbar(length=stays, label="Synthetic stays", show_pos=True) as bar:
        shown = {"done": 0}

        def on_progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - shown["done"])
            shown["done"] = done

        try:
            counts = generate_history(stays, seed=seed, on_progress=on_progress)
        except HistoryError as error:
            raise click.ClickException(str(error.message)) from None
    rate = counts["stays_created"] / counts["seconds"] if counts["seconds"] else 0
    click.echo(
        f"Synthetic history {counts['first_day']} to {counts['last_day']}: {counts['establishments']} establishments "
        f"({counts['establishments_created']} new), {counts['rooms']} rooms, {counts['stays']} stays "
        f"({counts['stays_created']} new, {counts['guests_created']} guests) in {counts['seconds']:.1f} s "
        f"({rate:,.0f} stays/s)."
    )


@click.group("users")
def users_group():
    """Manage accounts."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--establishment", "establishment_slug", help="Slug of the establishment (lodging roles).")
@click.option("--site", "site_slug", help="Slug of the tourist site (site_manager).")
@click.option("--name", "display_name", default="", help="Display name (defaults to the email's local part).")
@click.option("--locale", default="vi", type=click.Choice(LOCALES))
@click.password_option(envvar="USER_PASSWORD", help="Password; prompted for unless USER_PASSWORD is set.")
def users_create(email, role, establishment_slug, site_slug, display_name, locale, password):
    """Create a confirmed account with any role."""
    from tourism.accounts.services import AccountError, create_user

    try:
        user = create_user(
            email, password, role, display_name=display_name, establishment_slug=establishment_slug,
            site_slug=site_slug, locale=locale,
        )
    except AccountError as error:
        raise click.BadParameter(str(error.message), param_hint=f"--{error.field}") from None
    click.echo(f"Created {user.email} ({user.role}) with id {user.id}.")


@click.group("translate")
def translate_group():
    """Extract, update and compile the UI translation catalogs."""


@translate_group.command("extract")
def translate_extract():
    """Extract UI strings from code and templates into messages.pot."""
    _pybabel(
        "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-k", "lazy_pgettext:1c,2", "--sort-by-file",
        "--project", "lam-dong-tourism", "-o", str(POT_FILE), ".",
    )


@translate_group.command("update")
def translate_update():
    """Extract, then merge new strings into every locale's catalog."""
    translate_extract.callback()
    _pybabel("update", "-i", str(POT_FILE), "-d", str(TRANSLATIONS), "--no-fuzzy-matching")


@translate_group.command("compile")
def translate_compile():
    """Compile every catalog into the .mo files Flask-Babel reads."""
    _pybabel("compile", "-d", str(TRANSLATIONS))


def init_app(app: Flask) -> None:
    """Register the commands on the app."""
    app.cli.add_command(demo_data_command)
    app.cli.add_command(translate_group)
    app.cli.add_command(users_group)
    from tourism.lodging.cli import lodging_group

    app.cli.add_command(lodging_group)
    from tourism.warehouse.cli import warehouse_group

    app.cli.add_command(warehouse_group)
    from tourism.sites.cli import sites_group

    app.cli.add_command(sites_group)
