"""Import stays from a CSV or XLSX file: template, upload, streaming validation, all-or-nothing commit.

One row per guest. Consecutive rows with the same room, arrival, departure and group are one
stay (the guests of one room); a new value in any of those four columns starts the next stay.
The file is read as a stream twice (preview, then commit) and never held in memory: what is
kept is bounded by the establishment's room-nights and the guests' document hashes.
"""

import csv
import io
import json
import logging
import secrets
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import sqlalchemy as sa
from flask import current_app, g, has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tourism.core import audit
from tourism.core.database import utcnow
from tourism.extensions import db
from tourism.lodging import crypto
from tourism.lodging.errors import LodgingError
from tourism.lodging.models import (
    Declaration,
    Establishment,
    EstablishmentClosure,
    Guest,
    ImportJob,
    Room,
    RoomOutOfService,
    Stay,
    StaySegment,
)
from tourism.lodging.services import declaration_deadline, lock_establishment, occupied_dates, today
from tourism.lodging.validation import GuestData, check_dates, validate_guest

log = logging.getLogger(__name__)

COLUMNS = (
    "room", "arrival", "departure", "full_name", "birth_date", "sex", "nationality",
    "residence_country", "document_type", "document_number", "purpose", "group",
)
# Missing optional columns take their defaults: residence = nationality, purpose = leisure, no group.
OPTIONAL = frozenset({"residence_country", "purpose", "group"})
COLUMN_HELP = {
    "room": _l("Room number, exactly as in the establishment's rooms (e.g. 101)."),
    "arrival": _l("Arrival date, YYYY-MM-DD (or DD/MM/YYYY). Past stays are allowed, up to three years back."),
    "departure": _l("Departure date, YYYY-MM-DD (or DD/MM/YYYY); the same as the arrival for a same-day stay."),
    "full_name": _l("The guest's full name as on the document."),
    "birth_date": _l("Birth date, YYYY-MM-DD (or DD/MM/YYYY)."),
    "sex": _l("F, M or X."),
    "nationality": _l("Two-letter ISO 3166 country code, e.g. VN, KR, US."),
    "residence_country": _l("Country of residence, two-letter code; empty means the nationality."),
    "document_type": _l("national_id (Vietnamese citizen ID, 12 digits) or passport."),
    "document_number": _l("The document number; keep the leading zeros (format the column as text)."),
    "purpose": _l("leisure, business, visiting, conference, education, health, religion, transit or other; empty means leisure."),
    "group": _l("Optional group or booking name. Consecutive rows with the same room, dates and group are one stay."),
}
EXAMPLE_ROWS = (
    ("101", "2026-03-01", "2026-03-03", "Nguyễn Văn An", "1990-05-01", "M", "VN", "VN", "national_id",
     "079190001234", "leisure", ""),
    ("101", "2026-03-01", "2026-03-03", "Trần Thị Bình", "1992-07-15", "F", "VN", "VN", "national_id",
     "079192004321", "leisure", ""),
    ("102", "2026-03-02", "2026-03-04", "Kim Min-ji", "1988-11-20", "F", "KR", "KR", "passport",
     "M12345678", "business", "Seoul Tech"),
)
EXTENSIONS = ("csv", "xlsx")
MAX_ERRORS = 200
CHUNK_STAYS = 1000
PROGRESS_EVERY = 2000
# An XLSX is a zip: refuse archives that would inflate far beyond any real register.
XLSX_MAX_UNCOMPRESSED = 400 * 1024 * 1024
XLSX_MAX_RATIO = 150
XLSX_MAX_MEMBERS = 200
SAMPLE_BYTES = 64 * 1024


