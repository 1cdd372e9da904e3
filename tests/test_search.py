"""Accent- and case-insensitive search with highlighted snippets."""

import pytest

from tourism.core.text import fold, highlight, search_terms
from tourism.portal import services


@pytest.mark.parametrize(
    "text, folded",
    [
        ("Đà Lạt", "da lat"),
        ("DA LAT", "da lat"),
        ("hồ xuân hương", "ho xuan huong"),
        ("Hồ  Xuân\tHương", "ho xuan huong"),
        ("đường hầm đất sét", "duong ham dat set"),
        ("Ðắk Nông", "dak nong"),  # U+00D0, the look-alike of Đ
        ("Mũi Né", "mui ne"),
        ("달랏", "달랏"),
        ("ＤＡ ＬＡＴ", "da lat"),  # full-width letters, as CJK keyboards type them
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


def test_search_terms_are_bounded():
    assert search_terms("x " * 10_000) == ["x"]
    assert len(search_terms(" ".join(f"w{i}" for i in range(50)))) == 8
    assert search_terms("%_\\") == []


def test_highlight_marks_original_text():
    snippet = str(highlight("Hồ Xuân Hương ở Đà Lạt", ["xuan", "da", "lat"]))
    assert "<mark>Xuân</mark>" in snippet
    assert "<mark>Đà</mark> <mark>Lạt</mark>" in snippet or "<mark>Đà Lạt</mark>" in snippet


def test_highlight_escapes_html():
    snippet = str(highlight("<script>alert(1)</script> Đà Lạt", ["lat"]))
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet


def _found(query, locale="en"):
    _, results = services.search(query, locale)
    return {kind: {hit.item.slug for hit in hits} for kind, hits in results.items()}


@pytest.mark.parametrize("locale", ["en", "vi", "ko"])
def test_da_lat_spellings_find_the_same(ctx, locale):
    plain, accented, upper = _found("da lat", locale), _found("Đà Lạt", locale), _found("DA LAT", locale)
    assert plain == accented == upper
    assert plain["place"] and plain["event"] and plain["news"]


def test_ho_xuan_huong_spellings_find_the_same(ctx):
    assert _found("ho xuan huong") == _found("hồ xuân hương")
    assert "ho-xuan-huong" in _found("hồ xuân hương")["place"]


def test_search_finds_content_in_the_page_locale(ctx):
    import sqlalchemy as sa

    from tourism.extensions import db
    from tourism.portal.models import Place, PlaceTranslation

    korean = db.session.scalar(
        sa.select(PlaceTranslation.name).join(Place).where(Place.slug == "ho-xuan-huong", PlaceTranslation.locale == "ko")
    )
    assert "ho-xuan-huong" in _found(korean, "ko")["place"]


def test_search_without_match_or_with_wildcards(ctx):
    assert _found("zzzzqqqq") == {"place": set(), "event": set(), "news": set()}
    assert _found("%") == {"place": set(), "event": set(), "news": set()}
    assert _found("_") == {"place": set(), "event": set(), "news": set()}


def test_search_page_highlights(client):
    html = client.get("/vi/search?q=da+lat").get_data(as_text=True)
    assert "<mark>" in html
    assert "kết quả" in html


def test_search_page_escapes_query(client):
    html = client.get("/en/search", query_string={"q": '<img src=x onerror=alert(1)>'}).get_data(as_text=True)
    assert "<img src=x" not in html
