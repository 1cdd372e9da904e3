"""The manager's API tokens: list them, make one (shown once), revoke one."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length

from tourism.extensions import db
from tourism.lodging import tokens
from tourism.lodging.blueprint import bp
from tourism.lodging.errors import NotFound
from tourism.lodging.models import Establishment


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[Length(max=80)],
        description=_l("Which software or computer uses it, such as “Front-desk PMS”."),
        render_kw={"autocomplete": "off", "maxlength": 80},
    )


class RevokeForm(FlaskForm):
    """Only the CSRF token: revoking changes state, so it is a POST."""


def _establishment() -> Establishment:
    establishment = db.session.get(Establishment, current_user.establishment_id or 0)
    if establishment is None:
        abort(404)
    return establishment


def _page(form: TokenForm, new_token: str | None = None, status: int = 200):
    establishment = _establishment()
    return render_template(
        "lodging/tokens/list.html",
        establishment=establishment,
        api_tokens=tokens.list_tokens(establishment.id),
        form=form,
        revoke_form=RevokeForm(),
        new_token=new_token,
    ), status


@bp.get("/tokens/")
def tokens_list():
    return _page(TokenForm())


@bp.post("/tokens/")
def tokens_create():
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, status=400 if form.csrf_token.errors else 422)
    _row, token = tokens.create_token(_establishment(), form.name.data, actor=current_user._get_current_object())
    # Shown on this page only (never flashed: the session cookie is signed, not encrypted).
    page, status = _page(TokenForm(formdata=None), new_token=token)
    return page, status, {"Cache-Control": "no-store"}


@bp.post("/tokens/<int:token_id>/revoke")
def tokens_revoke(token_id: int):
    form = RevokeForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        row = tokens.revoke_token(_establishment().id, token_id, actor=current_user._get_current_object())
    except NotFound:
        abort(404)
    flash(_("The token %(prefix)s… is revoked; software using it is refused from now on.", prefix=row.prefix),
          "success")
    return redirect(url_for("lodging.tokens_list"))
