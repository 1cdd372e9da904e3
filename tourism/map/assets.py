"""Serve the map's JavaScript and CSS from pip packages, and point folium at them."""

from dataclasses import dataclass
from pathlib import Path

import folium
import xstatic.pkg.leaflet as xstatic_leaflet
import xstatic.pkg.leaflet_markercluster as xstatic_markercluster
from flask import Blueprint, abort, send_from_directory, url_for


@dataclass(frozen=True)
class Package:
    directory: Path
    version: str
    files: frozenset[str] | None = None  # None: everything in the directory


# Versions are part of the URL, so the files can be cached for a year.
PACKAGES = {
    "leaflet": Package(Path(xstatic_leaflet.BASE_DIR), xstatic_leaflet.VERSION),
    "markercluster": Package(Path(xstatic_markercluster.BASE_DIR), xstatic_markercluster.VERSION),
    # folium ships the heat-map plugin it links to from a CDN; only that file is served.
    "folium": Package(
        Path(folium.__file__).parent / "templates", folium.__version__, frozenset({"leaflet_heat.min.js"})
    ),
}

# folium's asset names → the same file from a package above.
FOLIUM_ASSETS = {
    "leaflet": ("leaflet", "leaflet.js"),
    "leaflet_css": ("leaflet", "leaflet.css"),
    "markerclusterjs": ("markercluster", "leaflet.markercluster.js"),
    "markerclustercss": ("markercluster", "MarkerCluster.css"),
    "markerclusterdefaultcss": ("markercluster", "MarkerCluster.Default.css"),
    "leaflet-heat.js": ("folium", "leaflet_heat.min.js"),
}
# folium's defaults the pages do without: base.html already loads Bootstrap-Flask's Bootstrap,
# markers are DivIcons styled by site.css instead of awesome-markers, and nothing uses jQuery.
UNUSED_ASSETS = frozenset(
    {
        "jquery",
        "bootstrap",
        "bootstrap_css",
        "awesome_markers",
        "awesome_markers_css",
        "awesome_markers_font_css",
        "awesome_rotate_css",
        "glyphicons_css",
    }
)

bp = Blueprint("vendor", __name__, url_prefix="/vendor")


@bp.get("/<package>/<version>/<path:filename>")
def asset(package, version, filename):
    source = PACKAGES.get(package)
    if source is None or version != source.version:
        abort(404)
    if source.files is not None and filename not in source.files:
        abort(404)
    return send_from_directory(source.directory, filename, max_age=365 * 24 * 3600)


def asset_url(name: str) -> str:
    """Return our own URL for one of folium's asset names; unknown names are an error."""
    try:
        package, filename = FOLIUM_ASSETS[name]
    except KeyError:
        raise LookupError(f"folium asset {name!r} has no local copy; add it to FOLIUM_ASSETS") from None
    return url_for("vendor.asset", package=package, version=PACKAGES[package].version, filename=filename)


def localize(element) -> None:
    """Point every folium element below `element` at our copies of its JS and CSS."""
    for child in walk(element):
        for attribute in ("default_js", "default_css"):
            links = getattr(child, attribute, None)
            if links:
                # An instance attribute: folium's class-level lists stay as they are.
                setattr(
                    child,
                    attribute,
                    [(name, asset_url(name)) for name, _ in links if name not in UNUSED_ASSETS],
                )


def walk(element):
    """Yield an element and all its descendants, parents first."""
    yield element
    for child in element._children.values():
        yield from walk(child)
