"""The one table that decides who may reach every endpoint."""

from flask import Flask, abort, jsonify, redirect, request, url_for
from flask_login import current_user

from tourism.i18n import current_locale

ANONYMOUS = "anonymous"
ROLES = ("tourist", "lodging_staff", "lodging_manager", "site_manager", "officer", "admin")
ESTABLISHMENT_ROLES = ("lodging_staff", "lodging_manager")
# Bound to one ticketed tourist site (user_account.site_id), as lodging roles are to an establishment.
SITE_ROLES = ("site_manager",)

EVERYONE = frozenset({ANONYMOUS, *ROLES})
SIGNED_IN = frozenset(ROLES)
DEPARTMENT = frozenset({"officer", "admin"})
ADMIN = frozenset({"admin"})
# An establishment's own people; which establishment is checked in the lodging services.
ESTABLISHMENT = frozenset(ESTABLISHMENT_ROLES)
MANAGER = frozenset({"lodging_manager"})
SITE_MANAGER = frozenset(SITE_ROLES)
# Site pages: the manager's own site (checked in the sites services), any site read-only for the department.
SITE_VIEWERS = SITE_MANAGER | DEPARTMENT

# Every endpoint is listed; an endpoint missing here is refused to everyone (and fails a test).
# Object-level rules (an establishment's own guests, say) live in the services on top of this.
PERMISSIONS: dict[str, frozenset[str]] = {
    "static": EVERYONE,
    "bootstrap.static": EVERYONE,
    "core.root": EVERYONE,
    "core.healthz": EVERYONE,
    "core.readyz": EVERYONE,
    "core.sitemap": EVERYONE,
    "core.robots": EVERYONE,
    "portal.home": EVERYONE,
    "portal.places": EVERYONE,
    "portal.place": EVERYONE,
    "portal.events": EVERYONE,
    "portal.event": EVERYONE,
    "portal.news": EVERYONE,
    "portal.article": EVERYONE,
    "portal.search": EVERYONE,
    "vendor.asset": EVERYONE,
    "map.map_page": EVERYONE,
    "map.script": EVERYONE,
    "map.place_script": EVERYONE,
    "map.event_script": EVERYONE,
    "map.itinerary_list": EVERYONE,
    "map.itinerary": EVERYONE,
    "map.itinerary_script": EVERYONE,
    "api.places": EVERYONE,
    "api.openapi": EVERYONE,
    # Open statistics: published, suppressed figures only (tourism.warehouse.opendata).
    "api.stats_accommodation": EVERYONE,
    "api.stats_site_visits": EVERYONE,
    "statistics.index": EVERYONE,
    "accounts.sign_up": EVERYONE,
    "accounts.sign_in": EVERYONE,
    "accounts.sign_out": EVERYONE,
    "accounts.confirm_email": EVERYONE,
    "accounts.resend_confirmation": EVERYONE,
    "accounts.forgot_password": EVERYONE,
    "accounts.reset_password": EVERYONE,
    "accounts.profile": SIGNED_IN,
    "accounts.change_password": SIGNED_IN,
    "accounts.end_session": SIGNED_IN,
    "accounts.delete_account": SIGNED_IN,
    "backoffice.users": ADMIN,
    "backoffice.user": ADMIN,
    "backoffice.audit_log": ADMIN,
    "backoffice.outbox": ADMIN,
    # -- lodging: front desk, rooms and register (desk_views) --
    "lodging.desk_board": ESTABLISHMENT,
    "lodging.desk_check_in": ESTABLISHMENT,
    "lodging.desk_group_check_in": ESTABLISHMENT,
    "lodging.desk_stay": ESTABLISHMENT,
    "lodging.desk_stay_extend": ESTABLISHMENT,
    "lodging.desk_stay_change_room": ESTABLISHMENT,
    "lodging.desk_stay_check_out": ESTABLISHMENT,
    "lodging.desk_stay_cancel": ESTABLISHMENT,
    "lodging.desk_register": ESTABLISHMENT,
    "lodging.desk_guest": ESTABLISHMENT,
    "lodging.desk_rooms": ESTABLISHMENT,
    "lodging.desk_room_new": MANAGER,
    "lodging.desk_room_edit": MANAGER,
    "lodging.desk_room_remove": MANAGER,
    "lodging.desk_room_out_of_service_add": MANAGER,
    "lodging.desk_room_out_of_service_remove": MANAGER,
    "lodging.desk_closure_add": MANAGER,
    "lodging.desk_closure_remove": MANAGER,
    # -- lodging: establishment registration and profile, directory, licensing (profile_views, directory_views) --
    # Registering makes a visitor the manager of a new establishment; other roles would lose theirs.
    "lodging.profile_register": frozenset({"tourist"}),
    "lodging.profile_edit": MANAGER,
    "directory.directory_list": EVERYONE,
    "directory.directory_page": EVERYONE,
    "directory.directory_script": EVERYONE,
    "backoffice.establishments_list": DEPARTMENT,
    "backoffice.establishment_detail": DEPARTMENT,
    # -- lodging: imports (import_views) --
    "lodging.import_template_csv": ESTABLISHMENT,
    "lodging.import_template_xlsx": ESTABLISHMENT,
    "lodging.import_upload": ESTABLISHMENT,
    "lodging.import_job": ESTABLISHMENT,
    "lodging.import_progress": ESTABLISHMENT,
    "lodging.import_commit": ESTABLISHMENT,
    "lodging.import_discard": ESTABLISHMENT,
    # -- lodging: API tokens (token_views) and the hotels' API, which checks its own bearer tokens --
    "lodging.tokens_list": MANAGER,
    "lodging.tokens_create": MANAGER,
    "lodging.tokens_revoke": MANAGER,
    "api.lodging_create_stay": EVERYONE,
    "api.lodging_stay": EVERYONE,
    "api.lodging_check_out": EVERYONE,
    "api.lodging_rooms": EVERYONE,
    # -- lodging: declarations and monthly reports (declaration_views, report_views) --
    "lodging.declaration_list": ESTABLISHMENT,
    "lodging.declaration_retry": MANAGER,
    "lodging.report_list": ESTABLISHMENT,
    "lodging.report_month": ESTABLISHMENT,
    "lodging.report_submit": MANAGER,
    "backoffice.lodging_reports": DEPARTMENT,
    # -- statistics: the officers' dashboard, its map script, exports and data quality (warehouse/dashboard_views) --
    "dashboard.index": DEPARTMENT,
    "dashboard.map_script": DEPARTMENT,
    "dashboard.export_csv": DEPARTMENT,
    "dashboard.export_xlsx": DEPARTMENT,
    "dashboard.quality": DEPARTMENT,
    # -- ticketed tourist sites: daily visits by form, CSV and API (tourism/sites) --
    "sites.home": SITE_VIEWERS,
    "sites.site_page": SITE_VIEWERS,
    "sites.record": SITE_MANAGER,
    "sites.day": SITE_MANAGER,
    "sites.upload": SITE_MANAGER,
    "sites.template_csv": SITE_MANAGER,
    "api.site_visits": EVERYONE,
}


