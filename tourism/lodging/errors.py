"""What the lodging services refuse, with a message for people and fields for forms and the API."""


class LodgingError(Exception):
    """A request the lodging rules refuse; nothing of it has been saved."""

    status = 422
    code = "invalid"

    def __init__(self, message, fields: dict | None = None, code: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code


class Conflict(LodgingError):
    """The rules are fine but the room or the guest is taken on some night (HTTP 409)."""

    status = 409
    code = "conflict"


class NotFound(LodgingError):
    """No such thing in this establishment: another establishment's ids look exactly like this."""

    status = 404
    code = "not_found"
