"""An establishment's registration by its future manager, and the manager's profile page."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tourism.accounts import sessions
from tourism.extensions import db
from tourism.lodging import establishments
from tourism.lodging.blueprint import bp
from tourism.lodging.establishment_forms import EstablishmentForm, profile_data
from tourism.lodging.validation import ValidationError as InvalidFields
from tourism.map.assets import asset_url
from tourism.portal.models import PROVINCE_BOUNDS
from tourism.portal.services import localities


def _render(template: str, form: EstablishmentForm, **context):
    return render_template(
        template,
        form=form,
        leaflet_js=asset_url("leaflet"),
        leaflet_css=asset_url("leaflet_css"),
        bounds=PROVINCE_BOUNDS,
        **context,
    )


@bp.route("/register-establishment", methods=["GET", "POST"])
def profile_register():
    form = EstablishmentForm()
    form.fill_choices(localities())
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            establishment = establishments.register(user, form.values())
        except InvalidFields as invalid:
            form.show_errors(invalid.fields)
        else:
            # The role change ended every session of the account; this device carries on under a new one.
            sessions.end_current("role_changed")
            sessions.start(user)
            db.session.commit()
            flash(_("%(name)s is registered. The department will check the licence; until it is approved "
                    "the establishment is not listed and cannot check guests in. You are now its manager.",
                    name=establishment.name), "success")
            return redirect(url_for("lodging.profile_edit"))
    return _render("lodging/profile/register.html", form)


@bp.route("/profile", methods=["GET", "POST"])
def profile_edit():
    establishment = establishments.own_establishment(current_user)
    form = EstablishmentForm(data=profile_data(establishment))
    form.fill_choices(localities())
    if form.validate_on_submit():
        try:
            establishments.update_profile(establishment, form.values())
        except InvalidFields as invalid:
            db.session.rollback()
            form.show_errors(invalid.fields)
        else:
            flash(_("The profile is saved."), "success")
            return redirect(url_for("lodging.profile_edit"))
    return _render("lodging/profile/edit.html", form, establishment=establishment,
                   capacity=establishments.capacity(establishment))
