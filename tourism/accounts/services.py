"""Account operations. Views, the CLI and the demo loader all go through these."""

import sqlalchemy as sa
from flask import render_template, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from tourism.accounts import sessions
from tourism.accounts.models import AccountSession, User
from tourism.accounts.passwords import check_password, hash_password, password_problem
from tourism.accounts.tokens import make_token, read_token
from tourism.core import audit
from tourism.core.database import utcnow
from tourism.core.mail import send_mail
from tourism.core.permissions import ESTABLISHMENT_ROLES, ROLES, SITE_ROLES
from tourism.extensions import db
from tourism.i18n import DEFAULT_LOCALE, LOCALES
from tourism.lodging.models import Establishment
from tourism.sites.models import Site


class AccountError(ValueError):
    """A request the account rules refuse, naming the field at fault."""

    def __init__(self, field: str, message):
        super().__init__(str(message))
        self.field = field
        self.message = message


def normalise_email(email: str) -> str:
    """Return the form an email address is stored and looked up in."""
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    """Return the live account with this address, if any."""
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def _send(user: User, template: str, subject, **context) -> None:
    # Mail goes out in the language the person chose, whatever page they were on.
    with force_locale(user.locale):
        body = render_template(f"accounts/mail/{template}.txt", user=user, **context)
        send_mail(user.email, str(subject), body)


def _link(endpoint: str, user: User, **values) -> str:
    return url_for(endpoint, locale=user.locale, _external=True, **values)


def _check_new_password(password: str, email: str | None, name: str | None) -> None:
    problem = password_problem(password, email=email, name=name)
    if problem:
        raise AccountError("password", problem)


def sign_up(email: str, password: str, display_name: str, locale: str) -> User | None:
    """Register a tourist and mail a confirmation link; an existing address gets a notice instead."""
    email = normalise_email(email)
    _check_new_password(password, email, display_name)
    existing = find_by_email(email)
    if existing is not None:
        # Same answer on screen as a new sign-up, in about the same time (one hash); only the
        # owner of the address learns more.
        hash_password(password)
        if existing.is_active:
            _send(existing, "already_registered", _l("Your Lâm Đồng Tourism account"),
                  sign_in_url=_link("accounts.sign_in", existing),
                  reset_url=_link("accounts.forgot_password", existing))
            db.session.commit()
        return None
    user = User(
        email=email,
        password_hash=hash_password(password),
        display_name=display_name,
        locale=locale if locale in LOCALES else DEFAULT_LOCALE,
        role="tourist",
        password_changed_at=utcnow(),
    )
    db.session.add(user)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        # Two sign-ups for one address at the same moment: the other one won.
        db.session.rollback()
        return None
    audit.record("sign_up", actor=user, target=user)
    send_confirmation(user)
    db.session.commit()
    return user


def send_confirmation(user: User) -> None:
    """Mail a fresh confirmation link to an account whose address is not yet confirmed."""
    token = make_token("confirm", user)
    _send(user, "confirm", _l("Confirm your email address"),
          confirm_url=_link("accounts.confirm_email", user, token=token))


def resend_confirmation(email: str) -> None:
    """Mail a new confirmation link when the address has an unconfirmed account."""
    user = find_by_email(email)
    if user is not None and user.is_active and user.email_confirmed_at is None:
        send_confirmation(user)
        db.session.commit()


def confirm_email(token: str) -> User | None:
    """Confirm the address a token was sent to; the token then stops working."""
    user = read_token("confirm", token)
    if user is None or user.email_confirmed_at is not None:
        return None
    user.email_confirmed_at = utcnow()
    audit.record("email_confirmed", actor=user, target=user)
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """Return the account these credentials open, recording a failure in the audit log."""
    user = find_by_email(email)
    ok = check_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        audit.record("sign_in_failed", actor=user, target=user, subject=normalise_email(email)[:254])
        db.session.commit()
        return None
    return user


def sign_in(user: User, remember: bool = False) -> None:
    """Start a new session for an authenticated, confirmed account."""
    sessions.start(user, remember=remember)
    user.last_sign_in_at = utcnow()
    audit.record("sign_in", actor=user, target=user, details={"remember": remember})
    db.session.commit()


def sign_out(user: User) -> None:
    """End this device's session."""
    audit.record("sign_out", actor=user, target=user)
    sessions.end_current()
    db.session.commit()


def request_password_reset(email: str) -> None:
    """Mail a reset link when the address has an account; say nothing either way."""
    user = find_by_email(email)
    if user is None or not user.is_active:
        return
    token = make_token("reset", user)
    _send(user, "reset", _l("Reset your password"),
          reset_url=_link("accounts.reset_password", user, token=token))
    audit.record("password_reset_requested", actor=user, target=user)
    db.session.commit()


def reset_password(token: str, password: str) -> User | None:
    """Set a new password from a reset token and end every session of the account."""
    user = read_token("reset", token)
    if user is None:
        return None
    _check_new_password(password, user.email, user.display_name)
    _set_password(user, password)
    # Following the emailed link proves the address, too.
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    sessions.end_all(user, "password_reset")
    audit.record("password_reset", actor=user, target=user)
    db.session.commit()
    return user


def _set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()


def change_password(user: User, current: str, new: str) -> None:
    """Replace a password after checking the current one; other devices are signed out."""
    if not check_password(user.password_hash, current):
        raise AccountError("current_password", _l("The current password is not correct."))
    _check_new_password(new, user.email, user.display_name)
    _set_password(user, new)
    sessions.end_all(user, "password_changed")
    audit.record("password_changed", actor=user, target=user)
    # This device carries on, but under a new session: copies of the old cookie stop working.
    sessions.end_current("password_changed")
    sessions.start(user, remember=False)
    db.session.commit()


