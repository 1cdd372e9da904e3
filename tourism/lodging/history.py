"""Synthetic lodging history for the statistics: `flask demo-data --stays N [--seed S]`.

Made of two parts. `make_plan` and `generate_stays` are pure: from (N, seed, the portal's areas,
the first day) they build an estate of synthetic establishments and yield N stays, in arrival
order, deterministically. `generate_history` writes them through the same paths real data
takes: establishments' profiles are checked by `establishments.clean_profile` and then
bulk-inserted with Core (as the importer inserts stays, since `establishments.register` makes one
pending establishment per tourist account); stays, their segments and guests go through
`importer.Inserter`'s bulk path (COPY on PostgreSQL, Core executemany elsewhere), and every
guest row is made by `services.guest_values`, so document numbers are encrypted and indexed
with DATA_KEY exactly like a check-in's. Synthetic stays are not declared to the police (an
outbox of thousands of made-up declarations helps nobody) and have `source="demo"`.

How big the estate and how long the history (the rule, for N stays):

- a stay that is not cancelled holds its room about 2 nights (same-day stays none); the days of
  history are N × 2 / (rooms of 1,000 establishments of realistic size × 60 %), but at least
  two years (Tết, summer and December twice, and a year-over-year comparison) and at most
  three (the import's and the retention's horizon); it ends today;
- the rooms are what 60 % mean occupancy needs, and at least what keeps the busiest expected
  day (a Tết weekend) under 100 %; below 1,000 establishments' worth, every establishment keeps
  its kind and class but gets proportionally fewer rooms (at least one), above it more
  establishments are added. So occupancy lands in 40–80 % from N ≈ 200,000 (a thousand
  one-room establishments over two years) up; a smaller N, as in the tests, still gets its
  1,000 establishments, nearly empty.

Idempotent: establishments are found again by their `syn-` slugs, and a second run tops the
synthetic stays up to N in total: nothing when there are N already, the rest of the same
sequence after an interrupted run (batches are committed as they go). The estate records N and
the seed (in its establishments' description) and the first day (their `created_at`); another N
or seed is refused, with the message saying which were used, rather than mixing two histories.
"""

import functools
import math
import random
import re
import time
from bisect import bisect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from tourism.core.database import utcnow
from tourism.core.pages import LOCAL_TZ
from tourism.core.text import fold
from tourism.extensions import db
from tourism.lodging import services
from tourism.lodging.errors import LodgingError
from tourism.lodging.importer import Inserter
from tourism.lodging.models import (
    Establishment,
    EstablishmentClosure,
    Guest,
    Room,
    RoomOutOfService,
    Stay,
    StaySegment,
)
from tourism.lodging.validation import GuestData
from tourism.portal.models import PROVINCE_BOUNDS, Area

SLUG_PREFIX = "syn-"
MIN_ESTABLISHMENTS = 1000
MIN_DAYS, MAX_DAYS = 2 * 365, 3 * 365
TARGET_OCCUPANCY = 0.6
# The busiest expected night may ask for more rooms than there are: Tết fills the towns, and
# the guests who find none come a day later.
PEAK_OCCUPANCY = 1.5
CANCELLED_SHARE = 0.03
BATCH_STAYS = 10_000
# Tries at other establishments before a stay waits for the next day (a full town on Tết).
PLACEMENT_TRIES = 12

# The first day of the lunar new year; the week after it is the year's busiest.
TET = {
    2022: date(2022, 2, 1), 2023: date(2023, 1, 22), 2024: date(2024, 2, 10), 2025: date(2025, 1, 29),
    2026: date(2026, 2, 17), 2027: date(2027, 2, 6), 2028: date(2028, 1, 26),
}
TET_FACTORS = {-4: 0.7, -3: 0.7, -2: 0.6, -1: 0.5, 0: 0.9, 1: 2.0, 2: 2.3, 3: 2.2, 4: 1.9, 5: 1.5, 6: 1.2}
# Arrivals by weekday, Monday first: the weekend starts on Friday evening.
WEEKDAY_FACTORS = (0.85, 0.8, 0.82, 0.9, 1.35, 1.5, 0.78)
HOLIDAY_FACTORS = {(1, 1): 1.4, (4, 29): 1.3, (4, 30): 1.7, (5, 1): 1.6, (5, 2): 1.3, (8, 31): 1.3, (9, 1): 1.5,
                   (9, 2): 1.4}
GROWTH_PER_YEAR = 0.08

# Nights of a stay and their weights: mean about 2, a few same-day stays and long stays.
NIGHTS = ((0, 5), (1, 45), (2, 28), (3, 12), (4, 5), (5, 1.5), (6, 1.2), (7, 1.3), (10, 0.7), (14, 0.6),
          (21, 0.3), (30, 0.2))
GUEST_COUNTS = ((1, 24), (2, 50), (3, 13), (4, 13))

