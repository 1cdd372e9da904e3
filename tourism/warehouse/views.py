"""Import the statistics pages so that their routes are on the blueprints."""

from tourism.warehouse import models  # noqa: F401  (the warehouse bind's tables)
from tourism.warehouse.blueprint import dashboard_bp, statistics_bp

__all__ = ["dashboard_bp", "statistics_bp"]