class ImportFileError(Exception):
    """The file as a whole cannot be read as an import (type, encoding, header, size)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)


# -- the template ------------------------------------------------------------------------------

def template_csv() -> bytes:
    """Return the CSV template: the header and example rows, UTF-8 with a BOM for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(EXAMPLE_ROWS)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    """Return the XLSX template: a "Guests" sheet with the header and examples, and a "Help" sheet."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Guests"
    sheet.append(COLUMNS)
    for row in EXAMPLE_ROWS:
        sheet.append(row)
    for letter_index, column in enumerate(COLUMNS, start=1):
        letter = sheet.cell(row=1, column=letter_index).column_letter
        sheet.column_dimensions[letter].width = max(12, len(column) + 4)
        # Text cells: a spreadsheet would otherwise drop a citizen ID's leading zero or reformat dates.
        for row_index in range(2, 1001):
            sheet.cell(row=row_index, column=letter_index).number_format = "@"
    help_sheet = book.create_sheet("Help")
    help_sheet.append([_("Column"), _("Required"), _("What to enter")])
    for column in COLUMNS:
        help_sheet.append([column, _("no") if column in OPTIONAL else _("yes"), str(COLUMN_HELP[column])])
    help_sheet.append([])
    help_sheet.append([_("One row per guest. Consecutive rows with the same room, arrival, departure and group are one stay.")])
    help_sheet.column_dimensions["A"].width = 20
    help_sheet.column_dimensions["C"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- storing an upload -------------------------------------------------------------------------

def imports_dir() -> Path:
    """Return instance/imports/, where uploads wait; never under static/."""
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def stored_file(job: ImportJob) -> Path:
    return Path(current_app.instance_path) / job.stored_path


def _summary_file(job: ImportJob) -> Path:
    return stored_file(job).with_suffix(".json")


def summary(job: ImportJob) -> dict | None:
    """Return what the preview counted (rows, stays, guests, first and last date), if known."""
    try:
        data = json.loads(_summary_file(job).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    for key in ("first", "last"):
        if data.get(key):
            data[key] = date.fromisoformat(data[key])
    return data


def _remove_files(job: ImportJob) -> None:
    for path in (stored_file(job), _summary_file(job)):
        path.unlink(missing_ok=True)


def store_upload(establishment_id: int, filename: str, stream, actor=None) -> ImportJob:
    """Save an uploaded file under instance/imports/ and create its ImportJob (status validating)."""
    name = Path(filename or "").name[:200]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in EXTENSIONS:
        raise LodgingError(_("Upload a CSV or XLSX file."), {"file": _("Upload a CSV or XLSX file.")}, code="file_type")
    relative = f"imports/{secrets.token_hex(16)}.{extension}"
    path = imports_dir() / Path(relative).name
    with open(path, "wb") as out:
        while chunk := stream.read(1024 * 1024):
            out.write(chunk)
    if path.stat().st_size == 0:
        path.unlink()
        raise LodgingError(_("The file is empty."), {"file": _("The file is empty.")}, code="file_empty")
    lock_establishment(establishment_id)  # a writer from its first statement (see services)
    job = ImportJob(
        establishment_id=establishment_id, filename=name, stored_path=relative, status="validating",
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(job)
    db.session.commit()
    return job


def get_job(establishment_id: int, job_id) -> ImportJob | None:
    """Return one of the establishment's import jobs; another establishment's is not found."""
    return db.session.scalar(
        sa.select(ImportJob).where(ImportJob.id == job_id, ImportJob.establishment_id == establishment_id)
    )


def recent_jobs(establishment_id: int, limit: int = 10) -> list[ImportJob]:
    return list(db.session.scalars(
        sa.select(ImportJob).where(ImportJob.establishment_id == establishment_id)
        .order_by(ImportJob.id.desc()).limit(limit)
    ))


def discard(job: ImportJob) -> None:
    """Drop an upload that will not be committed."""
    lock_establishment(job.establishment_id)
    _remove_files(job)
    job.status = "discarded"
    job.finished_at = utcnow()
    db.session.commit()


# -- reading the file as a stream of rows --------------------------------------------------------

def _csv_rows(path: Path) -> tuple[int, Iterator[list]]:
    with open(path, "rb") as raw:
        sample = raw.read(SAMPLE_BYTES)
    if b"\x00" in sample:
        raise ImportFileError(_("This is not a CSV file (it contains binary data)."))
    if sample.startswith(b"PK\x03\x04"):
        raise ImportFileError(_("This looks like an XLSX file: upload it with the .xlsx extension."))
    try:
        text = sample.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        # A cut multi-byte character at the end of the sample is fine; anything earlier is not UTF-8.
        if error.start < len(sample) - 4:
            raise ImportFileError(_("The file is not UTF-8 text. Save it as “CSV UTF-8”.")) from None
        text = sample[: error.start].decode("utf-8-sig")
    first_line = text.splitlines()[0] if text.strip() else ""
    if not first_line.strip():
        raise ImportFileError(_("The file is empty."))
    try:
        delimiter = csv.Sniffer().sniff(first_line, delimiters=",;").delimiter
    except csv.Error:
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    with open(path, "rb") as raw:
        estimate = sum(chunk.count(b"\n") for chunk in iter(lambda: raw.read(1024 * 1024), b""))

    def rows():
        with open(path, encoding="utf-8-sig", newline="") as handle:
            try:
                yield from csv.reader(handle, delimiter=delimiter)
            except UnicodeDecodeError:
                raise ImportFileError(_("The file is not UTF-8 text. Save it as “CSV UTF-8”.")) from None
            except csv.Error as error:
                raise ImportFileError(_("The CSV file is malformed: %(error)s", error=str(error)[:200])) from None

    return max(estimate - 1, 0), rows()


def _check_zip(path: Path) -> None:
    if not zipfile.is_zipfile(path):
        raise ImportFileError(_("This is not an XLSX file."))
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise ImportFileError(_("This is not an XLSX file.")) from None
    size = sum(member.file_size for member in members)
    packed = max(sum(member.compress_size for member in members), 1)
    if len(members) > XLSX_MAX_MEMBERS or size > XLSX_MAX_UNCOMPRESSED or size / packed > XLSX_MAX_RATIO:
        raise ImportFileError(_("This XLSX file is too large once unpacked."))


def _xlsx_rows(path: Path) -> tuple[int, Iterator[list]]:
    _check_zip(path)
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        estimate = max((sheet.max_row or 1) - 1, 0)
    except Exception:  # openpyxl raises many kinds for a broken workbook; all mean the same to the user
        raise ImportFileError(_("This XLSX file cannot be read.")) from None

    def rows():
        try:
            for values in sheet.iter_rows(values_only=True):
                yield list(values)
        except ImportFileError:
            raise
        except Exception:
            raise ImportFileError(_("This XLSX file cannot be read.")) from None
        finally:
            book.close()

    return estimate, rows()


def open_rows(path: Path) -> tuple[int, Iterator[list]]:
    """Return an estimate of the data rows and an iterator over all rows (header first)."""
    if path.suffix.lower() == ".xlsx":
        return _xlsx_rows(path)
    return _csv_rows(path)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(value: str):
    """Accept YYYY-MM-DD, and the DD/MM/YYYY that Vietnamese spreadsheets often use."""
    parts = value.split("/")
    if len(parts) == 3 and all(part.isdigit() for part in parts) and len(parts[2]) == 4:
        try:
            return date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            return value
    return value


# -- one streaming pass: validate, and optionally insert ----------------------------------------

@dataclass
class ParsedStay:
    row: int
    room_id: int
    arrival: date
    departure: date
    group: str
    guests: list[GuestData] = field(default_factory=list)
    indexes: list[str] = field(default_factory=list)


def _dates_overlap(a_start: date, a_end: date, b_start: date, b_end: date) -> bool:
    a_last = a_end - timedelta(days=1) if a_end > a_start else a_start
    b_last = b_end - timedelta(days=1) if b_end > b_start else b_start
    return a_start <= b_last and b_start <= a_last


class ImportPass:
    """Read the file once, check every row, the stays against each other and against the database."""

    def __init__(self, establishment: Establishment, on_stay: Callable | None = None,
                 on_progress: Callable | None = None, exclude_from_id: int | None = None):
        self.establishment_id = establishment.id
        self.today = today()
        self.on_stay = on_stay
        self.on_progress = on_progress
        # Stays with ids from here on are this import's own (inserted under the lock).
        self.exclude_from_id = exclude_from_id
        self.max_rows = current_app.config.get("IMPORT_MAX_ROWS", 200_000)
        self.errors: list[dict] = []
        self.error_count = 0
        self.rows = 0
        self.stays = 0
        self.first: date | None = None
        self.last: date | None = None
        self.rooms = {
            number: (room_id, capacity, active)
            for room_id, number, capacity, active in db.session.execute(
                sa.select(Room.id, Room.number, Room.capacity, Room.active).where(
                    Room.establishment_id == self.establishment_id)
            )
        }
        self.capacity = {room_id: capacity for room_id, capacity, _active in self.rooms.values()}
        self.numbers = {value[0]: key for key, value in self.rooms.items()}
        self.closures = list(db.session.execute(
            sa.select(EstablishmentClosure.start_date, EstablishmentClosure.end_date).where(
                EstablishmentClosure.establishment_id == self.establishment_id)
        ))
        self.repairs: dict[int, list] = {}
        for room_id, start, end in db.session.execute(
            sa.select(RoomOutOfService.room_id, RoomOutOfService.start_date, RoomOutOfService.end_date)
            .join(Room).where(Room.establishment_id == self.establishment_id)
        ):
            self.repairs.setdefault(room_id, []).append((start, end))
        # (room id, date) -> [guests from this file, the first row of the last stay there]
        self.nights: dict[tuple[int, date], list] = {}
        # document index -> [(arrival, departure, row)] of this file's stays
        self.documents: dict[str, list] = {}

    def error(self, row: int, column: str, message) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"row": row, "field": column, "message": str(message)})

    # -- rows --

    def _header(self, header: list) -> dict[str, int]:
        names = [_cell(value).lstrip("\ufeff").strip().lower() for value in header]
        positions: dict[str, int] = {}
        for index, name in enumerate(names):
            if not name:
                continue
            if name not in COLUMNS:
                raise ImportFileError(_("Unknown column “%(column)s” in the header. The columns are: %(columns)s.",
                                        column=name[:40], columns=", ".join(COLUMNS)))
            if name in positions:
                raise ImportFileError(_("The column “%(column)s” appears twice in the header.", column=name))
            positions[name] = index
        missing = [column for column in COLUMNS if column not in positions and column not in OPTIONAL]
        if missing:
            raise ImportFileError(_("The header row lacks these columns: %(columns)s. Download the template.",
                                    columns=", ".join(missing)))
        return positions

    def run(self, path: Path, check_database: bool = True) -> None:
        estimate, rows = open_rows(path)
        total = min(estimate, self.max_rows)
        if self.on_progress:
            self.on_progress(0, total)
        header = next(rows, None)
        if header is None:
            raise ImportFileError(_("The file is empty."))
        positions = self._header(header)
        current_key, current = None, None
        current_ok = True
        for number, values in enumerate(rows, start=2):
            if not any(_cell(value) for value in values):
                continue  # blank lines between blocks are harmless
            self.rows += 1
            if self.rows > self.max_rows:
                raise ImportFileError(_("The file has more than %(rows)s rows; split it.", rows=self.max_rows))
            record = {column: _cell(values[index]) if index < len(values) else "" for column, index in positions.items()}
            if len(values) > len(header) and any(_cell(value) for value in values[len(header):]):
                self.error(number, "", _("This row has more cells than the header."))
            key = (record["room"], record["arrival"], record["departure"], record.get("group", ""))
            if key != current_key:
                if current is not None and current_ok:
                    self._finish_stay(current)
                current_key, current, current_ok = key, None, True
                current = self._start_stay(number, record)
                current_ok = current is not None
            guest, problems = validate_guest(
                {
                    **record,
                    "birth_date": _date(record["birth_date"]),
                    "document_number": self._document(record, values, positions),
                },
                self.today,
            )
            for column, message in problems.items():
                self.error(number, column, message)
            if guest is None:
                current_ok = False
            elif current_ok:
                index = crypto.document_index(guest.document_type, guest.nationality, guest.document_number)
                if index in current.indexes:
                    self.error(number, "document_number", _("The same document appears twice in this stay."))
                    current_ok = False
                else:
                    current.guests.append(guest)
                    current.indexes.append(index)
            if self.on_progress and self.rows % PROGRESS_EVERY == 0:
                self.on_progress(self.rows, max(total, self.rows))
        if current is not None and current_ok:
            self._finish_stay(current)
        if self.rows == 0:
            raise ImportFileError(_("The file has a header but no rows."))
        if check_database:
            self.check_database()
        self.errors.sort(key=lambda item: item["row"])
        if self.on_progress:
            self.on_progress(self.rows, self.rows)

    @staticmethod
    def _document(record: dict, values: list, positions: dict) -> str:
        number = record["document_number"]
        raw = values[positions["document_number"]] if positions["document_number"] < len(values) else None
        # A spreadsheet that stored a citizen ID as a number dropped its leading zero.
        if isinstance(raw, int | float) and record["document_type"].strip().lower() == "national_id":
            number = number.zfill(12)
        return number

    def _start_stay(self, number: int, record: dict) -> ParsedStay | None:
        errors: dict[str, str] = {}
        arrival, departure = check_dates(_date(record["arrival"]), _date(record["departure"]), self.today, errors)
        room = self.rooms.get(record["room"])
        if not record["room"]:
            errors["room"] = _("Enter the room number.")
        elif room is None:
            errors["room"] = _("No such room in this establishment.")
        elif not room[2]:
            errors["room"] = _("This room is not in use.")
        for column, message in errors.items():
            self.error(number, column, message)
        if errors:
            return None
        return ParsedStay(number, room[0], arrival, departure, " ".join(record.get("group", "").split())[:120])

    def _finish_stay(self, stay: ParsedStay) -> None:
        """Check one complete stay against the file so far; hand it on when it fits."""
        dates = occupied_dates(stay.arrival, stay.departure)
        first, last = dates[0], dates[-1]
        capacity = self.capacity[stay.room_id]
        number = self.numbers[stay.room_id]
        ok = True
        if len(stay.guests) > capacity:
            self.error(stay.row, "room", _("Room %(room)s sleeps at most %(capacity)s.", room=number, capacity=capacity))
            ok = False
        for start, end in self.closures:
            if start <= last and end >= first:
                self.error(stay.row, "arrival", _("The establishment is closed from %(start)s to %(end)s.",
                                                  start=start, end=end))
                ok = False
                break
        for start, end in self.repairs.get(stay.room_id, ()):
            if start <= last and end >= first:
                self.error(stay.row, "room", _("Room %(room)s is out of service from %(start)s to %(end)s.",
                                               room=number, start=start, end=end))
                ok = False
                break
        for index, guest in zip(stay.indexes, stay.guests, strict=True):
            for start, end, row in self.documents.get(index, ()):
                if _dates_overlap(start, end, stay.arrival, stay.departure):
                    self.error(stay.row, "document_number", _(
                        "%(name)s is also staying in another room on these dates (row %(row)s).",
                        name=guest.full_name, row=row))
                    ok = False
                    break
        if not ok:
            return
        for day in dates:
            night = self.nights.setdefault((stay.room_id, day), [0, stay.row])
            night[0] += len(stay.guests)
            night[1] = stay.row
            if night[0] > capacity:
                self.error(stay.row, "room", _("Room %(room)s has more guests than places on %(date)s in this file.",
                                               room=number, date=day))
                ok = False
                break
        for index in stay.indexes:
            self.documents.setdefault(index, []).append((stay.arrival, stay.departure, stay.row))
        self.stays += 1
        self.first = min(self.first or stay.arrival, stay.arrival)
        self.last = max(self.last or stay.departure, stay.departure)
        if ok and self.on_stay and not self.error_count:
            self.on_stay(stay)

    # -- against the database --

    def _existing(self, query):
        if self.exclude_from_id is not None:
            query = query.where(Stay.id < self.exclude_from_id)
        return query

    def check_database(self) -> None:
        """Check the file's room-nights and guests against the stays already saved, in two queries' worth."""
        if self.first is None:
            return
        first, last = self.first, max(self.last - timedelta(days=1), self.first)
        guests = sa.select(sa.func.count(Guest.id)).where(Guest.stay_id == StaySegment.stay_id).scalar_subquery()
        query = self._existing(
            sa.select(StaySegment.room_id, StaySegment.start_date, StaySegment.end_date, guests)
            .join(Stay, Stay.id == StaySegment.stay_id)
            .where(
                Stay.establishment_id == self.establishment_id,
                Stay.status != "cancelled",
                StaySegment.start_date <= last,
                sa.or_(StaySegment.end_date > first,
                       sa.and_(StaySegment.end_date == StaySegment.start_date, StaySegment.start_date >= first)),
            )
        )
        booked: dict[tuple[int, date], int] = {}
        for room_id, start, end, count in db.session.execute(query):
            for day in occupied_dates(start, end):
                if (room_id, day) in self.nights:
                    booked[(room_id, day)] = booked.get((room_id, day), 0) + count
        numbers = self.numbers
        reported = set()
        for (room_id, day), count in sorted(booked.items(), key=lambda item: item[0][1]):
            in_file, row = self.nights[(room_id, day)]
            if in_file + count > self.capacity[room_id] and (room_id, row) not in reported:
                reported.add((room_id, row))
                free = max(self.capacity[room_id] - count, 0)
                self.error(row, "room", _("Room %(room)s has %(free)s free place(s) on %(date)s.",
                                          room=numbers[room_id], free=free, date=day))
        # One streamed scan of the guests staying in the file's date range: cheaper than thousands
        # of IN lists, and bounded by what the establishment holds in that range.
        query = self._existing(
            sa.select(Guest.document_index, Stay.arrival, Stay.departure)
            .join(Stay, Stay.id == Guest.stay_id)
            .where(
                Stay.establishment_id == self.establishment_id,
                Stay.status != "cancelled",
                Stay.arrival <= self.last,
                Stay.departure >= self.first,
                Guest.document_index.is_not(None),
            )
        ).execution_options(yield_per=5000)
        for index, arrival, departure in db.session.execute(query):
            for start, end, row in self.documents.get(index, ()):
                if _dates_overlap(start, end, arrival, departure):
                    self.error(row, "document_number",
                               _("This guest is already staying in another room on these dates."))

    def summary(self) -> dict:
        return {"rows": self.rows, "stays": self.stays, "guests": self.rows,
                "first": self.first.isoformat() if self.first else None,
                "last": self.last.isoformat() if self.last else None}


# -- inserting -----------------------------------------------------------------------------------

class Inserter:
    """Buffer checked stays and insert them in chunks with Core executemany, inside one transaction."""

    def __init__(self, establishment_id: int, actor_id: int | None):
        self.establishment_id = establishment_id
        self.actor_id = actor_id
        self.now = utcnow()
        self.today = today()
        self.buffer: list[ParsedStay] = []
        self.stays = 0
        self.guests = 0
        self.declarations = 0
        self.first_id: int | None = None

    def add(self, stay: ParsedStay) -> None:
        self.buffer.append(stay)
        if len(self.buffer) >= CHUNK_STAYS:
            self.flush()

    def _postgresql(self):
        """The psycopg connection of this session's transaction, on PostgreSQL; else None."""
        connection = db.session.connection()
        if connection.dialect.name != "postgresql" or connection.dialect.driver != "psycopg":
            return None
        return connection.connection.driver_connection

    def _insert_stays(self, rows: list[dict]) -> list[int]:
        table = Stay.__table__
        raw = self._postgresql()
        if raw is None:
            return list(db.session.execute(
                sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), rows).scalars())
        # Ids first, from the table's own sequence, so the rows can be copied in with them.
        ids = list(db.session.scalars(
            sa.text("SELECT nextval(pg_get_serial_sequence('stay', 'id')) FROM generate_series(1, :n)"),
            {"n": len(rows)}))
        for stay_id, row in zip(ids, rows, strict=True):
            row["id"] = stay_id
        self._insert(table, rows)
        return ids

    def _insert(self, table: sa.Table, rows: list[dict]) -> None:
        """Insert rows in this transaction: COPY on PostgreSQL, Core executemany elsewhere."""
        raw = self._postgresql()
        if raw is None:
            db.session.execute(sa.insert(table), rows)
            return
        # psycopg re-parses every long multi-row INSERT in Python; COPY is many times faster.
        columns = list(rows[0])
        statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(tuple(row[column] for column in columns))

    def flush(self) -> None:
        if not self.buffer:
            return
        now, current = self.now, self.today
        rows = [
            {
                "establishment_id": self.establishment_id, "room_id": stay.room_id, "arrival": stay.arrival,
                "departure": stay.departure,
                "status": "in_house" if stay.departure >= current else "checked_out",
                "group_name": stay.group, "source": "import", "checked_in_at": now,
                "checked_out_at": None if stay.departure >= current else now,
                "created_by_id": self.actor_id, "created_at": now, "updated_at": now,
            }
            for stay in self.buffer
        ]
        ids = self._insert_stays(rows)
        if self.first_id is None:
            self.first_id = min(ids)
        segments, guests, declarations = [], [], []
        for stay_id, stay in zip(ids, self.buffer, strict=True):
            segments.append({"stay_id": stay_id, "room_id": stay.room_id, "start_date": stay.arrival,
                             "end_date": stay.departure})
            for position, (guest, index) in enumerate(zip(stay.guests, stay.indexes, strict=True)):
                guests.append({
                    "stay_id": stay_id, "establishment_id": self.establishment_id, "position": position,
                    "full_name": guest.full_name, "name_search": guest.name_search,
                    "birth_date": guest.birth_date, "birth_year": guest.birth_date.year,
                    "document_ciphertext": crypto.encrypt_document(guest.document_number),
                    "document_index": index, "document_last3": guest.document_number[-3:],
                    "sex": guest.sex, "nationality": guest.nationality,
                    "residence_country": guest.residence_country, "document_type": guest.document_type,
                    "purpose": guest.purpose,
                })
            if stay.departure >= current:
                declarations.append({
                    "establishment_id": self.establishment_id, "stay_id": stay_id,
                    "idempotency_key": uuid.uuid4().hex, "status": "pending",
                    "deadline": declaration_deadline(stay.arrival, now), "attempts": 0,
                    "next_attempt_at": now, "last_error": "", "reference": "", "created_at": now,
                })
        for table, rows in ((StaySegment.__table__, segments), (Guest.__table__, guests),
                            (Declaration.__table__, declarations)):
            if rows:
                self._insert(table, rows)
        self.stays += len(ids)
        self.guests += len(guests)
        self.declarations += len(declarations)
        self.buffer.clear()