def current_role() -> str:
    """Return the role of whoever makes this request, `anonymous` included."""
    return current_user.role if current_user.is_authenticated else ANONYMOUS


def allowed(endpoint: str, role: str) -> bool:
    """Tell whether a role may reach an endpoint."""
    return role in PERMISSIONS.get(endpoint, frozenset())


def enforce():
    """Refuse the request before its view runs when the table does not allow it."""
    endpoint = request.endpoint
    if endpoint is None:  # no route matched: the 404 handler answers
        return None
    if ANONYMOUS in PERMISSIONS.get(endpoint, ()):
        return None  # open to all: no need to load the user (static files, public pages)
    role = current_role()
    if allowed(endpoint, role):
        return None
    if role != ANONYMOUS:
        abort(403)
    if request.path.startswith("/api/"):
        body = {"error": {"code": "unauthorized", "message": "Authentication required"}}
        return jsonify(body), 401
    if request.method in {"GET", "HEAD"}:
        target = url_for("accounts.sign_in", locale=current_locale(), next=request.full_path.rstrip("?"))
        return redirect(target)
    abort(401)


def init_app(app: Flask) -> None:
    """Check every request against the table, before CSRF and rate limits run."""
    app.before_request_funcs.setdefault(None, []).insert(0, enforce)
