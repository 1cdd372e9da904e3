"""Account forms. Messages are ours, so they exist in all seven languages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from tourism.accounts.passwords import MAX_LENGTH
from tourism.core.forms import PlainText, strip_text
from tourism.i18n import LOCALES, language_tag, native_name

REQUIRED = _l("This field is required.")


def email_field(label=None):
    return EmailField(
        label or _l("Email address"),
        filters=[strip_text],
        validators=[
            DataRequired(REQUIRED),
            Length(max=254, message=_l("Use at most %(max)d characters.")),
            Email(_l("Enter a valid email address, like name@example.com."), check_deliverability=False),
        ],
        render_kw={"autocomplete": "email", "maxlength": 254},
    )


def password_field(label, autocomplete: str):
    # Length is checked by the password rules (new passwords) or not at all (sign-in),
    # but the browser still gets a bound.
    return PasswordField(
        label,
        validators=[DataRequired(REQUIRED), Length(max=MAX_LENGTH, message=_l("Use at most %(max)d characters."))],
        render_kw={"autocomplete": autocomplete, "maxlength": MAX_LENGTH},
    )


def display_name_field():
    return StringField(
        _l("Display name"),
        filters=[strip_text],
        validators=[
            DataRequired(REQUIRED),
            Length(min=2, max=80, message=_l("Use between %(min)d and %(max)d characters.")),
            PlainText(),
        ],
        description=_l("Shown with your posts and reviews."),
        render_kw={"autocomplete": "nickname", "maxlength": 80},
    )


def locale_field():
    # Each language is named in itself, and marked so screen readers pronounce it that way.
    choices = [SelectChoice(code, native_name(code), {"lang": language_tag(code)}) for code in LOCALES]
    return SelectField(_l("Language"), choices=choices)


class SignUpForm(FlaskForm):
    email = email_field()
    display_name = display_name_field()
    password = password_field(_l("Password"), "new-password")
    locale = locale_field()


class SignInForm(FlaskForm):
    email = email_field()
    password = password_field(_l("Password"), "current-password")
    remember = BooleanField(_l("Keep me signed in on this device"))


class EmailForm(FlaskForm):
    email = email_field()


class ResetPasswordForm(FlaskForm):
    password = password_field(_l("New password"), "new-password")
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(REQUIRED), EqualTo("password", _l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password", "maxlength": MAX_LENGTH},
    )


class ChangePasswordForm(ResetPasswordForm):
    current_password = password_field(_l("Current password"), "current-password")


class ProfileForm(FlaskForm):
    display_name = display_name_field()
    locale = locale_field()


class DeleteAccountForm(FlaskForm):
    password = password_field(_l("Password"), "current-password")
    confirm = BooleanField(
        _l("I understand that my account and personal data will be erased."),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )


class EmptyForm(FlaskForm):
    """A form with nothing but its CSRF token, for buttons that change state."""