# Localities: share of the establishments, share of foreign guests, busy months (January first).
HIGHLAND_MONTHS = (1.1, 1.15, 0.9, 0.9, 0.9, 1.1, 1.2, 1.1, 0.8, 0.8, 0.9, 1.35)
COAST_MONTHS = (1.15, 1.15, 1.1, 1.1, 1.15, 1.25, 1.3, 1.2, 0.8, 0.8, 0.9, 1.0)
LOCALITIES = {
    "da-lat": (44, 0.09, HIGHLAND_MONTHS), "lac-duong": (5, 0.08, HIGHLAND_MONTHS),
    "phan-thiet": (18, 0.22, COAST_MONTHS), "bao-loc": (6, 0.03, HIGHLAND_MONTHS),
    "duc-trong": (4, 0.04, HIGHLAND_MONTHS), "tuy-phong": (3, 0.08, COAST_MONTHS),
    "ham-thuan": (3, 0.10, COAST_MONTHS), "la-gi": (3, 0.04, COAST_MONTHS),
    "phu-quy": (2, 0.03, COAST_MONTHS), "gia-nghia": (3, 0.03, HIGHLAND_MONTHS),
    "di-linh": (2, 0.03, HIGHLAND_MONTHS), "don-duong": (1.5, 0.03, HIGHLAND_MONTHS),
    "lam-ha": (1.5, 0.03, HIGHLAND_MONTHS), "cat-tien": (1, 0.06, HIGHLAND_MONTHS),
}
COASTAL = frozenset({"phan-thiet", "tuy-phong", "ham-thuan", "la-gi", "phu-quy"})
# Where foreign guests live: Korea leads in the highlands, Russia on the Mũi Né coast.
HIGHLAND_ORIGINS = (("KR", 31), ("CN", 19), ("US", 12), ("FR", 9), ("RU", 3), ("JP", 4), ("TW", 4), ("AU", 4),
                    ("DE", 3), ("GB", 3), ("TH", 3), ("SG", 2), ("MY", 2), ("CA", 2), ("NL", 1), ("IN", 1))
COAST_ORIGINS = (("RU", 30), ("KR", 19), ("CN", 14), ("US", 6), ("FR", 6), ("DE", 4), ("KZ", 4), ("GB", 3),
                 ("AU", 3), ("JP", 2), ("SE", 2), ("IT", 2), ("CA", 2), ("TH", 2), ("NL", 1))
# Foreigners living in Viet Nam (domestic by residence) and where overseas Vietnamese live.
EXPAT_SHARE = 0.012
EXPATS = (("KR", 35), ("CN", 20), ("JP", 12), ("US", 10), ("FR", 8), ("TW", 8), ("AU", 7))
OVERSEAS_VIETNAMESE = {"US": 0.15, "AU": 0.15, "FR": 0.1, "CA": 0.12, "DE": 0.06}

# Kinds: share, rooms (low, high), star classes with weights, room types with weights.
KINDS = {
    "homestay": (32, (3, 9), ((None, 1),), (("double", 45), ("twin", 15), ("family", 25), ("dorm", 8), ("triple", 7))),
    "hotel": (28, (10, 40), ((None, 35), (1, 15), (2, 22), (3, 16), (4, 8), (5, 4)),
              (("double", 45), ("twin", 25), ("triple", 8), ("family", 10), ("suite", 5), ("single", 7))),
    "guesthouse": (18, (5, 15), ((None, 1),), (("double", 50), ("twin", 25), ("triple", 10), ("single", 10),
                                               ("family", 5))),
    "villa": (7, (3, 10), ((None, 1),), (("double", 40), ("family", 40), ("suite", 20))),
    "resort": (5, (25, 120), ((None, 10), (3, 30), (4, 40), (5, 20)),
               (("double", 40), ("twin", 15), ("family", 20), ("suite", 25))),
    "hostel": (4, (4, 12), ((None, 1),), (("dorm", 50), ("double", 25), ("twin", 15), ("single", 10))),
    "apartment": (6, (4, 20), ((None, 1),), (("double", 50), ("family", 35), ("twin", 15))),
}
STAR_ROOMS = {None: 1.0, 1: 0.8, 2: 1.0, 3: 1.8, 4: 3.0, 5: 4.5}
# Room type: single beds, double beds, capacity.
BEDS = {"single": (1, 0, 1), "double": (0, 1, 2), "twin": (2, 0, 2), "triple": (1, 1, 3), "family": (0, 2, 4),
        "dorm": (6, 0, 6), "suite": (0, 1, 3)}
PRICES = {"homestay": 450_000, "guesthouse": 300_000, "hostel": 180_000, "villa": 2_500_000, "apartment": 900_000,
          "resort": 2_800_000, "hotel": 500_000}
STAR_PRICES = {1: 450_000, 2: 650_000, 3: 1_100_000, 4: 2_200_000, 5: 4_200_000}
NAME_PATTERNS = {"hotel": "Khách sạn {}", "guesthouse": "Nhà nghỉ {}", "homestay": "{} Homestay",
                 "resort": "{} Resort", "villa": "Villa {}", "hostel": "{} Hostel", "apartment": "Căn hộ {}"}
HIGHLAND_WORDS = ("Thông Xanh", "Sương Mù", "Đồi Mây", "Hoa Mai", "Dã Quỳ", "Mimosa", "Cẩm Tú Cầu", "Lan Rừng",
                  "Phố Núi", "Thung Lũng", "Bình Minh", "Langbiang", "Hồ Xuân Hương", "Cao Nguyên", "Trà Xanh",
                  "Hoa Hồng", "Mây Ngàn", "Hướng Dương", "Rừng Thông", "Ngọc Lan")
COAST_WORDS = ("Biển Xanh", "Cát Vàng", "Hải Âu", "Đồi Cát", "Sóng Biển", "Hoàng Hôn", "Bình Minh", "Gió Biển",
               "Ngọc Biển", "Thanh Long", "Mũi Né", "Hòn Rơm", "Cá Voi", "San Hô", "Dừa Xanh")
STREETS = ("Trần Phú", "Phan Đình Phùng", "Hoàng Văn Thụ", "Nguyễn Trãi", "Lê Lợi", "Hùng Vương", "Bùi Thị Xuân",
           "Nguyễn Đình Chiểu", "Lý Thường Kiệt", "Quang Trung", "Nguyễn Văn Cừ", "Ba Tháng Hai")

PURPOSES_SHORT = (("leisure", 78), ("business", 8), ("visiting", 7), ("conference", 2), ("education", 1),
                  ("health", 1), ("religion", 1), ("transit", 1), ("other", 1))
PURPOSES_FOREIGN = (("leisure", 82), ("business", 8), ("visiting", 4), ("conference", 2), ("education", 1),
                    ("transit", 1), ("other", 2))
