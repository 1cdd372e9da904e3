"""Flask CLI commands: demo data and translation catalogs."""

import contextlib

import click
from babel.messages.frontend import CommandLineInterface
from flask import Flask

from tourism.config import ROOT

TRANSLATIONS = ROOT / "translations"
POT_FILE = ROOT / "messages.pot"


def _pybabel(*args: str) -> None:
    # Run from the project root so catalogs record relative source locations.
    with contextlib.chdir(ROOT):
        CommandLineInterface().run(["pybabel", "-q", *args])


@click.command("demo-data")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has places.")
def demo_data_command(if_empty: bool):
    """Load the demo places, events and news (safe to run again)."""
    import sqlalchemy as sa

    from tourism.extensions import db
    from tourism.portal.demo import load_demo_content
    from tourism.portal.models import Place

    if if_empty and db.session.scalar(sa.select(sa.func.count(Place.id))):
        click.echo("The database already has content; demo data not loaded.")
        return
    counts = load_demo_content()
    click.echo(", ".join(f"{count} {name}" for name, count in counts.items()))


@click.group("translate")
def translate_group():
    """Extract, update and compile the UI translation catalogs."""


@translate_group.command("extract")
def translate_extract():
    """Extract UI strings from code and templates into messages.pot."""
    _pybabel(
        "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "--sort-by-file",
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
