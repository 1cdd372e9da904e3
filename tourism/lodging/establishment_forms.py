"""The establishment's registration and profile form, and the department's licensing form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField

from tourism.core.forms import PlainText, strip_text
from tourism.lodging.establishments import KIND_LABELS, PROFILE_FIELDS


def _line(label, limit: int, **render_kw):
    return StringField(label, filters=[strip_text], validators=[PlainText()],
                       render_kw={"maxlength": limit, **render_kw})


class EstablishmentForm(FlaskForm):
    """Everything the department needs to license a place to stay; the services check the values."""

    name = _line(_l("Name of the establishment"), 200, autocomplete="organization")
    kind = SelectField(_l("Type"), validate_choice=False)
    star_class = SelectField(_l("Star class"), validate_choice=False,
                             description=_l("Hotels and resorts only, as graded by the department."))
    licence_number = _line(_l("Business licence number"), 40, autocomplete="off", autocapitalize="characters")
    address = _line(_l("Street address"), 300, autocomplete="street-address")
    area_id = SelectField(_l("Ward or commune"), validate_choice=False)
    lat = _line(_l("Latitude"), 20, inputmode="decimal", autocomplete="off")
    lon = _line(_l("Longitude"), 20, inputmode="decimal", autocomplete="off")
    phone = _line(_l("Phone"), 40, type="tel", inputmode="tel", autocomplete="tel")
    email = _line(_l("Email address (optional)"), 254, type="email", inputmode="email", autocomplete="email")
    website = _line(_l("Website (optional)"), 300, type="url", inputmode="url", autocomplete="url")
    declared_rooms = _line(_l("Number of rooms"), 6, inputmode="numeric")
    declared_bed_places = _line(_l("Number of bed-places"), 7, inputmode="numeric",
                                description=_l("A single bed is one bed-place, a double bed two."))
    price_from = _line(_l("Typical price of a room-night, from (₫, optional)"), 11, inputmode="numeric")
    step_free = BooleanField(_l("Step-free access from the street to at least one room"))
    description = TextAreaField(_l("Description (optional)"), filters=[strip_text],
                                validators=[PlainText(multiline=True)], render_kw={"rows": 5, "maxlength": 5000})

    def fill_choices(self, localities) -> None:
        """Offer the types in the visitor's language and the areas grouped by locality."""
        self.kind.choices = [("", _l("Choose…"))] + [(key, label) for key, label in KIND_LABELS.items()]
        self.star_class.choices = [("", _l("None"))] + [(str(n), "★" * n) for n in range(1, 6)]
        groups = {}
        for locality in localities:
            groups[locality.t.name] = [(str(area.id), area.name) for area in locality.areas]
        self.area_id.choices = groups

    def values(self) -> dict:
        """Return the submitted values as the services take them."""
        return {name: getattr(self, name).data for name in PROFILE_FIELDS}

    def show_errors(self, fields: dict) -> None:
        """Put the services' field errors next to the fields."""
        for key, message in fields.items():
            field = getattr(self, key, None) or self.name
            field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]


def profile_data(establishment) -> dict:
    """Return an establishment's profile as the form's initial values."""
    data = {name: getattr(establishment, name) for name in PROFILE_FIELDS}
    for key in ("star_class", "area_id", "declared_rooms", "declared_bed_places", "price_from"):
        data[key] = "" if data[key] is None else str(data[key])
    for key in ("lat", "lon"):
        data[key] = "" if data[key] is None else f"{data[key]:.6f}".rstrip("0").rstrip(".")
    return data


class StatusForm(FlaskForm):
    """The department's decision on an establishment."""

    status = SelectField(_l("Decision"), validate_choice=False)
    reason = TextAreaField(_l("Reason (required to reject or suspend)"), filters=[strip_text],
                           validators=[PlainText(multiline=True)], render_kw={"rows": 3, "maxlength": 500})
