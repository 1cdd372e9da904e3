"""Load the bundled itineraries, idempotently, after the places they visit."""

from pathlib import Path

import sqlalchemy as sa

from tourism.extensions import db
from tourism.map.models import Itinerary, ItineraryStop, ItineraryStopTranslation, ItineraryTranslation
from tourism.portal.demo import DemoDataError, read_json, sync_translations, upsert
from tourism.portal.models import Place

DATA_DIR = Path(__file__).resolve().parent / "demo_data"


def load_itineraries() -> int:
    """Create or update the bundled itineraries; their stops are replaced as a whole."""
    rows = read_json("itineraries.json", DATA_DIR)
    slugs = {slug for row in rows for slug in (stop["place"] for stop in row["stops"])}
    places = {p.slug: p for p in db.session.scalars(sa.select(Place).where(Place.slug.in_(slugs)))}
    for row in rows:
        itinerary = upsert(Itinerary, row["slug"])
        itinerary.position, itinerary.duration_days = row["position"], row["duration_days"]
        sync_translations(itinerary, ItineraryTranslation, row["i18n"], ("name", "summary", "description"))
        itinerary.stops.clear()
        db.session.flush()  # the old stops go before new ones reuse their positions
        for position, stop in enumerate(row["stops"], start=1):
            if stop["place"] not in places:
                raise DemoDataError(f"itinerary {row['slug']}: unknown place {stop['place']}")
            item = ItineraryStop(position=position, place=places[stop["place"]])
            sync_translations(item, ItineraryStopTranslation, stop["i18n"], ("note",))
            itinerary.stops.append(item)
    return len(rows)
