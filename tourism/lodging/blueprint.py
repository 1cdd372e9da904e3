"""The lodging blueprints: the establishment's own pages, and the public directory."""

from flask import Blueprint, abort
from flask_login import current_user

# Front desk, rooms, imports, tokens, declarations and reports of the signed-in staff's establishment.
bp = Blueprint("lodging", __name__, url_prefix="/<lang:locale>/lodging")
# The public directory of approved establishments.
directory_bp = Blueprint("directory", __name__, url_prefix="/<lang:locale>/stay")


def own_establishment_id() -> int:
    """Return the signed-in staff's establishment; every lodging query is scoped by it."""
    establishment_id = getattr(current_user, "establishment_id", None)
    if not establishment_id:
        abort(403)
    return establishment_id
