"""The public lodging directory: approved establishments under /<locale>/stay/."""

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _

from tourism.core.pages import cached_page, flag_arg, int_arg
from tourism.extensions import db
from tourism.i18n import current_locale
from tourism.lodging import establishments
from tourism.lodging.blueprint import directory_bp
from tourism.lodging.models import ESTABLISHMENT_KINDS
from tourism.map import services as map_services
from tourism.portal import services as portal

PER_PAGE = 12


@directory_bp.app_context_processor
def lodging_labels() -> dict:
    return {
        "KIND_LABELS": establishments.KIND_LABELS,
        "STATUS_LABELS": establishments.STATUS_LABELS,
        "PRICE_BAND_LABELS": establishments.PRICE_BAND_LABELS,
    }


def read_filters() -> tuple[establishments.Filters, list[int] | None, list[str]]:
    """Read the directory's filters from the URL; unusable values are dropped with a notice."""
    notices = []
    filters = establishments.Filters(step_free=flag_arg("step_free"))
    kind = request.args.get("type") or None
    if kind and kind not in ESTABLISHMENT_KINDS:
        notices.append(_("Unknown type of establishment ignored."))
    else:
        filters.kind = kind
    star = request.args.get("class") or None
    if star:
        if star in {"1", "2", "3", "4", "5"}:
            filters.star_class = int(star)
        else:
            notices.append(_("Unknown star class ignored."))
    price = request.args.get("price") or None
    if price and price not in establishments.PRICE_BANDS:
        notices.append(_("Unknown price band ignored."))
    else:
        filters.price = price
    area_slug, area_ids = portal.resolve_area_filter(request.args.get("area"))
    if request.args.get("area") and area_slug is None:
        notices.append(_("Unknown area ignored."))
    filters.area = area_slug
    return filters, area_ids, notices


@directory_bp.get("/")
@cached_page()
def directory_list():
    filters, area_ids, notices = read_filters()
    query = establishments.directory_query(filters, area_ids)
    pagination = db.paginate(query, page=int_arg("page"), per_page=PER_PAGE, error_out=False)
    if pagination.page > 1 and not pagination.items:
        abort(404)
    return render_template(
        "lodging/directory/list.html",
        pagination=pagination,
        filters=filters,
        kinds=ESTABLISHMENT_KINDS,
        bands=establishments.PRICE_BANDS,
        localities=portal.localities(),
        notices=notices,
        capacity=establishments.capacity,
    )


@directory_bp.get("/<slug>")
@cached_page()
def directory_page(slug):
    establishment = establishments.get_public(slug)
    bundle = script_url = None
    nearby = []
    if establishment.lat is not None:
        bundle = map_services.mini_map("lodging", establishment, current_locale())
        script_url = url_for("directory.directory_script", slug=slug, v=bundle.etag[:12])
        nearby = portal.nearby_places(establishment.lat, establishment.lon, **map_services.NEARBY["lodging"])
    return render_template(
        "lodging/directory/page.html",
        establishment=establishment,
        capacity=establishments.capacity(establishment),
        nearby=nearby,
        map_bundle=bundle,
        script_url=script_url,
    )


@directory_bp.get("/<slug>/map.js")
def directory_script(slug):
    from tourism.map.views import script_response

    establishment = establishments.get_public(slug)
    if establishment.lat is None:
        abort(404)
    return script_response(map_services.mini_map("lodging", establishment, current_locale()))
