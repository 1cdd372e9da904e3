"""Walk the whole URL map: every GET route answers, in every locale, on every backend."""

import sqlalchemy as sa

from tourism.extensions import db
from tourism.i18n import LOCALES
from tourism.portal.models import Event, NewsArticle, Place

REDIRECTS = {"core.root"}


def sample_values(app) -> dict:
    with app.app_context():
        first = lambda model: db.session.scalar(sa.select(model.slug).order_by(model.slug).limit(1))  # noqa: E731
        return {
            "portal.place": {"slug": first(Place)},
            "portal.event": {"slug": first(Event)},
            "portal.article": {"slug": first(NewsArticle)},
            "static": {"filename": "css/site.css"},
            "bootstrap.static": {"filename": "css/bootstrap.min.css"},
        }


def test_every_get_route_answers(app, client):
    samples = sample_values(app)
    checked = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        values = dict(samples.get(rule.endpoint, {}))
        missing = rule.arguments - set(values) - {"locale"}
        assert not missing, f"{rule.rule}: add sample values for {missing} to this test"
        locales = LOCALES if "locale" in rule.arguments else [None]
        for locale in locales:
            if locale:
                values["locale"] = locale
            with app.test_request_context():
                from flask import url_for

                url = url_for(rule.endpoint, **values)
            response = client.get(url)
            expected = 302 if rule.endpoint in REDIRECTS else 200
            assert response.status_code == expected, (rule.rule, url, response.status_code)
            checked.append(url)
    assert len(checked) >= 7 * 8