PURPOSES_LONG = (("leisure", 30), ("business", 32), ("education", 15), ("health", 10), ("visiting", 10),
                 ("other", 3))
# Provinces that issue the citizen IDs of Lâm Đồng's visitors (HCMC, Hà Nội, Lâm Đồng, Đồng Nai…).
CCCD_PROVINCES = (("079", 30), ("068", 14), ("001", 9), ("075", 6), ("074", 5), ("060", 5), ("067", 3),
                  ("056", 3), ("066", 3), ("077", 3), ("080", 2), ("092", 2), ("048", 2), ("031", 2), (None, 11))

VN_FAMILIES = (("Nguyễn", 38), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7), ("Hoàng", 5), ("Huỳnh", 4), ("Phan", 4),
               ("Vũ", 4), ("Võ", 3), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 1.5), ("Hồ", 1.5), ("Ngô", 1.5),
               ("Dương", 1), ("Lý", 0.5))
VN_MIDDLE = {"M": ("Văn", "Minh", "Đức", "Quốc", "Hữu", "Thanh", "Gia", "Hoàng"),
             "F": ("Thị", "Ngọc", "Thu", "Thanh", "Minh", "Kim", "Bảo", "Thị")}
VN_GIVEN = {"M": ("An", "Bảo", "Bình", "Cường", "Dũng", "Duy", "Hải", "Hiếu", "Hoàng", "Hùng", "Huy", "Khang",
                  "Khánh", "Khoa", "Long", "Minh", "Nam", "Nghĩa", "Phong", "Phúc", "Quân", "Sơn", "Tâm", "Thành",
                  "Thắng", "Trung", "Tuấn", "Việt", "Vinh"),
            "F": ("Anh", "Châu", "Chi", "Diệp", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hoa", "Hương", "Lan",
                  "Linh", "Loan", "Mai", "My", "Nga", "Ngân", "Nhung", "Oanh", "Phương", "Quyên", "Thảo", "Thư",
                  "Trang", "Trâm", "Uyên", "Vy", "Yến")}
