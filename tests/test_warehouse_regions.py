"""UN Tourism regions for every country a stay may record."""

import pytest
from flask_babel import LazyString, force_locale

from tourism.lodging.validation import COUNTRIES
from tourism.warehouse import regions
from tourism.warehouse.regions import OTHER, REGIONS, region_label, region_of

SUBREGIONS = {
    "Africa": {"North Africa", "Subsaharan Africa"},
    "Americas": {"North America", "Caribbean", "Central America", "South America"},
    "Asia and the Pacific": {"North-East Asia", "South-East Asia", "South Asia", "Oceania"},
    "Europe": {"Northern Europe", "Western Europe", "Central/Eastern Europe", "Southern/Mediterranean Europe"},
    "Middle East": {"Middle East"},
}


def test_every_accepted_country_has_a_real_region():
    placed = {code: region_of(code) for code in COUNTRIES}
    assert [code for code, place in placed.items() if OTHER in place] == []
    for region, subregion in placed.values():
        assert subregion in SUBREGIONS[region]


def test_the_regions_are_unwto_s_and_hold_only_accepted_codes_once():
    assert {region: set(subs) for region, subs in REGIONS.items()} == SUBREGIONS
    codes = [code for subs in REGIONS.values() for listed in subs.values() for code in listed.split()]
    assert len(codes) == len(set(codes))
    assert set(codes) == COUNTRIES


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("KR", ("Asia and the Pacific", "North-East Asia")),
        ("CN", ("Asia and the Pacific", "North-East Asia")),
        ("TW", ("Asia and the Pacific", "North-East Asia")),
        ("TH", ("Asia and the Pacific", "South-East Asia")),
        ("VN", ("Asia and the Pacific", "South-East Asia")),
        ("AU", ("Asia and the Pacific", "Oceania")),
        ("IN", ("Asia and the Pacific", "South Asia")),
        ("IR", ("Asia and the Pacific", "South Asia")),
        ("FR", ("Europe", "Western Europe")),
        ("GB", ("Europe", "Northern Europe")),
        ("RU", ("Europe", "Central/Eastern Europe")),
        ("IL", ("Europe", "Southern/Mediterranean Europe")),
        ("TR", ("Europe", "Southern/Mediterranean Europe")),
        ("US", ("Americas", "North America")),
        ("BM", ("Americas", "Caribbean")),
        ("BR", ("Americas", "South America")),
        ("EG", ("Middle East", "Middle East")),
        ("LY", ("Middle East", "Middle East")),
        ("MA", ("Africa", "North Africa")),
        ("ZA", ("Africa", "Subsaharan Africa")),
    ],
)
def test_spot_checks(code, expected):
    assert region_of(code) == expected


@pytest.mark.parametrize("code", [None, 84, "", "  ", "XK", "ZZ", "EU", "VNM", "vn ", "Việt Nam"])
def test_region_of_never_raises(code):
    place = region_of(code)
    if code == "vn ":
        assert place == ("Asia and the Pacific", "South-East Asia")
    else:
        assert place == (OTHER, OTHER)


def test_every_name_has_a_lazy_label(app):
    names = set(SUBREGIONS) | {sub for subs in SUBREGIONS.values() for sub in subs} | {OTHER}
    assert names == set(regions._LABELS)
    for name in names:
        assert isinstance(region_label(name), LazyString)
    with app.test_request_context("/en/"), force_locale("en"):
        assert str(region_label("North-East Asia")) == "North-East Asia"
    assert region_label("Atlantis") == "Atlantis"
