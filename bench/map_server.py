"""The app with the map benchmark's bare Leaflet page mounted at /bench/, on the same server."""

import os

from werkzeug.middleware.shared_data import SharedDataMiddleware

from tourism import create_app

app = create_app()
app.wsgi_app = SharedDataMiddleware(app.wsgi_app, {"/bench": os.environ["BENCH_STATIC"]})