# Family names, then given names by sex; "{given} {family}" unless the country writes the family first.
NAMES = {
    "KR": (("Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim"),
           {"M": ("Min-jun", "Ji-hoon", "Do-yun", "Seo-jun", "Hyun-woo", "Jae-won"),
            "F": ("Seo-yeon", "Ji-woo", "Ha-eun", "Min-seo", "Ye-jin", "Su-bin")}, True),
    "CN": (("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou"),
           {"M": ("Wei", "Lei", "Jie", "Tao", "Hao", "Yong"), "F": ("Fang", "Na", "Min", "Jing", "Yan", "Xiu Ying")},
           True),
    "JP": (("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito"),
           {"M": ("Haruto", "Sota", "Ren", "Hiroshi"), "F": ("Yui", "Hina", "Aoi", "Yuko")}, True),
    "RU": (("Ivanov", "Smirnov", "Kuznetsov", "Popov", "Sokolov", "Volkov", "Morozov"),
           {"M": ("Aleksandr", "Dmitry", "Sergey", "Andrey", "Maksim", "Ivan"),
            "F": ("Anna", "Elena", "Olga", "Natalia", "Maria", "Ekaterina")}, False),
    "FR": (("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Lefèvre"),
           {"M": ("Louis", "Gabriel", "Jules", "Thomas", "Nicolas", "Pierre"),
            "F": ("Camille", "Léa", "Chloé", "Manon", "Claire", "Sophie")}, False),
    "DE": (("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker"),
           {"M": ("Lukas", "Felix", "Jonas", "Maximilian"), "F": ("Anna", "Lena", "Laura", "Julia")}, False),
    "TH": (("Saetang", "Srisuk", "Wongsa", "Chaiyaporn"),
           {"M": ("Somchai", "Somsak", "Anan"), "F": ("Malee", "Siriporn", "Kanya")}, False),
    "EN": (("Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "O'Brien", "Taylor"),
           {"M": ("James", "John", "Michael", "David", "Daniel", "Matthew"),
            "F": ("Mary", "Emily", "Sarah", "Jessica", "Olivia", "Emma")}, False),
}
NAME_GROUPS = {"KR": "KR", "CN": "CN", "TW": "CN", "SG": "CN", "MY": "CN", "JP": "JP", "RU": "RU", "KZ": "RU",
               "FR": "FR", "DE": "DE", "TH": "TH"}
# Every synthetic establishment says which history it belongs to: a second run must continue that one.
DESCRIPTION = "Synthetic establishment made for the statistics demo (demo-data --stays {stays} --seed {seed})."
MADE_WITH = re.compile(r"--stays (\d+) --seed (-?\d+)")
DIGITS = "0123456789"
LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


class HistoryError(LodgingError):
    """The synthetic history cannot be generated here (production, no areas, another history)."""

    code = "history_refused"


def _cumulative(pairs) -> tuple[tuple, list[float]]:
    values, weights = zip(*pairs, strict=True)
    total, cumulative = 0.0, []
    for weight in weights:
        total += weight
        cumulative.append(total)
    return values, cumulative


def _chooser(pairs) -> Callable[[random.Random], object]:
    values, cumulative = _cumulative(pairs)
    total = cumulative[-1]

    def choose(rng: random.Random):
        return values[bisect(cumulative, rng.random() * total)]

    return choose


_nights = _chooser(NIGHTS)
_guest_count = _chooser(GUEST_COUNTS)
_vn_family = _chooser(VN_FAMILIES)
_province = _chooser(CCCD_PROVINCES)
_expat = _chooser(EXPATS)
_origins = {"highland": _chooser(HIGHLAND_ORIGINS), "coast": _chooser(COAST_ORIGINS)}
_purpose = {"short": _chooser(PURPOSES_SHORT), "foreign": _chooser(PURPOSES_FOREIGN), "long": _chooser(PURPOSES_LONG)}
_kind = _chooser([(kind, spec[0]) for kind, spec in KINDS.items()])
_stars = {kind: _chooser(spec[2]) for kind, spec in KINDS.items()}
_room_type = {kind: _chooser(spec[3]) for kind, spec in KINDS.items()}


def mean_nights() -> float:
    """Return the mean nights of a stay as drawn (same-day stays count none)."""
    return sum(n * w for n, w in NIGHTS) / sum(w for _n, w in NIGHTS)


def day_weight(day: date, start: date) -> float:
    """Return how busy a day is for arrivals: weekday, Tết, summer, December festival, holidays, growth."""
    weight = WEEKDAY_FACTORS[day.weekday()]
    tet = TET.get(day.year)
    if tet is not None:
        weight *= TET_FACTORS.get((day - tet).days, 1.0)
    if day.month in (6, 7, 8):
        weight *= 1.3
    elif day.month in (9, 10, 11):
        weight *= 0.85  # the rainy season
    if day.month == 12 and day.day >= 15:
        weight *= 1.3  # the Đà Lạt flower festival and the year's end
    weight *= HOLIDAY_FACTORS.get((day.month, day.day), 1.0)
    return weight * (1 + GROWTH_PER_YEAR * (day - start).days / 365)


# -- the plan: establishments, their rooms, closures and repairs ------------------------------

@dataclass
class PlannedEstablishment:
    """A synthetic establishment as planned, with its rooms and the periods they cannot be sold."""

    index: int
    slug: str
    name: str
    kind: str
    star_class: int | None
    area_id: int
    area_name: str
    locality: str
    lat: float
    lon: float
    opened: date
    # (number, room type, single beds, double beds, capacity, first day it can be sold)
    rooms: list[tuple] = field(default_factory=list)
    closures: list[tuple[date, date, str]] = field(default_factory=list)
    # (room number, start, end, reason)
    repairs: list[tuple[str, date, date, str]] = field(default_factory=list)
    # What changed during the history, for whoever wants its versions: (day, field, before, after).
    changes: list[tuple] = field(default_factory=list)

    @property
    def bed_places(self) -> int:
        return sum(single + 2 * double for _n, _t, single, double, _c, _a in self.rooms)


@dataclass
class Plan:
    stays: int
    seed: int
    start: date
    end: date
    establishments: list[PlannedEstablishment]
    arrivals: list[int]  # per day, from start

    @property
    def rooms(self) -> int:
        return sum(len(e.rooms) for e in self.establishments)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class AreaInfo:
    id: int
    name: str
    locality: str
    lat: float
    lon: float


def _draw_establishment(seed: int, index: int, areas_by_locality: dict) -> tuple:
    """Draw kind, class, natural room count and place of establishment `index` (its own stream)."""
    rng = random.Random(seed * 1_000_003 + index)  # noqa: S311  (made-up data, seeded on purpose)
    localities = [(slug, LOCALITIES.get(slug, (1, 0.03, HIGHLAND_MONTHS))[0]) for slug in areas_by_locality]
    locality = _chooser(localities)(rng)
    area = rng.choice(areas_by_locality[locality])
    kind = _kind(rng)
    star = _stars[kind](rng)
    low, high = KINDS[kind][1]
    rooms = max(1, round(rng.uniform(low, high) * STAR_ROOMS[star]))
    return rng, locality, area, kind, star, rooms


def history_days(stays: int, natural_rooms: int) -> int:
    """Return the days of history for `stays` over an estate of `natural_rooms` (see the module's rule)."""
    nights = mean_nights() * (1 - CANCELLED_SHARE)
    return max(MIN_DAYS, min(MAX_DAYS, math.ceil(stays * nights / (natural_rooms * TARGET_OCCUPANCY))))


def _arrivals(stays: int, start: date, days: int) -> list[int]:
    weights = [day_weight(start + timedelta(days=offset), start) for offset in range(days)]
    total, running, arrivals, placed = sum(weights), 0.0, [], 0
    for weight in weights:
        running += weight
        upto = round(stays * running / total)
        arrivals.append(upto - placed)
        placed = upto
    return arrivals


def _rooms_needed(arrivals: list[int]) -> int:
    """Rooms for the target mean occupancy, and for the busiest expected night to fit."""
    values, weights = zip(*NIGHTS, strict=True)
    total = sum(weights)
    longer = [sum(w for n, w in NIGHTS if n > k) / total for k in range(max(values))]
    held = 1 - CANCELLED_SHARE
    loads = [0.0] * len(arrivals)
    for day, count in enumerate(arrivals):
        for k, share in enumerate(longer):
            if day + k >= len(loads):
                break
            loads[day + k] += count * share * held
    mean_rooms = sum(loads) / (len(loads) * TARGET_OCCUPANCY)
    return math.ceil(max(mean_rooms, max(loads) / PEAK_OCCUPANCY, 1))


def _scale(natural: list[int], needed: int) -> float:
    """Return the factor on every natural room count (each kept at least one) that sums to `needed`."""
    if sum(natural) <= needed:
        return 1.0
    low, high = 0.0, 1.0
    for _step in range(40):
        middle = (low + high) / 2
        if sum(max(1, round(count * middle)) for count in natural) < needed:
            low = middle
        else:
            high = middle
    return high


def _place(rng: random.Random, locality: AreaInfo) -> tuple[float, float]:
    (lat_low, lat_high), (lon_low, lon_high) = PROVINCE_BOUNDS["lat"], PROVINCE_BOUNDS["lon"]
    lat = min(max(locality.lat + rng.uniform(-0.03, 0.03), lat_low + 0.01), lat_high - 0.01)
    lon = min(max(locality.lon + rng.uniform(-0.03, 0.03), lon_low + 0.01), lon_high - 0.01)
    return round(lat, 6), round(lon, 6)


def _room_list(rng: random.Random, kind: str, count: int, first: int, available: date) -> list[tuple]:
    per_floor = min(max(count // 3, 4), 20)
    rooms = []
    for position in range(first, first + count):
        number = f"{position // per_floor + 1}{position % per_floor + 1:02d}"
        room_type = _room_type[kind](rng)
        single, double, capacity = BEDS[room_type]
        rooms.append((number, room_type, single, double, capacity, available))
    return rooms


def _random_day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange(max((last - first).days, 0) + 1))


def make_plan(stays: int, seed: int, areas: list[AreaInfo], start: date | None = None,
              end: date | None = None) -> Plan:
    """Plan the estate and the days for `stays` stays; the history starts on `start`, or ends on `end`."""
    if stays < 1:
        raise ValueError("stays must be at least 1")
    if not areas:
        raise ValueError("no areas")
    by_locality: dict[str, list[AreaInfo]] = {}
    for area in sorted(areas, key=lambda a: a.id):
        by_locality.setdefault(area.locality, []).append(area)
    drawn = [_draw_establishment(seed, index, by_locality) for index in range(MIN_ESTABLISHMENTS)]
    days = history_days(stays, sum(item[5] for item in drawn))
    if start is None:
        start = (end or services.today()) - timedelta(days=days - 1)
    end = start + timedelta(days=days - 1)
    arrivals = _arrivals(stays, start, days)
    needed = _rooms_needed(arrivals)
    while sum(item[5] for item in drawn) < needed:
        drawn.append(_draw_establishment(seed, len(drawn), by_locality))
    scale = _scale([item[5] for item in drawn], needed)
    establishments = []
    for index, (rng, locality, area, kind, star, natural) in enumerate(drawn):
        count = max(1, round(natural * scale))
        words = COAST_WORDS if locality in COASTAL else HIGHLAND_WORDS
        name = NAME_PATTERNS[kind].format(rng.choice(words))
        lat, lon = _place(rng, area)
        # Most were there before the history; a few open during it (the estate grows).
        opened = start if rng.random() > 0.06 else _random_day(rng, start + timedelta(days=60), end - timedelta(days=60))
        planned = PlannedEstablishment(
            index=index, slug=f"{SLUG_PREFIX}{index + 1:05d}-{re.sub(r'[^a-z0-9]+', '-', fold(name)).strip('-')}"[:80], name=name,
            kind=kind, star_class=star, area_id=area.id, area_name=area.name, locality=locality, lat=lat, lon=lon,
            opened=opened,
        )
        planned.rooms = _room_list(rng, kind, count, 0, opened)
        if rng.random() < 0.05 and (end - opened).days > 120:
            # A renovation in the low season; some come back with more rooms or one more star.
            year = rng.choice(sorted({day.year for day in (opened + timedelta(days=30), end - timedelta(days=60))}))
            closed_from = max(opened + timedelta(days=30), min(date(year, rng.choice((4, 9, 10)), rng.randint(1, 28)),
                                                              end - timedelta(days=60)))
            closed_to = closed_from + timedelta(days=rng.randint(7, 28))
            planned.closures.append((closed_from, closed_to, "Renovation"))
            reopened = closed_to + timedelta(days=1)
            if kind in ("hotel", "resort") and (star or 0) < 5 and rng.random() < 0.5:
                after = (star or 1) + (1 if star else 0)
                planned.changes.append((reopened, "star_class", star, after))
                planned.star_class = after
            if rng.random() < 0.5:
                added = max(1, round(count * rng.uniform(0.1, 0.3)))
                planned.changes.append((reopened, "rooms", count, count + added))
                planned.rooms += _room_list(rng, kind, added, count, reopened)
        if rng.random() < 0.15:
            for _repair in range(rng.randint(1, 3)):
                number = rng.choice(planned.rooms)[0]
                first = _random_day(rng, opened, end)
                planned.repairs.append((number, first, first + timedelta(days=rng.randint(1, 13)), "Repairs"))
        establishments.append(planned)
    return Plan(stays=stays, seed=seed, start=start, end=end, establishments=establishments, arrivals=arrivals)


# -- the stays --------------------------------------------------------------------------------

@dataclass
class PlannedStay:
    """One synthetic stay: which establishment and room, when, its status and its guests."""

    establishment: int  # index in the plan
    room: int  # index in the establishment's rooms
    arrival: date
    departure: date
    status: str
    guests: list[GuestData]


class _Guest(GuestData):
    """A generated guest; its folded name comes from a cache, the names repeat."""

    @property
    def name_search(self) -> str:
        return _fold(self.full_name)


_fold = functools.lru_cache(maxsize=100_000)(fold)


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choices(DIGITS, k=count))


def _citizen_id(rng: random.Random, birth_year: int, sex: str) -> str:
    province = _province(rng) or f"{rng.randint(1, 96):03d}"
    # The fourth digit says century and sex: 0/1 for men/women born in the 1900s, 2/3 after 2000.
    century = 0 if birth_year < 2000 else 2
    return f"{province}{century + (1 if sex == 'F' else 0)}{birth_year % 100:02d}{_digits(rng, 6)}"


def _passport(rng: random.Random, country: str) -> str:
    if country == "VN":
        return rng.choice("CNPK") + _digits(rng, 7)
    if country == "KR":
        return "M" + _digits(rng, 8)
    if country == "CN":
        return "E" + _digits(rng, 8)
    if country in ("US", "GB", "RU", "TW"):
        return _digits(rng, 9)
    if country == "FR":
        return _digits(rng, 2) + "".join(rng.choices(LETTERS, k=2)) + _digits(rng, 5)
    if country == "JP":
        return "".join(rng.choices(LETTERS, k=2)) + _digits(rng, 7)
    return rng.choice(LETTERS) + _digits(rng, 8)


def _name(rng: random.Random, nationality: str, sex: str, family: str | None = None) -> tuple[str, str]:
    """Return a full name and the family name (which the party's members may share)."""
    key = "M" if sex == "M" else ("F" if sex == "F" else rng.choice("MF"))
    if nationality == "VN":
        family = family or _vn_family(rng)
        return f"{family} {rng.choice(VN_MIDDLE[key])} {rng.choice(VN_GIVEN[key])}", family
    families, given, family_first = NAMES[NAME_GROUPS.get(nationality, "EN")]
    family = family or rng.choice(families)
    # Russian family names take the feminine form: Ivanov, Ivanova.
    surname = family + "a" if NAME_GROUPS.get(nationality) == "RU" and key == "F" else family
    first = rng.choice(given[key])
    return (f"{surname} {first}" if family_first else f"{first} {surname}"), family


def _birth(rng: random.Random, arrival: date, age: int) -> date:
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    # A birthday still to come this year: born a year earlier, to be `age` on arrival.
    year = arrival.year - age - (1 if (month, day) > (arrival.month, arrival.day) else 0)
    return date(year, month, day)


def _party(rng: random.Random, locality: str, foreign_share: float, arrival: date, count: int,
           nights: int) -> list[GuestData]:
    if rng.random() < foreign_share:
        residence = _origins["coast" if locality in COASTAL else "highland"](rng)
        nationality = "VN" if rng.random() < OVERSEAS_VIETNAMESE.get(residence, 0) else residence
        purposes = _purpose["long" if nights >= 7 else "foreign"]
    else:
        residence = "VN"
        nationality = _expat(rng) if rng.random() < EXPAT_SHARE else "VN"
        purposes = _purpose["long" if nights >= 7 else "short"]
    purpose = purposes(rng)
    lead_age = min(80, max(18, round(rng.gauss(38, 12))))
    lead_sex = "X" if rng.random() < 0.002 else ("M" if rng.random() < 0.53 else "F")
    guests, family = [], None
    for position in range(count):
        if position == 0:
            age, sex = lead_age, lead_sex
        elif position == 1:
            age = min(85, max(16, lead_age + rng.randint(-6, 6)))
            sex = ("F" if lead_sex == "M" else "M") if rng.random() < 0.8 else lead_sex
        else:
            age = rng.randint(2, 16) if lead_age >= 28 and rng.random() < 0.7 else min(85, max(16, lead_age + rng.randint(-8, 25)))
            sex = "M" if rng.random() < 0.5 else "F"
        full_name, family = _name(rng, nationality, sex, family if nationality != "VN" else None)
        birth = _birth(rng, arrival, age)
        if nationality == "VN" and residence == "VN":
            document_type, number = "national_id", _citizen_id(rng, birth.year, sex)
        else:
            document_type, number = "passport", _passport(rng, nationality)
        guests.append(_Guest(full_name, birth, sex, nationality, residence, document_type, number,
                             purpose if position == 0 or rng.random() < 0.9 else purposes(rng)))
    return guests


def generate_stays(plan: Plan) -> Iterator[PlannedStay]:
    """Yield the plan's stays in arrival order; each room holds one stay a night, never when blocked."""
    rng = random.Random(plan.seed * 7_919 + plan.stays)  # noqa: S311  (made-up data, seeded on purpose)
    establishments = plan.establishments
    first_room, room_capacity, blocks, block_at = [], [], [], []
    for planned in establishments:
        first_room.append(len(room_capacity))
        closures = [(start.toordinal(), end.toordinal()) for start, end, _reason in planned.closures]
        repairs: dict[str, list] = {}
        for number, start, end, _reason in planned.repairs:
            repairs.setdefault(number, []).append((start.toordinal(), end.toordinal()))
        for number, _type, _single, _double, capacity, available in planned.rooms:
            room_capacity.append(capacity)
            held = list(closures) + repairs.get(number, [])
            if available > plan.start:
                held.append((plan.start.toordinal(), available.toordinal() - 1))
            blocks.append(sorted(held))
            block_at.append(0)
    first_room.append(len(room_capacity))
    free_from = [0] * len(room_capacity)
    opened = [planned.opened.toordinal() for planned in establishments]
    foreign = [LOCALITIES.get(planned.locality, (1, 0.03))[1] for planned in establishments]
    monthly = []
    for month in range(12):
        pairs = []
        for planned in establishments:
            months = LOCALITIES.get(planned.locality, (1, 0.03, HIGHLAND_MONTHS))[2]
            pairs.append((planned.index, len(planned.rooms) * months[month]))
        monthly.append(_chooser(pairs))
    today_ordinal = plan.end.toordinal()
    waiting = 0
    for offset, count in enumerate(plan.arrivals):
        day = plan.start + timedelta(days=offset)
        ordinal = day.toordinal()
        choose = monthly[day.month - 1]
        count += waiting
        waiting = 0
        last_day = offset == len(plan.arrivals) - 1
        for _stay in range(count):
            nights = _nights(rng)
            cancelled = rng.random() < CANCELLED_SHARE
            found = None
            tries = PLACEMENT_TRIES if not last_day else PLACEMENT_TRIES + len(establishments)
            for attempt in range(tries):
                index = choose(rng) if attempt < PLACEMENT_TRIES else (attempt - PLACEMENT_TRIES)
                if opened[index] > ordinal:
                    continue
                first, stop = first_room[index], first_room[index + 1]
                size = stop - first
                start_at = rng.randrange(size)
                for step in range(size):
                    room = first + (start_at + step) % size
                    if free_from[room] > ordinal:
                        continue
                    held = blocks[room]
                    at = block_at[room]
                    while at < len(held) and held[at][1] < ordinal:
                        at += 1
                    block_at[room] = at
                    limit = held[at][0] if at < len(held) else None
                    if limit is not None and limit <= ordinal:
                        continue
                    found = (index, room, limit)
                    break
                if found:
                    break
            if found is None:
                if last_day:
                    raise RuntimeError("no free room for a synthetic stay on the last day")
                waiting += 1  # a full day: the guests come the next day
                continue
            index, room, limit = found
            departure = ordinal + nights
            if limit is not None and departure > limit:
                departure = limit
            if not cancelled:
                free_from[room] = departure if departure > ordinal else ordinal + 1
            if cancelled:
                status = "cancelled"
            elif departure >= today_ordinal:
                status = "in_house"
            else:
                status = "checked_out"
            guests = _party(rng, establishments[index].locality, foreign[index], day,
                            min(_guest_count(rng), room_capacity[room]), departure - ordinal)
            yield PlannedStay(index, room - first_room[index], day, date.fromordinal(departure), status, guests)


# -- writing ----------------------------------------------------------------------------------

class HistoryInserter(Inserter):
    """The importer's bulk path for stays of many establishments, with their history's timestamps."""

    def __init__(self, rooms: dict[tuple[int, int], tuple[int, int]]):
        super().__init__(establishment_id=0, actor_id=None)
        # (establishment index, room index) → (establishment id, room id)
        self.rooms = rooms

    def add(self, stay: PlannedStay) -> None:
        self.buffer.append(stay)

    def flush(self) -> None:
        if not self.buffer:
            return
        now = self.now
        rows, places = [], []
        for stay in self.buffer:
            establishment_id, room_id = self.rooms[(stay.establishment, stay.room)]
            places.append((establishment_id, room_id))
            checked_in = _local(stay.arrival, 14) + timedelta(minutes=(stay.arrival.toordinal() * 37) % 300)
            rows.append({
                "establishment_id": establishment_id, "room_id": room_id, "arrival": stay.arrival,
                "departure": stay.departure, "status": stay.status, "group_name": "", "source": "demo",
                "checked_in_at": checked_in,
                "checked_out_at": _local(stay.departure, 11) if stay.status == "checked_out" else None,
                "cancelled_at": checked_in + timedelta(hours=1) if stay.status == "cancelled" else None,
                "created_by_id": None, "created_at": checked_in,
                # Now, so that the warehouse's next incremental refresh reads them.
                "updated_at": now,
            })
        ids = self._insert_stays(rows)
        segments, guests = [], []
        for stay_id, stay, (establishment_id, room_id) in zip(ids, self.buffer, places, strict=True):
            segments.append({"stay_id": stay_id, "room_id": room_id, "start_date": stay.arrival,
                             "end_date": stay.departure})
            for position, guest in enumerate(stay.guests):
                values = services.guest_values(establishment_id, guest, position)
                values["stay_id"] = stay_id
                guests.append(values)
        self._insert(StaySegment.__table__, segments)
        self._insert(Guest.__table__, guests)
        self.stays += len(ids)
        self.guests += len(guests)
        self.buffer.clear()


def _local(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TZ).astimezone(UTC)


def _areas() -> list[AreaInfo]:
    return [
        AreaInfo(area.id, area.name, area.locality.slug, area.locality.lat, area.locality.lon)
        for area in db.session.scalars(sa.select(Area).order_by(Area.id))
    ]


def _synthetic():
    return Establishment.slug.startswith(SLUG_PREFIX, autoescape=True)


def synthetic_stays() -> int:
    """Return how many synthetic stays the database holds."""
    return db.session.scalar(
        sa.select(sa.func.count(Stay.id)).join(Establishment, Establishment.id == Stay.establishment_id)
        .where(_synthetic(), Stay.source == "demo")
    ) or 0


def _profile(planned: PlannedEstablishment, stays: int, seed: int) -> dict:
    rng = random.Random(planned.index)  # noqa: S311  (made-up data, seeded on purpose)
    star = planned.star_class
    price = STAR_PRICES.get(star, PRICES[planned.kind]) if planned.kind == "hotel" else PRICES[planned.kind]
    return {
        "name": planned.name, "kind": planned.kind, "star_class": star,
        "licence_number": f"SYN-{planned.kind[:2].upper()}-{planned.index + 1:05d}",
        "address": f"{rng.randint(1, 250)} {rng.choice(STREETS)}, {planned.area_name}",
        "area_id": planned.area_id, "lat": planned.lat, "lon": planned.lon,
        "phone": f"+84 {'252' if planned.locality in COASTAL else '263'} {rng.randint(3_000_000, 3_999_999)}",
        "email": f"{planned.slug[:40]}@demo.lamdong.travel", "website": "",
        "declared_rooms": len(planned.rooms), "declared_bed_places": planned.bed_places,
        "price_from": int(round(price * rng.uniform(0.8, 1.3), -4)),
        "step_free": rng.random() < (0.7 if (star or 0) >= 3 else 0.2),
        "description": DESCRIPTION.format(stays=stays, seed=seed),
    }


def _create_estate(plan: Plan) -> int:
    """Insert the plan's establishments that are missing, with rooms, closures and repairs; return how many."""
    from tourism.lodging.establishments import clean_profile

    have = set(db.session.scalars(sa.select(Establishment.slug).where(_synthetic())))
    missing = [planned for planned in plan.establishments if planned.slug not in have]
    if not missing:
        return 0
    now = utcnow()
    table = Establishment.__table__
    for chunk_start in range(0, len(missing), 500):
        chunk = missing[chunk_start:chunk_start + 500]
        rows = []
        for planned in chunk:
            row = clean_profile(_profile(planned, plan.stays, plan.seed))  # the registration form's checks, on every profile
            row.update(slug=planned.slug, status="approved", status_reason="", status_changed_at=now,
                       created_at=_local(planned.opened, 0), lock_version=0)
            rows.append(row)
        ids = db.session.execute(
            sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), rows).scalars().all()
        rooms, closures = [], []
        for establishment_id, planned in zip(ids, chunk, strict=True):
            rooms += [{"establishment_id": establishment_id, "number": number, "room_type": room_type,
                       "single_beds": single, "double_beds": double, "capacity": capacity, "active": True}
                      for number, room_type, single, double, capacity, _available in planned.rooms]
            closures += [{"establishment_id": establishment_id, "start_date": start, "end_date": end,
                          "reason": reason} for start, end, reason in planned.closures]
        db.session.execute(sa.insert(Room.__table__), rooms)
        if closures:
            db.session.execute(sa.insert(EstablishmentClosure.__table__), closures)
        room_ids = {(establishment_id, number): room_id for room_id, establishment_id, number in db.session.execute(
            sa.select(Room.id, Room.establishment_id, Room.number).where(Room.establishment_id.in_(ids)))}
        repairs = [{"room_id": room_ids[(establishment_id, number)], "start_date": start, "end_date": end,
                    "reason": reason}
                   for establishment_id, planned in zip(ids, chunk, strict=True)
                   for number, start, end, reason in planned.repairs]
        if repairs:
            db.session.execute(sa.insert(RoomOutOfService.__table__), repairs)
    db.session.commit()
    # Core inserts do not pass the ORM's change tracking: the directory and map caches must go.
    from tourism.portal.services import bump_content_version

    bump_content_version()
    return len(missing)


