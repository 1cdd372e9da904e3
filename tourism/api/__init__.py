"""The versioned JSON API under /api/v1, described by its OpenAPI document."""

from tourism.api.views import bp

__all__ = ["bp"]

from tourism.api import (
    lodging,  # noqa: F401  (adds the hotels' routes to bp)
    sites,  # noqa: F401  (adds the tourist sites' route to bp)
    stats,  # noqa: F401  (adds the open statistics to bp)
)
