"""Localized names of roles."""

from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "tourist": _l("Tourist"),
    "lodging_staff": _l("Lodging staff"),
    "lodging_manager": _l("Lodging manager"),
    "site_manager": _l("Tourist site manager"),
    "officer": _l("Department officer"),
    "admin": _l("Administrator"),
}
