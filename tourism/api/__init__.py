"""The versioned JSON API under /api/v1, described by its OpenAPI document."""

from tourism.api.views import bp

__all__ = ["bp"]
