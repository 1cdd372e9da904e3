"""Import the statistics pages so that their routes are on the blueprints."""

from tourism.warehouse import (
    dashboard_views,  # noqa: F401  (the officers' dashboard routes)
    models,  # noqa: F401  (the warehouse bind's tables)
    public_views,  # noqa: F401  (the public statistics page)
)
from tourism.warehouse.blueprint import dashboard_bp, statistics_bp

__all__ = ["dashboard_bp", "statistics_bp"]
