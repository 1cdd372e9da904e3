"""UI catalogs, locale formatting and content fallback."""

from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tourism.i18n import LOCALES, country_name, pick_translation
from tourism.portal.labels import date_range, money

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
REQUIRED_COMPLETENESS = {"vi": 1.0, "en": 1.0}
OTHER_COMPLETENESS = 0.95


def catalog(locale):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=locale)


def completeness(locale) -> tuple[float, list[str]]:
    messages = [m for m in catalog(locale) if m.id]
    missing = []
    for message in messages:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return 1 - len(missing) / len(messages), missing


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_completeness(locale):
    ratio, missing = completeness(locale)
    required = REQUIRED_COMPLETENESS.get(locale, OTHER_COMPLETENESS)
    assert ratio >= required, f"{locale}: {ratio:.1%} translated, missing {missing[:10]}"


def test_catalogs_cover_every_string_in_the_code(tmp_path):
    """Each catalog holds every msgid the code and templates use (no stale catalog)."""
    from babel.messages.frontend import CommandLineInterface

    root = TRANSLATIONS.parent
    pot = tmp_path / "messages.pot"
    CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", str(root / "babel.cfg"), "-k", "_l", "-o", str(pot), str(root)]
    )
    with open(pot, "rb") as handle:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    for locale in LOCALES:
        have = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog(locale) if m.id}
        assert not wanted - have, f"{locale} lacks {sorted(wanted - have)[:10]}; run `flask translate update`"


@pytest.mark.parametrize(
    "locale, text",
    [("en", "Places"), ("vi", "Địa điểm"), ("ko", "명소"), ("ja", "スポット"), ("fr", "Lieux")],
)
def test_ui_is_translated(client, locale, text):
    assert text in client.get(f"/{locale}/").get_data(as_text=True)


def test_dates_and_money_are_formatted_for_the_locale(app):
    start, end = date(2026, 12, 18), date(2026, 12, 22)
    expected = {
        "en": ("Dec", "₫"),
        "fr": ("déc", "₫"),
        "ru": ("дек", "₫"),
        "ja": ("12月", "₫"),
        "vi": ("thg 12", "₫"),
    }
    for locale, (month, currency) in expected.items():
        with app.test_request_context(f"/{locale}/"):
            from flask import g

            g.locale = locale
            assert month in date_range(start, end)
            assert currency in money(150000)
    with app.test_request_context("/fr/"):
        from flask import g

        g.locale = "fr"
        assert money(150000).replace("\u202f", " ").replace("\xa0", " ").startswith("150 000")


def test_country_names_come_from_babel():
    assert country_name("KR", "vi") == "Hàn Quốc"
    assert country_name("VN", "ja") == "ベトナム"
    assert country_name("FR", "ru") == "Франция"


class Row:
    def __init__(self, locale, **fields):
        self.locale = locale
        self.__dict__.update(fields)


def test_translation_fallback_order():
    rows = [
        Row("vi", name="Hồ Xuân Hương", summary="Hồ", description="Mô tả"),
        Row("en", name="Xuan Huong Lake", summary="Lake", description=""),
        Row("ko", name="쑤언흐엉 호수", summary="", description=""),
    ]
    t = pick_translation(rows, ("name", "summary", "description"), "ko")
    assert (t.name, t.lang("name"), t.is_fallback("name")) == ("쑤언흐엉 호수", "ko", False)
    assert (t.summary, t.lang("summary"), t.is_fallback("summary")) == ("Lake", "en", True)
    assert (t.description, t.lang("description")) == ("Mô tả", "vi")
    assert t.fallback_language("summary") == "영어"


def test_opening_hours_use_the_locale_clock(app, client, db):
    import sqlalchemy as sa

    from tourism.portal.models import Place

    place = db.session.scalar(sa.select(Place).where(Place.opening_hours.is_not(None)).order_by(Place.slug).limit(1))
    english = client.get(f"/en/places/{place.slug}").get_data(as_text=True)
    vietnamese = client.get(f"/vi/places/{place.slug}").get_data(as_text=True)
    assert "AM" in english or "PM" in english
    assert "AM" not in vietnamese and "PM" not in vietnamese
