"""Routes outside the locale prefix: language negotiation, health, sitemap, robots."""

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, url_for

from tourism.core.pages import absolute_url
from tourism.extensions import cache, db
from tourism.i18n import LOCALES, language_tag, negotiate_locale

bp = Blueprint("core", __name__)


@bp.get("/")
def root():
    response = redirect(url_for("portal.home", locale=negotiate_locale()), code=302)
    response.vary.add("Accept-Language")
    return response


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        current_app.logger.error("readiness check failed: %s", error)
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


def sitemap_pages() -> list[tuple[str, dict]]:
    """Return (endpoint, values) of every public page, without the locale."""
    from tourism.lodging.models import Establishment
    from tourism.map.models import Itinerary
    from tourism.portal.models import Event, NewsArticle, Place

    pages = [("portal.home", {}), ("portal.places", {}), ("portal.events", {}),
             ("portal.news", {}), ("map.map_page", {}), ("map.itinerary_list", {})]
    pages += [
        ("map.itinerary", {"slug": s})
        for s in db.session.scalars(sa.select(Itinerary.slug).order_by(Itinerary.slug))
    ]
    pages += [("portal.place", {"slug": s}) for s in db.session.scalars(sa.select(Place.slug).order_by(Place.slug))]
    pages += [("directory.directory_list", {})]
    pages += [("statistics.index", {})]
    pages += [
        ("directory.directory_page", {"slug": s})
        for s in db.session.scalars(
            sa.select(Establishment.slug).where(Establishment.status == "approved").order_by(Establishment.slug)
        )
    ]
    pages += [("portal.event", {"slug": s}) for s in db.session.scalars(sa.select(Event.slug).order_by(Event.slug))]
    pages += [
        ("portal.article", {"slug": s})
        for s in db.session.scalars(sa.select(NewsArticle.slug).order_by(NewsArticle.slug))
    ]
    return pages


@bp.get("/sitemap.xml")
def sitemap():
    from tourism.portal.services import content_version

    key = f"sitemap:{content_version()}"
    body = cache.get(key)
    if body is None:
        entries = [
            {
                "alternates": [
                    (language_tag(code), absolute_url(endpoint, locale=code, **values)) for code in LOCALES
                ],
            }
            for endpoint, values in sitemap_pages()
        ]
        body = render_template("sitemap.xml", entries=entries, LOCALES=LOCALES)
        cache.set(key, body, timeout=3600)
    return Response(body, mimetype="application/xml")


@bp.get("/robots.txt")
def robots():
    lines = ["User-agent: *", "Disallow: /api/", f"Sitemap: {absolute_url('core.sitemap')}", ""]
    return Response("\n".join(lines), mimetype="text/plain")