def _room_map(plan: Plan) -> dict[tuple[int, int], tuple[int, int]]:
    ids = dict(db.session.execute(sa.select(Establishment.slug, Establishment.id).where(_synthetic())).all())
    room_ids = {(establishment_id, number): room_id for room_id, establishment_id, number in db.session.execute(
        sa.select(Room.id, Room.establishment_id, Room.number).join(Establishment).where(_synthetic()))}
    rooms = {}
    for planned in plan.establishments:
        establishment_id = ids[planned.slug]
        for position, room in enumerate(planned.rooms):
            rooms[(planned.index, position)] = (establishment_id, room_ids[(establishment_id, room[0])])
    return rooms


def existing_plan(stays: int, seed: int) -> tuple[Plan, int]:
    """Return the plan for `stays` and `seed`, anchored on the synthetic estate if there is one, and its size.

    Raises HistoryError when the estate in the database was made for another N or seed.
    """
    areas = _areas()
    if not areas:
        raise HistoryError(_("Load the demo content first: synthetic establishments are placed in its areas."))
    description = db.session.scalar(
        sa.select(Establishment.description).where(_synthetic()).order_by(Establishment.slug).limit(1))
    made_with = MADE_WITH.search(description or "")
    if made_with and (int(made_with[1]), int(made_with[2])) != (stays, seed):
        raise HistoryError(_(
            "The database already has a synthetic history made with --stays %(stays)s --seed %(seed)s; "
            "run with those values to complete it (other --stays or --seed values would mix two histories), "
            "or start from a fresh database.",
            stays=made_with[1], seed=made_with[2],
        ))
    first, count, rooms = db.session.execute(
        sa.select(sa.func.min(Establishment.created_at), sa.func.count(sa.distinct(Establishment.id)),
                  sa.func.count(Room.id))
        .select_from(Establishment).outerjoin(Room, Room.establishment_id == Establishment.id)
        .where(_synthetic())
    ).one()
    if not count:
        return make_plan(stays, seed, areas), 0
    if first.tzinfo is None:  # SQLite gives naive UTC
        first = first.replace(tzinfo=UTC)
    plan = make_plan(stays, seed, areas, start=first.astimezone(LOCAL_TZ).date())
    if (count, rooms) != (len(plan.establishments), plan.rooms):
        raise HistoryError(_(
            "The database already has a synthetic history (%(establishments)s establishments, %(rooms)s rooms, "
            "from %(start)s) made with other --stays or --seed values; run again with those values, "
            "or start from a fresh database.",
            establishments=count, rooms=rooms, start=plan.start,
        ))
    return plan, count


