"""Check what a front desk, an import row or an API call says about a stay and its guests."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from babel import Locale
from flask_babel import gettext as _

from tourism.core.text import fold
from tourism.lodging.crypto import normalise_document
from tourism.lodging.errors import LodgingError
from tourism.lodging.models import DOCUMENT_TYPES, PURPOSES, SEXES

# Babel's territories include CLDR's regions and reserved codes; these are not ISO 3166-1 countries.
_NOT_COUNTRIES = {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}
COUNTRIES = frozenset(
    code for code in Locale("en").territories if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
)
# Vietnamese citizen ID (CCCD): 12 digits, the first three the province of birth registration (001–096).
NATIONAL_ID = re.compile(r"\d{12}")
# ICAO 9303 passport numbers: up to 9 characters; a few countries use letters and digits beyond that.
PASSPORT = re.compile(r"[A-Z0-9]{5,12}")
VIETNAMESE_PASSPORT = re.compile(r"[A-Z]\d{7}")
NAME_CHARACTERS = re.compile(r"[^\W\d_](?:[^\W\d_]|[ '’.\-])*", re.UNICODE)

# The oldest arrival a desk or an import may record (older stays would be purged already) and
# the furthest ahead: check-in records arrivals, it is not a booking engine.
MAX_PAST_DAYS = 3 * 366
MAX_FUTURE_DAYS = 1
MAX_STAY_DAYS = 366
OLDEST_BIRTH = date(1900, 1, 1)


class ValidationError(LodgingError):
    """Raised with every problem found, by field path, so nothing is half-saved."""

    code = "validation_failed"

    def __init__(self, fields: dict[str, str]):
        super().__init__(_("Some fields are not valid: %(fields)s.", fields=", ".join(fields)), fields)


@dataclass(frozen=True)
class GuestData:
    """A guest as validated: normalised, ready to be stored."""

    full_name: str
    birth_date: date
    sex: str
    nationality: str
    residence_country: str
    document_type: str
    document_number: str
    purpose: str

    @property
    def name_search(self) -> str:
        return fold(self.full_name)


def parse_date(value) -> date | None:
    """Read an ISO date (YYYY-MM-DD) or a date object; None when it is not one."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def check_dates(arrival, departure, today: date, errors: dict, prefix: str = "") -> tuple[date | None, date | None]:
    """Check an arrival and a departure; add messages to `errors` under their names."""
    arrival_date, departure_date = parse_date(arrival), parse_date(departure)
    if arrival_date is None:
        errors[prefix + "arrival"] = _("Enter the arrival date as YYYY-MM-DD.")
    elif arrival_date < today - timedelta(days=MAX_PAST_DAYS):
        errors[prefix + "arrival"] = _("The arrival date is too far in the past.")
    elif arrival_date > today + timedelta(days=MAX_FUTURE_DAYS):
        errors[prefix + "arrival"] = _("The arrival date cannot be in the future: check guests in when they arrive.")
    if departure_date is None:
        errors[prefix + "departure"] = _("Enter the departure date as YYYY-MM-DD.")
    elif arrival_date is not None and departure_date < arrival_date:
        errors[prefix + "departure"] = _("The departure date must be on or after the arrival date.")
    elif arrival_date is not None and departure_date > arrival_date + timedelta(days=MAX_STAY_DAYS):
        errors[prefix + "departure"] = _("A stay cannot be longer than %(days)s nights.", days=MAX_STAY_DAYS)
    return arrival_date, departure_date


def check_document(document_type: str, number: str, nationality: str) -> str | None:
    """Return what is wrong with a document number for its type, or None."""
    if document_type == "national_id":
        if not NATIONAL_ID.fullmatch(number):
            return _("A Vietnamese citizen ID has exactly 12 digits.")
        if not 1 <= int(number[:3]) <= 96:
            return _("A Vietnamese citizen ID starts with a province code from 001 to 096.")
        if nationality and nationality != "VN":
            return _("Only Vietnamese citizens have a Vietnamese citizen ID; use the passport.")
        return None
    if nationality == "VN" and not VIETNAMESE_PASSPORT.fullmatch(number):
        return _("A Vietnamese passport number is one letter and 7 digits.")
    if not PASSPORT.fullmatch(number):
        return _("A passport number has 5 to 12 letters and digits.")
    return None


def validate_guest(data, today: date, prefix: str = "") -> tuple[GuestData | None, dict[str, str]]:
    """Check one guest's fields; return the guest and no errors, or None and the errors by field."""
    if not isinstance(data, dict):
        return None, {prefix.rstrip("."): _("Each guest must be an object with the guest's fields.")}
    errors: dict[str, str] = {}
    full_name = " ".join(_text(data.get("full_name")).split())
    if not full_name:
        errors["full_name"] = _("Enter the guest's full name as on the document.")
    elif len(full_name) > 200 or not NAME_CHARACTERS.fullmatch(full_name):
        errors["full_name"] = _("A name has letters, spaces, hyphens and apostrophes only (at most 200).")
    birth_date = parse_date(data.get("birth_date"))
    if birth_date is None:
        errors["birth_date"] = _("Enter the birth date as YYYY-MM-DD.")
    elif birth_date > today:
        errors["birth_date"] = _("The birth date cannot be in the future.")
    elif birth_date < OLDEST_BIRTH:
        errors["birth_date"] = _("The birth date is too far in the past.")
    sex = _text(data.get("sex")).upper()
    if sex not in SEXES:
        errors["sex"] = _("Sex must be F, M or X.")
    nationality = _text(data.get("nationality")).upper()
    if nationality not in COUNTRIES:
        errors["nationality"] = _("Use the country's two-letter ISO 3166 code, such as VN or KR.")
    residence = _text(data.get("residence_country")).upper() or nationality
    if residence not in COUNTRIES:
        errors["residence_country"] = _("Use the country's two-letter ISO 3166 code, such as VN or KR.")
    document_type = _text(data.get("document_type")).lower()
    number = normalise_document(_text(data.get("document_number")))
    if document_type not in DOCUMENT_TYPES:
        errors["document_type"] = _("The document type must be national_id or passport.")
    elif not number:
        errors["document_number"] = _("Enter the document number.")
    else:
        problem = check_document(document_type, number, nationality if nationality in COUNTRIES else "")
        if problem:
            errors["document_number"] = problem
    purpose = _text(data.get("purpose")).lower() or "leisure"
    if purpose not in PURPOSES:
        errors["purpose"] = _("Unknown purpose. Use one of: %(choices)s.", choices=", ".join(PURPOSES))
    if errors:
        return None, {prefix + key: message for key, message in errors.items()}
    guest = GuestData(full_name, birth_date, sex, nationality, residence, document_type, number, purpose)
    return guest, {}


def validate_guests(guests, today: date) -> list[GuestData]:
    """Check a list of guests; raise ValidationError with every problem by `guests[i].field`."""
    if not isinstance(guests, list) or not guests:
        raise ValidationError({"guests": _("Add at least one guest.")})
    errors: dict[str, str] = {}
    valid = []
    seen = set()
    for index, data in enumerate(guests):
        guest, problems = validate_guest(data, today, prefix=f"guests[{index}].")
        errors.update(problems)
        if guest is None:
            continue
        identity = (guest.document_type, guest.nationality, guest.document_number)
        if identity in seen:
            errors[f"guests[{index}].document_number"] = _("The same document appears twice in this stay.")
        seen.add(identity)
        valid.append(guest)
    if errors:
        raise ValidationError(errors)
    return valid
