"""Itineraries: listing, lookup and the distances between their stops."""

from itertools import pairwise

import sqlalchemy as sa
from flask import abort

from tourism.extensions import db
from tourism.map.models import Itinerary
from tourism.portal.services import distance_km


def all_itineraries() -> list[Itinerary]:
    """Return the itineraries in display order."""
    return list(db.session.scalars(sa.select(Itinerary).order_by(Itinerary.position, Itinerary.slug)))


def get_itinerary(slug: str) -> Itinerary:
    """Return an itinerary by slug, or raise 404."""
    itinerary = db.session.scalar(sa.select(Itinerary).filter_by(slug=slug))
    if itinerary is None:
        abort(404)
    return itinerary


def legs(itinerary: Itinerary) -> list[float]:
    """Return the straight-line distance in km from each stop to the next."""
    return [
        distance_km(a.place.lat, a.place.lon, b.place.lat, b.place.lon)
        for a, b in pairwise(itinerary.stops)
    ]


def total_km(itinerary: Itinerary) -> float:
    """Return the length of the route, stop to stop in a straight line."""
    return sum(legs(itinerary))
