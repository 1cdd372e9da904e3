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


def test_demo_data_creates_one_account_per_role(app):
    from tourism.accounts.models import User
    from tourism.core.permissions import ROLES

    result = app.test_cli_runner().invoke(args=["demo-data"])
    assert "0 accounts" in result.output  # already there: nothing added twice
    roles = db.session.scalars(sa.select(User.role).where(User.email.like("%@demo.lamdong.travel"))).all()
    assert sorted(roles) == sorted(ROLES)


def test_users_create(app):
    from tourism.accounts.models import User

    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "--email", "Front.Desk@Example.com", "--role", "lodging_staff",
              "--establishment", "doi-thong-homestay"],
        env={"USER_PASSWORD": "pine-hill-reception-desk"},
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "front.desk@example.com"))
    assert user.role == "lodging_staff" and user.establishment.slug == "doi-thong-homestay"
    assert user.email_confirmed_at is not None

    for args, password, problem in (
        (["--role", "lodging_staff"], "pine-hill-reception-desk", "--establishment"),
        (["--role", "officer", "--establishment", "doi-thong-homestay"], "pine-hill-reception-desk", "--establishment"),
        (["--role", "officer"], "short", "--password"),
        (["--role", "wizard"], "pine-hill-reception-desk", "--role"),
    ):
        result = runner.invoke(args=["users", "create", "--email", "other@example.com", *args],
                               env={"USER_PASSWORD": password})
        assert result.exit_code == 2 and problem in result.output, (args, result.output)
    assert db.session.scalar(sa.select(User).where(User.email == "other@example.com")) is None


def test_demo_data_checks_demo_guests_in_once(app):
    from tourism.lodging.models import Establishment, Stay

    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo-data"])
    assert first.exit_code == 0, first.output
    assert "4 stays" in first.output
    again = runner.invoke(args=["demo-data"])
    assert "0 stays" in again.output
    homestay = db.session.scalar(sa.select(Establishment.id).where(Establishment.slug == "doi-thong-homestay"))
    stays = db.session.scalars(sa.select(Stay).where(Stay.establishment_id == homestay)).all()
    assert len(stays) == 4 and sum(len(stay.guests) for stay in stays) == 9
