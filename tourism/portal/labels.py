"""Translated labels for the portal's fixed vocabularies."""

from babel.dates import format_interval, get_day_names
from babel.numbers import format_currency, format_decimal
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from tourism.i18n import current_locale

CATEGORY_LABELS = {
    "sights": _l("Sights"),
    "nature": _l("Nature"),
    "heritage": _l("Heritage & culture"),
    "food": _l("Food & drink"),
    "shopping": _l("Shopping"),
    "activities": _l("Activities"),
}

EVENT_KIND_LABELS = {
    "festival": _l("Festival"),
    "culture": _l("Culture"),
    "sport": _l("Sport"),
    "food": _l("Food"),
    "music": _l("Music"),
    "trade": _l("Fair"),
}

AREA_KIND_LABELS = {
    "ward": _l("ward"),
    "commune": _l("commune"),
    "special_zone": _l("special zone"),
}

CITY_LABELS = {"da-lat": _l("Da Lat"), "phan-thiet": _l("Phan Thiet")}


def weekday_span(days: list[int]) -> str:
    """Return "Mon–Fri" or "Sat" in the visitor's language."""
    names = get_day_names("abbreviated", locale=current_locale())
    if len(days) == 1:
        return names[days[0]]
    return f"{names[days[0]]}–{names[days[-1]]}"


def date_range(start, end) -> str:
    """Format a date range the way the visitor's language writes it."""
    if start == end:
        return format_date(start, "medium")
    return format_interval(start, end, "yMMMd", locale=current_locale())


def clock(hhmm: str) -> str:
    """Format an "HH:MM" opening time the way the visitor's locale writes times."""
    from datetime import time

    from babel.dates import format_time

    hours, minutes = (int(part) for part in hhmm.split(":"))
    if hours == 24:  # "24:00" closes at midnight
        hours = 0
    return format_time(time(hours, minutes), "short", locale=current_locale())


def money(amount: int) -> str:
    """Format an amount of Vietnamese đồng for the visitor's locale."""
    return format_currency(amount, "VND", locale=current_locale())


def number(value, digits: int = 1) -> str:
    """Format a decimal number for the visitor's locale."""
    return format_decimal(round(value, digits), locale=current_locale())


def template_helpers() -> dict:
    """Return the helpers the portal templates use."""
    return {
        "CATEGORY_LABELS": CATEGORY_LABELS,
        "EVENT_KIND_LABELS": EVENT_KIND_LABELS,
        "AREA_KIND_LABELS": AREA_KIND_LABELS,
        "CITY_LABELS": CITY_LABELS,
        "weekday_span": weekday_span,
        "date_range": date_range,
        "money": money,
        "clock": clock,
        "number": number,
    }
