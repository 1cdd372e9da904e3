"""The interactive map of the province, mini-maps and itineraries."""

from tourism.map.views import bp

__all__ = ["bp"]
