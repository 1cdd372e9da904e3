"""Forms of the site manager's pages: one day's figures, and a CSV upload."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, StringField
from wtforms.validators import InputRequired

NUMBER = {"inputmode": "numeric", "pattern": "[0-9 ]*", "autocomplete": "off"}


class VisitsForm(FlaskForm):
    """One day's figures; the sites services check them (the same rules as CSV and API)."""

    # Text fields: the service reads "1 200" as well as "1200", and says what is wrong in one place.
    day = DateField(_l("Date"), validators=[InputRequired(_l("Enter the date."))])
    visitors = StringField(_l("Visitors"), validators=[InputRequired(_l("Enter the number of visitors."))],
                           render_kw=NUMBER)
    international_visitors = StringField(_l("International visitors"), render_kw=NUMBER,
                                         description=_l("Of all visitors, those from abroad."))
    revenue = StringField(_l("Ticket revenue (đồng)"), render_kw=NUMBER)


class UploadForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a file to upload."))],
                     description=_l("Columns date,visitors,international_visitors,revenue with a header row. "
                                    "Every row is checked; nothing is saved unless all are valid."),
                     render_kw={"accept": ".csv,text/csv"})