def update_profile(user: User, display_name: str, locale: str) -> None:
    """Save the name others see and the language the site and its mail use."""
    user.display_name = display_name
    user.locale = locale if locale in LOCALES else user.locale
    db.session.commit()


def end_other_session(user: User, session_id: int) -> bool:
    """End one of the user's own sessions on another device."""
    record = db.session.get(AccountSession, session_id)
    if record is None or record.user_id != user.id or record.ended_at is not None:
        return False
    record.ended_at = utcnow()
    record.end_reason = "ended_by_user"
    db.session.commit()
    return True


def _active_admins() -> int:
    query = sa.select(sa.func.count(User.id)).where(
        User.role == "admin", User.active.is_(True), User.deleted_at.is_(None)
    )
    return db.session.scalar(query)


def delete_account(user: User, password: str) -> None:
    """Erase a person's data; their public posts stay, shown as an anonymous author."""
    if not check_password(user.password_hash, password):
        raise AccountError("password", _l("The password is not correct."))
    if user.role == "admin" and _active_admins() <= 1:
        raise AccountError("password", _l("The last administrator cannot delete their account."))
    sessions.end_all(user, "account_deleted")
    # The row stays (pseudonymous) so posts and the audit log keep a valid author id.
    user.email = None
    user.password_hash = None
    user.display_name = None
    user.email_confirmed_at = None
    user.active = False
    user.deleted_at = utcnow()
    if user.role in ESTABLISHMENT_ROLES:
        user.role, user.establishment_id = "tourist", None
    if user.role in SITE_ROLES:
        user.role, user.site_id = "tourist", None
    audit.record("account_deleted", actor=user, target=user)
    sessions.end_current("account_deleted")
    db.session.commit()


def _establishment_for(role: str, establishment_slug: str | None) -> Establishment | None:
    if role not in ROLES:
        raise AccountError("role", _l("Unknown role."))
    if role not in ESTABLISHMENT_ROLES:
        if establishment_slug:
            raise AccountError("establishment", _l("Only lodging staff and managers belong to an establishment."))
        return None
    if not establishment_slug:
        raise AccountError("establishment", _l("Lodging staff and managers need an establishment."))
    establishment = db.session.scalar(sa.select(Establishment).where(Establishment.slug == establishment_slug))
    if establishment is None:
        raise AccountError("establishment", _l("No establishment has this identifier."))
    return establishment


def _site_for(role: str, site_slug: str | None) -> Site | None:
    if role not in SITE_ROLES:
        if site_slug:
            raise AccountError("site", _l("Only site managers belong to a tourist site."))
        return None
    if not site_slug:
        raise AccountError("site", _l("A site manager needs a tourist site."))
    site = db.session.scalar(sa.select(Site).where(Site.slug == site_slug))
    if site is None:
        raise AccountError("site", _l("No tourist site has this identifier."))
    return site


def create_user(
    email: str,
    password: str,
    role: str,
    *,
    display_name: str = "",
    establishment_slug: str | None = None,
    site_slug: str | None = None,
    locale: str = DEFAULT_LOCALE,
    confirmed: bool = True,
) -> User:
    """Create an account of any role (CLI and demo data), with the address already confirmed."""
    email = normalise_email(email)
    establishment = _establishment_for(role, establishment_slug)
    site = _site_for(role, site_slug)
    if find_by_email(email) is not None:
        raise AccountError("email", _l("An account with this email address already exists."))
    _check_new_password(password, email, display_name)
    user = User(
        email=email,
        password_hash=hash_password(password),
        display_name=display_name or email.split("@")[0],
        locale=locale if locale in LOCALES else DEFAULT_LOCALE,
        role=role,
        establishment=establishment,
        site=site,
        email_confirmed_at=utcnow() if confirmed else None,
        password_changed_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    audit.record("account_created", target=user, details={"role": role})
    db.session.commit()
    return user


def update_account(
    user: User,
    *,
    role: str,
    establishment_slug: str | None,
    active: bool,
    actor: User | None = None,
) -> bool:
    """Change an account's role, establishment and enabled state together; return whether anything changed."""
    establishment = _establishment_for(role, establishment_slug)
    if user.deleted_at is not None:
        raise AccountError("role", _l("This account has been deleted."))
    if role in SITE_ROLES and user.site_id is None:
        # The back office has no site field yet: `flask sites account` makes site managers.
        raise AccountError("role", _l("Site manager accounts are created for their site with the sites command."))
    losing_admin = user.role == "admin" and (role != "admin" or not active)
    if losing_admin and user.active and _active_admins() <= 1:
        raise AccountError("role", _l("The last administrator must stay an enabled administrator."))
    before = {"role": user.role, "establishment": user.establishment.slug if user.establishment else None}
    after = {"role": role, "establishment": establishment.slug if establishment else None}
    role_changed = before != after
    active_changed = user.active != active
    if not role_changed and not active_changed:
        return False
    if role_changed:
        user.role = role
        user.establishment = establishment
        if role not in SITE_ROLES:
            user.site_id = None
        audit.record("role_changed", actor=actor, target=user, details={"from": before, "to": after})
    if active_changed:
        user.active = active
        audit.record("account_enabled" if active else "account_disabled", actor=actor, target=user)
    if role_changed or not active:
        # New powers, fewer, or none: the person signs in again under the new terms.
        sessions.end_all(user, "role_changed" if role_changed else "disabled")
    db.session.commit()
    return True
