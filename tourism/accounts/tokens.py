"""Signed, expiring, single-use tokens for email confirmation and password reset."""

import hashlib

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from tourism.extensions import db

PURPOSES = ("confirm", "reset")


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    if purpose not in PURPOSES:
        raise ValueError(purpose)
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"accounts.{purpose}")


def _fingerprint(purpose: str, user) -> str:
    # The token carries a digest of the state that using it changes, so it works once only:
    # confirming sets email_confirmed_at, and a reset replaces the password hash.
    if purpose == "confirm":
        state = f"{user.email}|{user.email_confirmed_at}"
    else:
        state = f"{user.email}|{user.password_hash}"
    return hashlib.sha256(state.encode()).hexdigest()[:24]


def make_token(purpose: str, user) -> str:
    """Sign a token for one user and purpose."""
    return _serializer(purpose).dumps({"user": user.id, "state": _fingerprint(purpose, user)})


def max_age(purpose: str) -> int:
    """Return how long a token of this purpose stays valid, in seconds."""
    config = current_app.config
    if purpose == "confirm":
        return config["EMAIL_TOKEN_HOURS"] * 3600
    return config["RESET_TOKEN_MINUTES"] * 60


def read_token(purpose: str, token: str):
    """Return the user a valid, unexpired, unused token belongs to, or None."""
    from tourism.accounts.models import User

    if not token or len(token) > 500:
        return None
    try:
        data = _serializer(purpose).loads(token, max_age=max_age(purpose))
    except BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(data, dict) or not isinstance(data.get("user"), int):
        return None
    user = db.session.get(User, data["user"])
    if user is None or not user.is_active or data.get("state") != _fingerprint(purpose, user):
        return None
    return user