# -- progress, written outside the import's transaction -------------------------------------------

class Progress:
    """Write rows_done/rows_total on its own connection, so the import transaction stays whole."""

    def __init__(self, job_id: int, in_transaction: bool, echo: Callable | None = None):
        self.job_id = job_id
        self.echo = echo
        engine = db.engine
        # Tests run in one rolled-back connection, and SQLite has one writer: the import itself.
        self.enabled = isinstance(engine, sa.Engine) and not current_app.testing and not (
            in_transaction and engine.dialect.name == "sqlite")

    def __call__(self, done: int, total: int) -> None:
        if self.echo:
            self.echo(done, total)
        if not self.enabled:
            return
        table = ImportJob.__table__
        try:
            with db.engine.connect() as connection:
                connection.execute(
                    sa.update(table).where(table.c.id == self.job_id).values(rows_done=done, rows_total=total))
                connection.commit()
        except sa.exc.SQLAlchemyError:
            log.warning("could not record the progress of import %s", self.job_id, exc_info=True)


# -- the two jobs ---------------------------------------------------------------------------------

def _set_locale(locale: str | None) -> None:
    # A thread or RQ worker has no request: messages are written in the uploader's language.
    if locale and not has_request_context():
        g.locale = locale


def _load(job_id: int) -> tuple[ImportJob | None, Establishment | None]:
    job = db.session.get(ImportJob, job_id)
    if job is None:
        return None, None
    return job, db.session.get(Establishment, job.establishment_id)


