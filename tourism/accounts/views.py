"""Account pages under /<locale>/account/."""

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tourism.accounts import forms, services
from tourism.accounts.services import AccountError
from tourism.accounts.sessions import open_sessions
from tourism.accounts.tokens import read_token
from tourism.core.pages import safe_next
from tourism.extensions import limiter
from tourism.i18n import current_locale

bp = Blueprint("accounts", __name__, url_prefix="/<lang:locale>/account")


def _limit(setting: str):
    return lambda: current_app.config[setting]


def _submitted_email() -> str:
    """Key a limit to the account a form names, so one address cannot be hammered from many IPs."""
    return "email:" + services.normalise_email(request.form.get("email", ""))[:254]


def _field_error(form, error: AccountError) -> None:
    field = getattr(form, error.field, None)
    if field is not None:
        field.errors.append(error.message)
    else:
        flash(str(error.message), "danger")


def _after_sign_in():
    target = safe_next(request.args.get("next"))
    return redirect(target or url_for("accounts.profile"))


@bp.route("/sign-up", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_SIGN_UP"), methods=["POST"])
def sign_up():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.profile"))
    form = forms.SignUpForm(locale=current_locale())
    if form.validate_on_submit():
        try:
            services.sign_up(form.email.data, form.password.data, form.display_name.data, form.locale.data)
        except AccountError as error:
            _field_error(form, error)
        else:
            return render_template("accounts/check_email.html", email=form.email.data)
    return render_template("accounts/sign_up.html", form=form)


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_SIGN_IN_IP"), methods=["POST"])
@limiter.limit(_limit("RATELIMIT_SIGN_IN_ACCOUNT"), methods=["POST"], key_func=_submitted_email)
def sign_in():
    if current_user.is_authenticated:
        return _after_sign_in()
    form = forms.SignInForm()
    unconfirmed = False
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            # One message for a wrong password and an unknown address alike.
            flash(_("The email address or password is not correct."), "danger")
        elif user.email_confirmed_at is None:
            unconfirmed = True
        else:
            services.sign_in(user, remember=form.remember.data)
            return _after_sign_in()
    return render_template("accounts/sign_in.html", form=form, unconfirmed=unconfirmed)


@bp.post("/sign-out")
def sign_out():
    if current_user.is_authenticated:
        services.sign_out(current_user._get_current_object())
        flash(_("You have signed out."), "info")
    return redirect(url_for("portal.home"))


@bp.get("/confirm/<token>")
def confirm_email(token: str):
    user = services.confirm_email(token)
    if user is None:
        flash(_("This confirmation link is invalid, expired or already used."), "warning")
        return redirect(url_for("accounts.resend_confirmation"))
    flash(_("Your email address is confirmed. You can sign in now."), "success")
    return redirect(url_for("accounts.sign_in"))


@bp.route("/confirm", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_EMAIL"), methods=["POST"])
@limiter.limit(_limit("RATELIMIT_EMAIL"), methods=["POST"], key_func=_submitted_email)
def resend_confirmation():
    form = forms.EmailForm()
    if form.validate_on_submit():
        services.resend_confirmation(form.email.data)
        return render_template("accounts/check_email.html", email=form.email.data)
    return render_template(
        "accounts/email_form.html",
        form=form,
        title=_("Confirm your email address"),
        intro=_("Enter your email address and we will send a new confirmation link."),
    )


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_EMAIL"), methods=["POST"])
@limiter.limit(_limit("RATELIMIT_EMAIL"), methods=["POST"], key_func=_submitted_email)
def forgot_password():
    form = forms.EmailForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        return render_template("accounts/check_email.html", email=form.email.data, reset=True)
    return render_template(
        "accounts/email_form.html",
        form=form,
        title=_("Forgot your password?"),
        intro=_("Enter your email address and we will send a link to choose a new password."),
    )


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_EMAIL"), methods=["POST"])
def reset_password(token: str):
    if read_token("reset", token) is None:
        flash(_("This reset link is invalid, expired or already used. Ask for a new one."), "warning")
        return redirect(url_for("accounts.forgot_password"))
    form = forms.ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except AccountError as error:
            _field_error(form, error)
        else:
            flash(_("Your password is changed. Sign in with the new one."), "success")
            return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/", methods=["GET", "POST"])
def profile():
    user = current_user._get_current_object()
    form = forms.ProfileForm(obj=user)
    if form.validate_on_submit():
        services.update_profile(user, form.display_name.data, form.locale.data)
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("accounts.profile", locale=user.locale))
    return render_template(
        "accounts/profile.html",
        form=form,
        sessions=open_sessions(user),
        current_session=g.get("account_session"),
        end_form=forms.EmptyForm(),
    )


@bp.route("/password", methods=["GET", "POST"])
def change_password():
    form = forms.ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user._get_current_object(), form.current_password.data, form.password.data)
        except AccountError as error:
            _field_error(form, error)
        else:
            flash(_("Your password is changed. Other devices have been signed out."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_password.html", form=form)


@bp.post("/sessions/<int:session_id>/end")
def end_session(session_id: int):
    form = forms.EmptyForm()
    if form.validate_on_submit() and services.end_other_session(current_user._get_current_object(), session_id):
        flash(_("That device has been signed out."), "success")
    return redirect(url_for("accounts.profile"))


@bp.route("/delete", methods=["GET", "POST"])
def delete_account():
    form = forms.DeleteAccountForm()
    if form.validate_on_submit():
        try:
            services.delete_account(current_user._get_current_object(), form.password.data)
        except AccountError as error:
            _field_error(form, error)
        else:
            flash(_("Your account has been deleted."), "info")
            return redirect(url_for("portal.home"))
    return render_template("accounts/delete_account.html", form=form)


@bp.app_context_processor
def inject_role_labels():
    from tourism.accounts.labels import ROLE_LABELS

    return {"ROLE_LABELS": ROLE_LABELS}
