"""Back-office forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField


class UserForm(FlaskForm):
    role = SelectField(_l("Role"))
    establishment = SelectField(_l("Establishment"))
    active = BooleanField(_l("Account enabled"))