def _fail(job: ImportJob, message, status: str = "invalid") -> None:
    job.status = status
    job.errors = [{"row": 0, "field": "", "message": str(message)}]
    job.error_count = 1
    job.finished_at = utcnow()
    _remove_files(job)
    db.session.commit()


def validate_job(job_id: int, locale: str | None = None, on_progress: Callable | None = None) -> None:
    """Read an uploaded file and record its errors or its summary; the job becomes invalid or ready."""
    _set_locale(locale)
    job, establishment = _load(job_id)
    if job is None or job.status != "validating":
        return
    if not establishment.approved:
        _fail(job, _("This establishment is not approved for check-ins yet."))
        return
    checker = ImportPass(establishment, on_progress=Progress(job.id, False, on_progress))
    job_id, path = job.id, stored_file(job)
    db.session.commit()  # end the read snapshot; progress is written on another connection
    try:
        checker.run(path)
    except ImportFileError as error:
        db.session.rollback()
        _fail(db.session.get(ImportJob, job_id), error.message)
        return
    except Exception:
        log.exception("import %s: validation failed", job_id)
        db.session.rollback()
        _fail(db.session.get(ImportJob, job_id), _("The file could not be checked. Try again or contact support."),
              "failed")
        return
    job = db.session.get(ImportJob, job_id)
    job.rows_total = job.rows_done = checker.rows
    job.error_count = checker.error_count
    job.errors = checker.errors
    if checker.error_count:
        job.status = "invalid"
        job.finished_at = utcnow()
        _remove_files(job)
    else:
        job.status = "ready"
        _summary_file(job).write_text(json.dumps(checker.summary()), encoding="utf-8")
    db.session.commit()


