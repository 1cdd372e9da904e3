"""What the lodging services refuse, with a message for people and fields for forms and the API."""

from tourism.core.errors import ServiceError


class LodgingError(ServiceError):
    """A request the lodging rules refuse; nothing of it has been saved."""

    status = 422
    code = "invalid"


class Conflict(LodgingError):
    """The rules are fine but the room or the guest is taken on some night (HTTP 409)."""

    status = 409
    code = "conflict"


class NotFound(LodgingError):
    """No such thing in this establishment: another establishment's ids look exactly like this."""

    status = 404
    code = "not_found"
