"""Importing stays from CSV and XLSX: template, preview with errors row by row, all-or-nothing commit."""

import csv
import io
import threading
import zipfile
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from tests.conftest import csrf_token, guest, vietnamese_guest
from tourism.extensions import db
from tourism.lodging import importer, services
from tourism.lodging.models import Declaration, Guest, ImportJob, Stay
from tourism.lodging.validation import MAX_PAST_DAYS

UPLOAD = "/en/lodging/import/"


def day(offset: int = 0):
    """Yesterday plus `offset` days."""
    return services.today() + timedelta(days=offset - 1)


def row(room, arrival, departure, data=None, group="", **overrides):
    data = dict(data or guest())
    data.update(overrides)
    return {"room": room, "arrival": str(arrival), "departure": str(departure), "group": group, **data}


def csv_bytes(rows, delimiter=",", bom=False, columns=importer.COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, delimiter=delimiter, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode()


def xlsx_bytes(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(importer.COLUMNS)
    for item in rows:
        sheet.append([item.get(column, "") for column in importer.COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def good_rows():
    """A past stay of two Vietnamese guests in 101, and a current one of a Korean guest in 102."""
    return [
        row("101", day(-30), day(-28), vietnamese_guest("079190001234")),
        row("101", day(-30), day(-28), vietnamese_guest("079190005678"), full_name="Trần Thị Bình", sex="F"),
        row("102", day(0), day(2), guest(document_number="M55544433"), group="Seoul Tech"),
    ]


def upload(client, content: bytes, filename="stays.csv"):
    token = csrf_token(client, UPLOAD)
    return client.post(UPLOAD, data={"csrf_token": token, "file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def latest_job(establishment) -> ImportJob:
    return db.session.scalar(
        sa.select(ImportJob).where(ImportJob.establishment_id == establishment.id).order_by(ImportJob.id.desc())
    )


def imported_stays(establishment):
    return list(db.session.scalars(
        sa.select(Stay).where(Stay.establishment_id == establishment.id, Stay.source == "import").order_by(Stay.id)
    ))


def commit(client, job):
    token = csrf_token(client, f"/en/lodging/import/{job.id}")
    return client.post(f"/en/lodging/import/{job.id}/commit", data={"csrf_token": token})


# -- template ----------------------------------------------------------------------------------

def test_csv_template_parses_back_with_the_documented_header(sign_in_as):
    client = sign_in_as("lodging_staff")
    response = client.get("/en/lodging/import/template.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    reader = csv.reader(io.StringIO(response.data.decode("utf-8-sig")))
    rows = list(reader)
    assert tuple(rows[0]) == importer.COLUMNS
    assert len(rows) >= 2 and rows[1][0] == "101"


def test_xlsx_template_has_guests_and_help_sheets(sign_in_as):
    client = sign_in_as("lodging_manager")
    response = client.get("/en/lodging/import/template.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    assert book.sheetnames == ["Guests", "Help"]
    header = next(book["Guests"].iter_rows(values_only=True))
    assert tuple(header) == importer.COLUMNS
    documented = {r[0] for r in book["Help"].iter_rows(min_row=2, values_only=True) if r and r[0]}
    assert set(importer.COLUMNS) <= documented


def test_templates_are_for_the_establishment_only(sign_in_as):
    client = sign_in_as("tourist")
    assert client.get("/en/lodging/import/template.csv").status_code == 403


# -- end to end --------------------------------------------------------------------------------

def test_good_csv_imports_end_to_end(sign_in_as, establishment):
    client = sign_in_as("lodging_staff")
    response = upload(client, csv_bytes(good_rows(), delimiter=";", bom=True))
    job = latest_job(establishment)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/import/{job.id}")
    assert job.status == "ready", job.errors
    preview = client.get(f"/en/lodging/import/{job.id}").get_data(as_text=True)
    assert "Import 2 stays" in preview
    assert not imported_stays(establishment)

    assert commit(client, job).status_code == 302
    db.session.expire_all()
    job = db.session.get(ImportJob, job.id)
    assert job.status == "done" and job.stays_created == 2
    stays = imported_stays(establishment)
    assert [(s.room.number, s.status, len(s.guests)) for s in stays] == [("101", "checked_out", 2), ("102", "in_house", 1)]
    assert stays[1].group_name == "Seoul Tech"
    assert [s.start_date for s in stays[0].segments] == [day(-30)]
    declared = set(db.session.scalars(sa.select(Declaration.stay_id).where(Declaration.stay_id.in_([s.id for s in stays]))))
    assert declared == {stays[1].id}
    first = stays[0].guests[0]
    assert first.document_last3 == "234" and first.name_search == "nguyen van an"
    assert first.document_ciphertext and b"079190001234" not in first.document_ciphertext
    found = db.session.scalars(services.register_query(establishment.id, document="079190001234")).all()
    assert [g.id for g in found] == [first.id]
    from tourism.core.audit import AuditEvent

    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "stays_imported"))
    assert event.details["stays"] == 2 and event.target_id == job.id
    assert "2 stays were imported" in client.get(f"/en/lodging/import/{job.id}").get_data(as_text=True)
    # Committing twice imports nothing more.
    commit(client, job)
    assert len(imported_stays(establishment)) == 2


def test_good_xlsx_imports_end_to_end(sign_in_as, establishment):
    client = sign_in_as("lodging_manager")
    rows = good_rows()
    upload(client, xlsx_bytes(rows), "register.xlsx")
    job = latest_job(establishment)
    assert job.status == "ready", job.errors
    commit(client, job)
    stays = imported_stays(establishment)
    assert len(stays) == 2 and sum(len(s.guests) for s in stays) == 3


def test_xlsx_numeric_citizen_id_keeps_its_leading_zero(sign_in_as, establishment):
    client = sign_in_as("lodging_staff")
    book = Workbook()
    sheet = book.active
    sheet.append(importer.COLUMNS)
    data = row("103", day(-10), day(-9), vietnamese_guest())
    sheet.append([79190001234 if c == "document_number" else data.get(c, "") for c in importer.COLUMNS])
    out = io.BytesIO()
    book.save(out)
    upload(client, out.getvalue(), "ids.xlsx")
    job = latest_job(establishment)
    assert job.status == "ready", job.errors
    commit(client, job)
    assert imported_stays(establishment)[0].guests[0].document_last3 == "234"


# -- errors row by row ---------------------------------------------------------------------------

def test_bad_rows_are_listed_row_by_row_and_nothing_is_imported(sign_in_as, establishment):
    client = sign_in_as("lodging_staff")
    rows = [
        row("101", day(-20), day(-19), vietnamese_guest("12345")),                        # 2: bad CCCD
        row("999", day(-20), day(-19), guest(document_number="P1111111")),               # 3: unknown room
        row("102", day(-20), day(-19), guest(document_number="P2222222")),               # 4: fills 102
        row("102", day(-20), day(-19), guest(document_number="P3333333")),               # 5
        row("102", day(-20), day(-18), guest(document_number="P4444444")),               # 6: over capacity
        row("103", day(-20), day(-22), guest(document_number="P5555555")),               # 7: departure first
        row("201", day(-20), day(-19), guest(document_number="P6666666", nationality="QQ")),  # 8: country
        row("202", day(-25), day(-24), guest(document_number="P7777777")),               # 9: fine
    ]
    upload(client, csv_bytes(rows))
    job = latest_job(establishment)
    assert job.status == "invalid"
    found = {(e["row"], e["field"]) for e in job.errors}
    assert {(2, "document_number"), (3, "room"), (6, "room"), (7, "departure"), (8, "nationality")} <= found
    assert all(e["row"] != 9 for e in job.errors)
    assert job.error_count == len(job.errors)
    page = client.get(f"/en/lodging/import/{job.id}").get_data(as_text=True)
    assert "A Vietnamese citizen ID has exactly 12 digits." in page
    assert "No such room in this establishment." in page
    assert "nothing was imported" in page
    assert f'action="/en/lodging/import/{job.id}/commit"' not in page
    assert commit(client, job).status_code == 302
    assert not imported_stays(establishment)


def test_errors_are_in_the_users_language(sign_in_as, establishment):
    client = sign_in_as("lodging_staff")
    token = csrf_token(client, "/vi/lodging/import/")
    content = csv_bytes([row("999", day(-3), day(-2))])
    client.post("/vi/lodging/import/", data={"csrf_token": token, "file": (io.BytesIO(content), "a.csv")},
                content_type="multipart/form-data")
    job = latest_job(establishment)
    with client.application.test_request_context("/en/"):
        from flask import g
        from flask_babel import force_locale, gettext

        g.locale = "vi"
        with force_locale("vi"):
            expected = gettext("No such room in this establishment.")
    assert [e["message"] for e in job.errors if e["field"] == "room"] == [expected]


def test_guest_in_two_rooms_on_one_night_and_against_saved_stays(sign_in_as, establishment, ctx):
    services.check_in_one(establishment, "D1", day(-5), day(-3), [guest(document_number="K7654321")], source="desk")
    client = sign_in_as("lodging_staff")
    rows = [
        row("101", day(-40), day(-38), guest(document_number="P1234567")),
        row("102", day(-39), day(-37), guest(document_number="P1234567")),   # row 3: same guest, same night
        row("103", day(-4), day(-2), guest(document_number="K7654321")),     # row 4: already staying in D1
        row("201", day(-60), day(-59), guest(document_number="P1234567")),   # another time: fine
    ]
    upload(client, csv_bytes(rows))
    job = latest_job(establishment)
    assert job.status == "invalid"
    assert {(e["row"], e["field"]) for e in job.errors} == {(3, "document_number"), (4, "document_number")}


def test_capacity_counts_stays_already_in_the_database(sign_in_as, establishment, ctx):
    services.check_in_one(establishment, "101", day(-3), day(-1),
                          [vietnamese_guest("079190001111"), vietnamese_guest("079190002222")])
    client = sign_in_as("lodging_staff")
    upload(client, csv_bytes([row("101", day(-2), day(0), guest(document_number="P9999999"))]))
    job = latest_job(establishment)
    assert job.status == "invalid"
    assert [(e["row"], e["field"]) for e in job.errors] == [(2, "room")]
    assert "0 free place(s)" in job.errors[0]["message"]


def test_same_document_twice_in_one_stay(sign_in_as, establishment):
    client = sign_in_as("lodging_staff")
    rows = [row("201", day(-9), day(-8)), row("201", day(-9), day(-8))]
    upload(client, csv_bytes(rows))
    job = latest_job(establishment)
    assert [(e["row"], e["field"]) for e in job.errors] == [(3, "document_number")]


def test_too_old_arrival_is_refused_and_old_ones_allowed(sign_in_as, establishment):
    client = sign_in_as("lodging_staff")
    rows = [
        row("101", day(-MAX_PAST_DAYS - 5), day(-MAX_PAST_DAYS - 3)),
        row("102", day(-MAX_PAST_DAYS + 10), day(-MAX_PAST_DAYS + 12), guest(document_number="P7654321")),
    ]
    upload(client, csv_bytes(rows))
    job = latest_job(establishment)
    assert [(e["row"], e["field"]) for e in job.errors] == [(2, "arrival")]


# -- all or nothing ------------------------------------------------------------------------------

def test_a_conflict_between_preview_and_commit_saves_nothing(sign_in_as, establishment, ctx):
    client = sign_in_as("lodging_staff")
    rows = [
        row("101", day(-50), day(-49), guest(document_number="P1000001")),
        row("202", day(-1), day(1), guest(document_number="P1000002")),
        row("202", day(-1), day(1), guest(document_number="P1000003")),
    ]
    upload(client, csv_bytes(rows))
    job = latest_job(establishment)
    assert job.status == "ready", job.errors
    # Meanwhile the desk checks someone into 202 for tonight.
    services.check_in_one(establishment, "202", day(0), day(1), [vietnamese_guest("079190003333")])
    commit(client, job)
    db.session.expire_all()
    job = db.session.get(ImportJob, job.id)
    assert job.status == "invalid"
    assert [(e["row"], e["field"]) for e in job.errors] == [(3, "room")]
    assert not imported_stays(establishment)
    assert db.session.scalar(sa.select(sa.func.count(Guest.id)).where(Guest.document_last3 == "001")) == 0


# -- bad files ---------------------------------------------------------------------------------

def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (50 * 1024 * 1024))
    return out.getvalue()


@pytest.mark.parametrize(("content", "filename", "message"), [
    (b"", "empty.csv", "The file is empty."),
    (b"\x00\x01\x02\xff\xfe garbage \x00" * 100, "stays.csv", "binary data"),
    (b"room,arrival\n101,2026-01-01\n", "stays.csv", "lacks these columns"),
    (b"room,arrival,nonsense\n", "stays.csv", "Unknown column"),
    (",".join(importer.COLUMNS).encode() + b"\r\n", "stays.csv", "no rows"),
    ("room,arrival,departure\n".encode("utf-16"), "stays.csv", "binary data"),
    (",".join(importer.COLUMNS).encode() + "\nTrần Thị".encode("latin-1", "replace") + b"\xe0\xe1\xe2\n" * 3, "stays.csv", "not UTF-8"),
    (b"PK\x03\x04 not really a zip", "stays.xlsx", "not an XLSX"),
    (_zip_bomb(), "bomb.xlsx", "too large once unpacked"),
    (b"%PDF-1.4", "stays.pdf", "Upload a CSV or XLSX file."),
])
def test_garbage_files_get_a_clear_message(sign_in_as, establishment, content, filename, message):
    client = sign_in_as("lodging_staff")
    response = upload(client, content, filename)
    assert response.status_code in (302, 422)
    if response.status_code == 422:
        assert message in response.get_data(as_text=True)
        return
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert message in page.get_data(as_text=True)
    job = latest_job(establishment)
    assert job.status == "invalid"
    assert not importer.stored_file(job).exists()


def test_too_many_rows_are_refused(app, sign_in_as, establishment):
    client = sign_in_as("lodging_staff")
    app.config["IMPORT_MAX_ROWS"] = 2
    try:
        upload(client, csv_bytes(good_rows()))
    finally:
        app.config["IMPORT_MAX_ROWS"] = 200_000
    job = latest_job(establishment)
    assert job.status == "invalid" and "more than 2 rows" in job.errors[0]["message"]


def test_upload_is_stored_under_instance_not_static(app, sign_in_as, establishment):
    client = sign_in_as("lodging_staff")
    upload(client, csv_bytes(good_rows()))
    job = latest_job(establishment)
    path = importer.stored_file(job)
    assert path.exists() and path.parent.name == "imports"
    assert str(path).startswith(app.instance_path)
    token = csrf_token(client, f"/en/lodging/import/{job.id}")
    client.post(f"/en/lodging/import/{job.id}/discard", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(ImportJob, job.id).status == "discarded" and not path.exists()


# -- scoping, progress -------------------------------------------------------------------------

def test_another_establishments_job_is_404(sign_in_as, other_establishment):
    job = ImportJob(establishment_id=other_establishment.id, filename="x.csv", stored_path="imports/none.csv",
                    status="ready")
    db.session.add(job)
    db.session.commit()
    client = sign_in_as("lodging_manager")
    assert client.get(f"/en/lodging/import/{job.id}").status_code == 404
    assert client.get(f"/en/lodging/import/{job.id}/progress").status_code == 404
    token = csrf_token(client, UPLOAD)
    assert client.post(f"/en/lodging/import/{job.id}/commit", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/en/lodging/import/{job.id}/discard", data={"csrf_token": token}).status_code == 404
    assert db.session.get(ImportJob, job.id).status == "ready"


def test_progress_endpoint_reports_the_job(sign_in_as, establishment):
    client = sign_in_as("lodging_staff")
    upload(client, csv_bytes(good_rows()))
    job = latest_job(establishment)
    data = client.get(f"/en/lodging/import/{job.id}/progress").get_json()
    assert data == {"id": job.id, "status": "ready", "label": "Ready to import", "rows_done": 3, "rows_total": 3,
                    "percent": 100, "error_count": 0, "stays_created": 0, "finished": True}
    job.status, job.rows_done, job.rows_total = "importing", 250, 1000
    db.session.commit()
    data = client.get(f"/en/lodging/import/{job.id}/progress").get_json()
    assert (data["percent"], data["finished"]) == (25, False)
    page = client.get(f"/en/lodging/import/{job.id}").get_data(as_text=True)
    assert 'data-percent="25"' in page and "js/lodging-import.js" in page and "Refresh" in page


# -- a bigger file, and the CLI ------------------------------------------------------------------

def big_rows(count_stays: int):
    """Two guests a stay, one night each, six rooms a day, going back in time."""
    rooms = ["101", "102", "103", "201", "202", "D1"]
    for number in range(count_stays):
        arrival = day(-800 + number // len(rooms))
        for person in range(2):
            yield row(rooms[number % len(rooms)], arrival, arrival + timedelta(days=1),
                      guest(document_number=f"P{number * 2 + person:07d}", full_name=f"Guest Number {'x' * (person + 1)}"))


def test_three_thousand_rows_import_with_the_right_counts(sign_in_as, establishment):
    client = sign_in_as("lodging_manager")
    upload(client, csv_bytes(big_rows(1500)))
    job = latest_job(establishment)
    assert job.status == "ready", job.errors[:3]
    assert importer.summary(job)["stays"] == 1500 and job.rows_total == 3000
    commit(client, job)
    count = lambda query: db.session.scalar(query)  # noqa: E731
    stays = sa.select(Stay.id).where(Stay.establishment_id == establishment.id, Stay.source == "import")
    assert count(sa.select(sa.func.count()).select_from(stays.subquery())) == 1500
    assert count(sa.select(sa.func.count(Guest.id)).where(Guest.stay_id.in_(stays))) == 3000
    assert count(sa.select(sa.func.count(Declaration.id)).where(Declaration.stay_id.in_(stays))) == 0
    assert count(sa.select(sa.func.count()).select_from(
        sa.select(Stay.id).where(Stay.id.in_(stays), Stay.status == "checked_out").subquery())) == 1500


def test_cli_checks_then_imports(app, establishment, tmp_path):
    path = tmp_path / "stays.csv"
    path.write_bytes(csv_bytes(good_rows()))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["lodging", "import", str(path), "--establishment", "doi-thong-homestay"])
    assert result.exit_code == 0, result.output
    assert "3 rows, 2 stays" in result.output and "--commit" in result.output
    assert not imported_stays(establishment)
    result = runner.invoke(args=["lodging", "import", str(path), "--establishment", "doi-thong-homestay", "--commit"])
    assert result.exit_code == 0, result.output
    assert "Imported 2 stays." in result.output
    assert len(imported_stays(establishment)) == 2


def test_cli_reports_errors_and_unknown_establishment(app, establishment, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([row("999", day(-3), day(-2))]))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["lodging", "import", str(path), "--establishment", "doi-thong-homestay", "--commit"])
    assert result.exit_code == 1
    assert "row 2 [room]: No such room in this establishment." in result.output
    assert not imported_stays(establishment)
    result = runner.invoke(args=["lodging", "import", str(path), "--establishment", "nowhere"])
    assert result.exit_code != 0 and "No establishment" in result.output


# -- background jobs -----------------------------------------------------------------------------

JOB_RAN = threading.Event()
JOB_SEEN: list = []


def note_job(value):
    """A job for the thread runner: it must run inside an app context."""
    from flask import current_app

    JOB_SEEN.append((value, current_app.name))
    JOB_RAN.set()


def test_enqueue_runs_inline_in_tests_and_in_a_thread_without_redis(app):
    from tourism.core import jobs

    JOB_RAN.clear()
    JOB_SEEN.clear()
    assert jobs.enqueue(note_job, 1) == "inline" and [(1, app.name)] == JOB_SEEN
    JOB_RAN.clear()
    redis_url = app.config.get("REDIS_URL")
    app.config.update(JOBS_INLINE=False, REDIS_URL="")
    try:
        assert jobs.enqueue(note_job, 2) == "thread"
    finally:
        app.config.pop("JOBS_INLINE")
        app.config["REDIS_URL"] = redis_url
    assert JOB_RAN.wait(10)
    assert JOB_SEEN[-1] == (2, app.name)
