"""`flask lodging …` commands: tokens, imports, declarations and the retention purge."""

import click

lodging_group = click.Group("lodging", help="Lodging: API tokens, imports, declarations, retention.")


@lodging_group.command("purge-personal-data")
def purge_personal_data_command():
    """Clear guests' personal fields of stays that ended more than RETENTION_DAYS ago."""
    from flask import current_app

    from tourism.core import audit
    from tourism.extensions import db
    from tourism.lodging.services import purge_personal_data

    purged = purge_personal_data()
    audit.record("personal_data_purged", details={"guests": purged, "retention_days": current_app.config["RETENTION_DAYS"]})
    db.session.commit()
    click.echo(f"Purged the personal data of {purged} guests (retention {current_app.config['RETENTION_DAYS']} days).")


@lodging_group.command("send-declarations")
@click.option("--limit", default=500, show_default=True, help="Most declarations to send in this run.")
def send_declarations_command(limit):
    """Deliver the due police residence declarations to DECLARATION_URL."""
    from tourism.lodging.declarations import send_pending

    result = send_pending(limit=limit)
    if not result.configured:
        click.echo("DECLARATION_URL is not set: nothing was sent; declarations wait in the outbox.")
        return
    click.echo(f"Declarations: {result.sent} sent, {result.retrying} to retry later, {result.failed} failed permanently.")


@lodging_group.command("token")
@click.option("--establishment", "slug", required=True, help="The establishment's slug.")
@click.option("--name", default="", help="Which software will use the token.")
def token_command(slug: str, name: str):
    """Print a new API token for an establishment (it is stored hashed and shown only now)."""
    import sqlalchemy as sa

    from tourism.extensions import db
    from tourism.lodging.models import Establishment
    from tourism.lodging.tokens import create_token

    establishment = db.session.scalar(sa.select(Establishment).where(Establishment.slug == slug.strip()))
    if establishment is None:
        raise click.ClickException(f"No establishment with the slug {slug!r}.")
    _row, token = create_token(establishment, name)
    click.echo(token)


@lodging_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--establishment", "slug", required=True, help="The establishment's slug.")
@click.option("--commit", is_flag=True, help="Import the stays when the file has no errors (default: check only).")
def import_command(file: str, slug: str, commit: bool):
    """Check a CSV or XLSX file of stays, and with --commit import it all or nothing."""
    from pathlib import Path

    import sqlalchemy as sa

    from tourism.extensions import db
    from tourism.lodging import importer
    from tourism.lodging.errors import LodgingError
    from tourism.lodging.models import Establishment

    establishment = db.session.scalar(sa.select(Establishment).where(Establishment.slug == slug.strip()))
    if establishment is None:
        raise click.ClickException(f"No establishment with the slug {slug!r}.")
    try:
        with open(file, "rb") as stream:
            job = importer.store_upload(establishment.id, Path(file).name, stream)
    except LodgingError as error:
        raise click.ClickException(str(error.message)) from None

    def run(label, function, *args):
        bar = click.progressbar(length=1, label=label, show_pos=True)
        with bar:
            def progress(done, total):
                bar.length = max(total, done, 1)
                bar.update(done - bar.pos)

            function(job.id, *args, on_progress=progress)

    run("Checking", importer.validate_job, "en")
    job = db.session.get(importer.ImportJob, job.id)
    if job.status != "ready":
        click.echo(f"{job.error_count} error(s); nothing imported.", err=True)
        for item in job.errors or []:
            where = f"row {item['row']}" if item["row"] else "file"
            column = f" [{item['field']}]" if item["field"] else ""
            click.echo(f"  {where}{column}: {item['message']}", err=True)
        raise SystemExit(1)
    found = importer.summary(job) or {}
    click.echo(f"{found.get('rows')} rows, {found.get('stays')} stays, from {found.get('first')} to {found.get('last')}: no errors.")
    if not commit:
        importer.discard(job)
        click.echo("Checked only; run again with --commit to import.")
        return
    importer.start_commit(job)
    run("Importing", importer.commit_job, "en", None)
    job = db.session.get(importer.ImportJob, job.id)
    if job.status != "done":
        for item in job.errors or []:
            click.echo(f"  row {item['row']} [{item['field']}]: {item['message']}", err=True)
        raise click.ClickException("The import failed; nothing was saved.")
    click.echo(f"Imported {job.stays_created} stays.")
