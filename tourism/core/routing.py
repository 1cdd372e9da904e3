"""URL converters."""

from werkzeug.routing import IntegerConverter

# The largest id a 32-bit INTEGER column can hold, on PostgreSQL and in our SQLite schema.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """An integer path segment within database range, so `/…/99999999999999999999` is a 404, not a 500."""

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def init_app(app) -> None:
    """Make every `<int:…>` route bounded."""
    app.url_map.converters["int"] = IdConverter
