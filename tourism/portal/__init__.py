"""The public portal: places, events, news, search and weather in seven languages."""

from tourism.portal.views import bp

__all__ = ["bp"]