def generate_history(stays: int, seed: int = 0, on_progress: Callable[[int, int], None] | None = None) -> dict:
    """Top the synthetic history up to `stays` stays (seeded, idempotent); return what it holds and added.

    `on_progress(done, total)` is called after every committed batch. Refused in production.
    """
    if current_app.config.get("PRODUCTION"):
        raise HistoryError(_("Production mode: synthetic stays are never generated where the site is public."))
    if not isinstance(stays, int) or stays < 1:
        raise HistoryError(_("Give the number of stays, at least 1."))
    started = time.perf_counter()
    plan, _have = existing_plan(stays, seed)
    created = _create_estate(plan)
    existing = synthetic_stays()
    todo = max(stays - existing, 0)
    inserter = HistoryInserter(_room_map(plan)) if todo else None
    done = 0
    if inserter is not None:
        if on_progress:
            on_progress(0, todo)
        for position, stay in enumerate(generate_stays(plan)):
            if position < existing:
                continue  # already written by an earlier, interrupted run of the same sequence
            inserter.add(stay)
            if len(inserter.buffer) >= BATCH_STAYS:
                done += len(inserter.buffer)
                inserter.flush()
                db.session.commit()
                if on_progress:
                    on_progress(done, todo)
        done += len(inserter.buffer)
        inserter.flush()
        db.session.commit()
        if on_progress:
            on_progress(done, todo)
    return {
        "establishments": len(plan.establishments), "establishments_created": created,
        "rooms": plan.rooms, "stays": existing + done, "stays_created": done,
        "guests_created": inserter.guests if inserter else 0,
        "first_day": plan.start, "last_day": plan.end,
        "changes": sum(len(planned.changes) for planned in plan.establishments),
        "seconds": round(time.perf_counter() - started, 2),
    }
