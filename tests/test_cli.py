"""The flask commands the README and the Makefile rely on."""

import sqlalchemy as sa

from tourism.extensions import db
from tourism.portal.models import Place


def test_demo_data_command_is_idempotent(app):
    runner = app.test_cli_runner()
    before = db.session.scalar(sa.select(sa.func.count(Place.id)))
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    assert f"{before} places" in result.output
    assert db.session.scalar(sa.select(sa.func.count(Place.id))) == before


def test_demo_data_if_empty_skips_a_filled_database(app):
    result = app.test_cli_runner().invoke(args=["demo-data", "--if-empty"])
    assert result.exit_code == 0
    assert "already has content" in result.output


def test_translate_compile_writes_catalogs(app):
    from pathlib import Path

    result = app.test_cli_runner().invoke(args=["translate", "compile"])
    assert result.exit_code == 0, result.output
    root = Path(app.config["BABEL_TRANSLATION_DIRECTORIES"])
    for locale in ("vi", "ko", "zh"):
        assert (root / locale / "LC_MESSAGES" / "messages.mo").stat().st_size > 1000
