"""The statistics blueprints: the officers' dashboard and the public statistics page."""

from flask import Blueprint

# Officers: the dashboard, its exports, the map of arrivals and the data-quality page.
dashboard_bp = Blueprint("dashboard", __name__, url_prefix="/<lang:locale>/statistics/dashboard")
# Everyone: the published, suppressed figures with charts.
statistics_bp = Blueprint("statistics", __name__, url_prefix="/<lang:locale>/statistics")
