"""Place a guest's country in its UN Tourism (UNWTO) region and subregion."""

import json
from pathlib import Path

from flask_babel import lazy_gettext as _l

OTHER = "Other"
# region → subregion → space-separated ISO 3166-1 codes; covers tourism.lodging.validation.COUNTRIES.
REGIONS: dict[str, dict[str, str]] = {
    region: subregions
    for region, subregions in json.loads(
        (Path(__file__).parent / "data" / "unwto_regions.json").read_text(encoding="utf-8")
    ).items()
    if not region.startswith("_")
}
_BY_CODE = {
    code: (region, subregion)
    for region, subregions in REGIONS.items()
    for subregion, codes in subregions.items()
    for code in codes.split()
}

# The stored names stay English and stable; these are what a page shows. Written out so that
# pybabel extracts them.
_LABELS = {
    "Africa": _l("Africa"),
    "North Africa": _l("North Africa"),
    "Subsaharan Africa": _l("Subsaharan Africa"),
    "Americas": _l("Americas"),
    "North America": _l("North America"),
    "Caribbean": _l("Caribbean"),
    "Central America": _l("Central America"),
    "South America": _l("South America"),
    "Asia and the Pacific": _l("Asia and the Pacific"),
    "North-East Asia": _l("North-East Asia"),
    "South-East Asia": _l("South-East Asia"),
    "Oceania": _l("Oceania"),
    "South Asia": _l("South Asia"),
    "Europe": _l("Europe"),
    "Northern Europe": _l("Northern Europe"),
    "Western Europe": _l("Western Europe"),
    "Central/Eastern Europe": _l("Central/Eastern Europe"),
    "Southern/Mediterranean Europe": _l("Southern/Mediterranean Europe"),
    "Middle East": _l("Middle East"),
    OTHER: _l("Other"),
}


def region_of(code) -> tuple[str, str]:
    """Return a country's (region, subregion); ("Other", "Other") for anything unknown."""
    if not isinstance(code, str):
        return OTHER, OTHER
    return _BY_CODE.get(code.strip().upper(), (OTHER, OTHER))


def region_label(name: str):
    """Return the translatable label of a region or subregion name; an unknown name as it is."""
    return _LABELS.get(name, name)


def subregions(region: str) -> tuple[str, ...]:
    """Return a region's subregions in display order."""
    return tuple(REGIONS.get(region, ()))
