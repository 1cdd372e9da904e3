"""Bearer tokens on the API: reading the Authorization header, rate-limit keys and the 401 answers."""

from collections.abc import Callable

from flask import request
from flask_babel import gettext as _

from tourism.api.errors import HTTP_MESSAGES, Unauthorized
from tourism.extensions import client_address


def bearer_token() -> str | None:
    """Return the request's bearer token, or None when it has none."""
    scheme, _space, token = request.headers.get("Authorization", "").strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def software_key(prefix: str, hash_token: Callable[[str], str]) -> str:
    """Return the rate-limit key of the calling software: its token's hash, else its address."""
    # One vendor's address may serve many hotels or sites, so their tokens are limited apart.
    token = bearer_token()
    return f"{prefix}:{hash_token(token)}" if token else "address:" + client_address()


def authenticated(realm: str, authenticate: Callable[[str], object | None]):
    """Return what the request's token authenticates, or raise a 401 saying what is wrong."""
    token = bearer_token()
    if token is None:
        raise Unauthorized(realm, "unauthorized", HTTP_MESSAGES[401])
    found = authenticate(token)
    if found is None:
        raise Unauthorized(realm, "invalid_token", _("This API token is unknown or has been revoked."))
    return found
