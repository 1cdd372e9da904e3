"""Form validators shared by every subsystem: clean, single-line, human text."""

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

# Zero-width characters and bidirectional controls: invisible, and able to disguise a name
# (a right-to-left override, U+202E, makes "evil<U+202E>txt.exe" display as "evilexe.txt").
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad\u180e]")


def strip_text(value):
    """Normalise to NFC and trim surrounding whitespace."""
    if not isinstance(value, str):
        return value
    return unicodedata.normalize("NFC", value).strip()


class PlainText:
    """Refuse control, zero-width and direction-changing characters, and line breaks."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, form, field):
        value = field.data or ""
        if _INVISIBLE.search(value):
            raise ValidationError(_l("Remove invisible or text-direction characters."))
        allowed = "\n\r\t" if self.multiline else ""
        if any(unicodedata.category(char) == "Cc" and char not in allowed for char in value):
            raise ValidationError(_l("Remove control characters and line breaks."))
