"""Points as a GeoJSON FeatureCollection (RFC 7946), for the public API."""


from tourism.core.pages import absolute_url
from tourism.map.points import LODGING_LAYER, Point
from tourism.map.services import LODGING_LABEL
from tourism.portal.labels import CATEGORY_LABELS


def feature_collection(points: list[Point], locale: str) -> dict:
    """Return the places (and places to stay) as GeoJSON features with links to their pages in `locale`."""
    # One URL is built and the slug swapped in: url_for for each of thousands of points is slow.
    page = absolute_url("portal.place", locale=locale, slug="__slug__")
    stay = absolute_url("directory.directory_page", locale=locale, slug="__slug__")
    static = absolute_url("static", filename="__path__")
    labels = {key: str(label) for key, label in CATEGORY_LABELS.items()}
    labels[LODGING_LAYER] = str(LODGING_LABEL)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": point.id,
                # GeoJSON puts longitude first.
                "geometry": {"type": "Point", "coordinates": [round(point.lon, 6), round(point.lat, 6)]},
                "properties": {
                    "slug": point.slug,
                    "name": point.name,
                    "name_lang": point.name_lang,
                    "category": point.layer,
                    "category_label": labels[point.layer],
                    "step_free": point.step_free,
                    "url": (stay if point.kind == "lodging" else page).replace("__slug__", point.slug),
                    "image": static.replace("__path__", point.image) if point.image else None,
                },
            }
            for point in points
        ],
    }
