"""WSGI entry point: `flask --app app …` and `gunicorn app:app`."""

import gc

from tourism import create_app

app = create_app()
# The app's objects live as long as the process. Frozen, they are left out of the collector's
# full passes, which a large answer's thousands of rows would otherwise set off again and again.
gc.freeze()
