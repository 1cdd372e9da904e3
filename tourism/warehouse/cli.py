"""`flask warehouse …` commands: the refresh that loads the statistics."""

import click

warehouse_group = click.Group("warehouse", help="The statistics warehouse: refresh and runs.")


@warehouse_group.command("refresh")
@click.option("--full", is_flag=True, help="Rebuild everything instead of loading what changed.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Count up to this day (default: today in the province).")
def refresh_command(full: bool, as_of):
    """Load what changed in the lodging tables into the warehouse, all or nothing."""
    from tourism.warehouse import refresh

    as_of = as_of.date() if as_of else None
    with click.progressbar(length=1, label="Warehouse refresh", show_pos=True) as bar:
        state = {"length": None}

        def on_progress(step: str, count: int) -> None:
            if state["length"] is None:
                return
            bar.update(count)

        def start(total: int) -> None:
            # Stays to read, then the four recomputation steps.
            state["length"] = bar.length = total + 4
            bar.render_progress()

        try:
            run = refresh.refresh(full=full, as_of=as_of, on_progress=on_progress, on_start=start)
        except refresh.RefreshLocked:
            raise click.ClickException(
                "Another warehouse refresh is running. Nothing was changed; run this again when it has finished."
            ) from None
    kind = "full" if run.full else "incremental"
    rate = run.stays_read / run.seconds if run.seconds else 0
    click.echo(
        f"Warehouse refreshed ({kind}, as of {run.as_of}): {run.stays_read} stays read, "
        f"{run.rows_written} rows written in {run.seconds:.1f} s ({rate:,.0f} stays/s; {run.message})."
    )


@warehouse_group.command("runs")
@click.option("--limit", default=10, show_default=True)
def runs_command(limit: int):
    """List the latest refresh runs."""
    import sqlalchemy as sa

    from tourism.extensions import db
    from tourism.warehouse.models import RefreshRun

    for run in db.session.scalars(sa.select(RefreshRun).order_by(RefreshRun.id.desc()).limit(limit)):
        click.echo(
            f"{run.id:>5} {run.started_at:%Y-%m-%d %H:%M} {run.status:<9} {'full' if run.full else 'incr.':<5} "
            f"as of {run.as_of} · {run.stays_read} stays read · {run.rows_written} rows · {run.seconds:.1f} s"
            + (f" · {run.message}" if run.message else "")
        )
