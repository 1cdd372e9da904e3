"""`flask sites …` commands: create a site, its manager's account and its API tokens."""

import click

from tourism.i18n import LOCALES

sites_group = click.Group("sites", help="Ticketed tourist sites: sites, manager accounts, API tokens.")


def _site(slug: str):
    from tourism.sites.services import site_by_slug

    site = site_by_slug(slug.strip())
    if site is None:
        raise click.ClickException(f"No tourist site with the slug {slug!r}.")
    return site


@sites_group.command("create")
@click.option("--slug", required=True, help="Identifier, lower-case letters, digits and hyphens.")
@click.option("--name", required=True, help="The site's name.")
@click.option("--area", "area_slug", required=True, help="Slug of the portal area it lies in.")
@click.option("--kind", default="attraction", show_default=True)
@click.option("--place", "place_slug", help="Slug of the portal place it is, if any.")
def create_command(slug, name, area_slug, kind, place_slug):
    """Create a ticketed tourist site."""
    from tourism.sites.services import SiteError, create_site

    try:
        site = create_site(slug, name, area_slug, kind=kind, place_slug=place_slug)
    except SiteError as error:
        field, message = next(iter(error.fields.items()), ("slug", error.message))
        raise click.BadParameter(str(message), param_hint=f"--{field}") from None
    click.echo(f"Created the site {site.slug} ({site.name}) with id {site.id}.")


@sites_group.command("account")
@click.option("--site", "slug", required=True, help="The site's slug.")
@click.option("--email", required=True)
@click.option("--name", "display_name", default="", help="Display name (defaults to the email's local part).")
@click.option("--locale", default="vi", type=click.Choice(LOCALES))
def account_command(slug, email, display_name, locale):
    """Create the site's manager account; print a one-time password and a link to set one's own."""
    import secrets

    from flask import current_app, url_for

    from tourism.accounts.services import AccountError, create_user
    from tourism.accounts.tokens import make_token

    site = _site(slug)
    # Random, shown once here and never stored in clear; the manager replaces it through the link.
    password = secrets.token_urlsafe(12)
    try:
        user = create_user(email, password, "site_manager", display_name=display_name, site_slug=site.slug,
                           locale=locale)
    except AccountError as error:
        raise click.BadParameter(str(error.message), param_hint=f"--{error.field}") from None
    base = current_app.config.get("SITE_URL") or "http://localhost:5000"
    with current_app.test_request_context(base_url=base):
        link = url_for("accounts.reset_password", locale=user.locale, token=make_token("reset", user),
                       _external=True)
    click.echo(f"Created {user.email} (site_manager of {site.slug}) with id {user.id}.")
    click.echo(f"One-time password: {password}")
    click.echo(f"Or set a password at (valid {current_app.config['RESET_TOKEN_MINUTES']} minutes): {link}")


@sites_group.command("token")
@click.option("--site", "slug", required=True, help="The site's slug.")
@click.option("--name", default="", help="Which software will use the token.")
def token_command(slug, name):
    """Print a new API token for a site (it is stored hashed and shown only now)."""
    from tourism.sites.tokens import create_token

    _row, token = create_token(_site(slug), name)
    click.echo(token)


@sites_group.command("revoke-token")
@click.option("--site", "slug", required=True, help="The site's slug.")
@click.option("--id", "token_id", required=True, type=int, help="The token's id (see `sites tokens`).")
def revoke_token_command(slug, token_id):
    """Revoke one of a site's API tokens."""
    from tourism.sites.services import NotFound
    from tourism.sites.tokens import revoke_token

    try:
        row = revoke_token(_site(slug).id, token_id)
    except NotFound:
        raise click.ClickException(f"The site {slug!r} has no token with id {token_id}.") from None
    click.echo(f"Revoked the token {row.prefix}…")


@sites_group.command("tokens")
@click.option("--site", "slug", required=True, help="The site's slug.")
def tokens_command(slug):
    """List a site's API tokens (their prefixes only)."""
    from tourism.sites.tokens import list_tokens

    for row in list_tokens(_site(slug).id):
        state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
        used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never"
        click.echo(f"{row.id}\t{row.prefix}…\t{row.name or '-'}\t{state}\tlast used {used}")
