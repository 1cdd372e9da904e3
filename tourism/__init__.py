"""Lâm Đồng smart-tourism platform."""

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from tourism import config as config_module
from tourism.extensions import babel, bootstrap, cache, csrf, db, limiter, login_manager, migrate


def create_app(config: dict | None = None) -> Flask:
    """Create the application: settings, extensions, blueprints, CLI. No DB or HTTP calls."""
    root = config_module.ROOT
    app = Flask(
        __name__,
        instance_path=str(root / "instance"),
        template_folder=str(root / "templates"),
        static_folder=str(root / "static"),
    )
    app.config.from_mapping(config_module.from_environment(Path(app.instance_path)))
    if config:
        app.config.from_mapping(config)
    if app.config["PRODUCTION"] and app.debug:
        raise config_module.ConfigurationError("the debugger must not run in production")
    if app.config["PROXY_COUNT"]:
        # Trust X-Forwarded-* only from our own proxies; a client cannot add hops of its own.
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    from tourism import i18n
    from tourism.core import database, errors, permissions, routing, security

    routing.init_app(app)
    database.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(root / "migrations"))
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        timezone_selector=lambda: app.config["BABEL_DEFAULT_TIMEZONE"],
    )
    cache.init_app(app)
    bootstrap.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    # Sessions are checked server-side (accounts.sessions); Flask-Login's IP check would only
    # sign out phones that move between networks.
    login_manager.session_protection = None
    limiter.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    permissions.init_app(app)

    from tourism.accounts import bp as accounts_bp
    from tourism.api import bp as api_bp
    from tourism.backoffice import bp as backoffice_bp
    from tourism.core.views import bp as core_bp
    from tourism.lodging.views import bp as lodging_bp
    from tourism.lodging.views import directory_bp
    from tourism.map import bp as map_bp
    from tourism.map.assets import bp as vendor_bp
    from tourism.portal import bp as portal_bp
    from tourism.sites.views import bp as sites_bp
    from tourism.warehouse.views import dashboard_bp, statistics_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(portal_bp)
    app.register_blueprint(map_bp)
    app.register_blueprint(vendor_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(backoffice_bp)
    app.register_blueprint(lodging_bp)
    app.register_blueprint(directory_bp)
    app.register_blueprint(sites_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(statistics_bp)

    from tourism import cli

    cli.init_app(app)
    return app
