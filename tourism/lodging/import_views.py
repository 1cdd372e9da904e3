"""Import pages: template downloads, upload, preview with errors row by row, commit, progress."""

from flask import Response, abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from tourism.core import jobs
from tourism.i18n import current_locale
from tourism.lodging import importer
from tourism.lodging.blueprint import bp
from tourism.lodging.errors import LodgingError

STATUS_LABELS = {
    "validating": _l("Checking the file"),
    "invalid": _l("Errors found"),
    "ready": _l("Ready to import"),
    "importing": _l("Importing"),
    "done": _l("Imported"),
    "failed": _l("Failed"),
    "discarded": _l("Discarded"),
}
RUNNING = ("validating", "importing")


class ImportForm(FlaskForm):
    file = FileField(_l("CSV or XLSX file"), validators=[FileRequired(_l("Choose a file to upload."))],
                     description=_l("One row per guest, with the template's header row. At most 16 MB."),
                     render_kw={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})


class ActionForm(FlaskForm):
    """An empty form: the CSRF token of the commit and discard buttons."""


def _job_or_404(job_id: int):
    job = importer.get_job(current_user.establishment_id, job_id)
    if job is None:
        abort(404)
    return job


@bp.get("/import/template.csv")
def import_template_csv():
    """Download the CSV template."""
    return Response(importer.template_csv(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=stays-template.csv"})


@bp.get("/import/template.xlsx")
def import_template_xlsx():
    """Download the XLSX template with its Help sheet."""
    return Response(
        importer.template_xlsx(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": "attachment; filename=stays-template.xlsx"},
    )


@bp.route("/import/", methods=["GET", "POST"])
def import_upload():
    """Upload a file of stays; checking it runs in the background."""
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            job = importer.store_upload(current_user.establishment_id, upload.filename, upload.stream, current_user)
        except LodgingError as error:
            form.file.errors = [error.fields.get("file", error.message)]
        else:
            jobs.enqueue(importer.validate_job, job.id, current_locale())
            return redirect(url_for("lodging.import_job", job_id=job.id))
    return render_template(
        "lodging/import/upload.html", form=form, jobs=importer.recent_jobs(current_user.establishment_id),
        STATUS_LABELS=STATUS_LABELS, columns=importer.COLUMNS, optional=importer.OPTIONAL,
        help=importer.COLUMN_HELP,
    ), 422 if form.errors else 200


@bp.get("/import/<int:job_id>")
def import_job(job_id: int):
    """Show a job: its progress, its errors row by row, or its summary and the commit button."""
    job = _job_or_404(job_id)
    return render_template(
        "lodging/import/job.html", job=job, summary=importer.summary(job), form=ActionForm(),
        STATUS_LABELS=STATUS_LABELS, running=job.status in RUNNING, number=format_decimal,
    )


@bp.get("/import/<int:job_id>/progress")
def import_progress(job_id: int):
    """Return a job's status and progress as JSON, for the page's progress bar."""
    job = _job_or_404(job_id)
    total = max(job.rows_total, job.rows_done)
    percent = 100 if job.status not in RUNNING else (int(job.rows_done * 100 / total) if total else 0)
    return jsonify({
        "id": job.id, "status": job.status, "label": str(STATUS_LABELS.get(job.status, job.status)),
        "rows_done": job.rows_done, "rows_total": job.rows_total, "percent": min(percent, 100),
        "error_count": job.error_count, "stays_created": job.stays_created,
        "finished": job.status not in RUNNING,
    })


@bp.post("/import/<int:job_id>/commit")
def import_commit(job_id: int):
    """Import every stay of a checked file, all or nothing."""
    job = _job_or_404(job_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if not importer.start_commit(job):
        flash(_("This file cannot be imported now (%(status)s).", status=STATUS_LABELS.get(job.status, job.status)),
              "warning")
        return redirect(url_for("lodging.import_job", job_id=job.id))
    jobs.enqueue(importer.commit_job, job.id, current_locale(), current_user.id)
    return redirect(url_for("lodging.import_job", job_id=job.id))


@bp.post("/import/<int:job_id>/discard")
def import_discard(job_id: int):
    """Drop a checked file without importing it."""
    job = _job_or_404(job_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if job.status in ("ready", "invalid"):
        importer.discard(job)
        flash(_("The file was discarded; nothing was imported."), "info")
    return redirect(url_for("lodging.import_upload"))