def start_commit(job: ImportJob) -> bool:
    """Mark a ready job as importing; False when it is not ready (already done, invalid...)."""
    # Under the lock, two clicks on "import" cannot both see "ready".
    lock_establishment(job.establishment_id)
    if job.status != "ready":
        return False
    job.status = "importing"
    job.rows_done = 0
    db.session.commit()
    return True


def commit_job(job_id: int, locale: str | None = None, actor_id: int | None = None,
               on_progress: Callable | None = None) -> None:
    """Insert every stay of a ready file in one transaction, or nothing when anything has changed."""
    _set_locale(locale)
    job, establishment = _load(job_id)
    if job is None or job.status != "importing":
        return
    path, filename = stored_file(job), job.filename
    progress = Progress(job.id, True, on_progress)
    inserter = Inserter(establishment.id, actor_id)
    try:
        # Nothing touches the job row inside the import transaction until the end, or the
        # progress writes on the other connection would wait for it.
        lock_establishment(establishment.id)
        checker = ImportPass(establishment, on_stay=inserter.add, on_progress=progress)
        checker.run(path, check_database=False)
        inserter.flush()
        # Stays from the first inserted id on are this import's own: the lock kept everyone else out.
        checker.exclude_from_id = inserter.first_id
        checker.check_database()
        checker.errors.sort(key=lambda item: item["row"])
    except ImportFileError as error:
        db.session.rollback()
        _fail(db.session.get(ImportJob, job_id), error.message)
        return
    except Exception:
        log.exception("import %s: commit failed", job_id)
        db.session.rollback()
        _fail(db.session.get(ImportJob, job_id), _("The import failed; nothing was saved. Try again."), "failed")
        return
    if checker.error_count:
        db.session.rollback()
        job = db.session.get(ImportJob, job_id)
        job.status = "invalid"
        job.errors = checker.errors
        job.error_count = checker.error_count
        job.finished_at = utcnow()
        _remove_files(job)
        db.session.commit()
        return
    job = db.session.get(ImportJob, job_id)
    job.status = "done"
    job.stays_created = inserter.stays
    job.rows_total = job.rows_done = checker.rows
    job.errors, job.error_count = [], 0
    job.finished_at = utcnow()
    audit.record(
        "stays_imported", actor=SimpleNamespace(id=actor_id) if actor_id else None, target=job,
        details={"establishment_id": establishment.id, "filename": filename, "stays": inserter.stays,
                 "guests": inserter.guests, "declarations": inserter.declarations},
    )
    db.session.commit()
    _remove_files(job)

