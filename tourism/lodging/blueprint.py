"""The lodging blueprints: the establishment's own pages, and the public directory."""

from flask import Blueprint

# Front desk, rooms, imports, tokens, declarations and reports of the signed-in staff's establishment.
bp = Blueprint("lodging", __name__, url_prefix="/<lang:locale>/lodging")
# The public directory of approved establishments.
directory_bp = Blueprint("directory", __name__, url_prefix="/<lang:locale>/stay")
