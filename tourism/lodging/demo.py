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


# Guests at Đồi Thông Homestay around today, so the demo front desk has a day to show.
# Invented people; document numbers are valid in form only.
DEMO_STAYS = (
    # room, arrival offset, nights, group, guests (name, birth date, sex, nationality, document type, number, purpose)
    ("101", -1, 2, "", [("Kim Min-ji", "1991-04-12", "F", "KR", "passport", "M70412345", "leisure"),
                        ("Park Ji-hoon", "1989-11-03", "M", "KR", "passport", "M81103456", "leisure")]),
    ("103", 0, 2, "", [("Nguyễn Văn An", "1985-02-20", "M", "VN", "national_id", "079085001234", "business"),
                       ("Trần Thị Bình", "1987-07-08", "F", "VN", "national_id", "079187005678", "business")]),
    ("201", -2, 2, "", [("Camille Martin", "1980-09-15", "F", "FR", "passport", "21AB34567", "leisure"),
                        ("Louis Martin", "1979-01-30", "M", "FR", "passport", "21AB34568", "leisure"),
                        ("Léa Martin", "2014-06-02", "F", "FR", "passport", "21AB34569", "leisure")]),
    ("D1", -1, 3, "", [("Ivan Petrov", "1998-03-21", "M", "RU", "passport", "752345678", "leisure"),
                       ("Lê Minh Châu", "2001-12-11", "F", "VN", "national_id", "068301009876", "education")]),
)


def load_demo_stays() -> int:
    """Check the demo guests in at Đồi Thông Homestay unless it already has stays; return how many stays."""
    from datetime import timedelta

    from tourism.lodging import services
    from tourism.lodging.models import Stay

    establishment = db.session.scalar(sa.select(Establishment).where(Establishment.slug == "doi-thong-homestay"))
    if establishment is None or db.session.scalar(
        sa.select(sa.func.count(Stay.id)).where(Stay.establishment_id == establishment.id)
    ):
        return 0
    today = services.today()
    for room, offset, nights, group, guests in DEMO_STAYS:
        arrival = today + timedelta(days=offset)
        services.check_in_one(
            establishment, room, arrival, arrival + timedelta(days=nights),
            [{"full_name": name, "birth_date": birth, "sex": sex, "nationality": country, "residence_country": country,
              "document_type": kind, "document_number": number, "purpose": purpose}
             for name, birth, sex, country, kind, number, purpose in guests],
            group_name=group, source="demo",
        )
    return len(DEMO_STAYS)
