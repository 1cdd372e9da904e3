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
