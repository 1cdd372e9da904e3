"""Demo establishments with their rooms: most approved and ready for the front desk, one waiting, one suspended."""

import json
from pathlib import Path

import sqlalchemy as sa

from tourism.core.database import utcnow
from tourism.extensions import db
from tourism.lodging.models import Establishment, Room
from tourism.portal.models import Area

DATA = Path(__file__).parent / "demo_data" / "establishments.json"


def load_demo_establishments() -> int:
    """Create or refresh the demo establishments and their rooms; return how many were added."""
    areas = {area.slug: area for area in db.session.scalars(sa.select(Area))}
    added = 0
    for item in json.loads(DATA.read_text(encoding="utf-8")):
        item = dict(item)
        rooms = item.pop("rooms")
        area = areas.get(item.pop("area"))
        # Most are approved; one waits for a decision and one is suspended, for the licensing screen.
        status = item.pop("status", "approved")
        establishment = db.session.scalar(sa.select(Establishment).where(Establishment.slug == item["slug"]))
        if establishment is None:
            establishment = Establishment(slug=item["slug"])
            db.session.add(establishment)
            added += 1
        for key, value in item.items():
            setattr(establishment, key, value)
        establishment.area = area
        if establishment.status != status:
            establishment.status, establishment.status_changed_at = status, utcnow()
        existing = {room.number for room in establishment.rooms}
        for number, room_type, single, double, capacity in rooms:
            if number not in existing:
                establishment.rooms.append(
                    Room(number=number, room_type=room_type, single_beds=single, double_beds=double, capacity=capacity)
                )
        establishment.declared_rooms = len(establishment.rooms)
        establishment.declared_bed_places = sum(room.bed_places for room in establishment.rooms)
    db.session.commit()
    return added
