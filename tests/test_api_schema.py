"""schemathesis writes requests from the OpenAPI document: no 500, and every answer as documented."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.test_lodging_api_schema import LODGING_OPERATIONS
from tests.test_sites_api import SITE_OPERATIONS
from tests.test_warehouse_opendata import STATS_OPERATIONS

# Every open operation of the document (the hotels' ones, which need a token, are exercised in
# test_lodging_api_schema); the test below fails if one is added and not listed.
OPERATIONS = [("/places", "GET"), ("/openapi.json", "GET")]


def test_every_operation_is_exercised(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    documented = {(path, method.upper()) for path, methods in schema.raw_schema["paths"].items() for method in methods}
    assert documented == set(OPERATIONS) | set(LODGING_OPERATIONS) | set(SITE_OPERATIONS) | set(STATS_OPERATIONS)


@pytest.mark.parametrize("path, method", OPERATIONS)
def test_api_answers_as_its_document_says(app, path, method):
    # schemathesis's pytest plugin does not load under pytest 9, so its strategy drives Hypothesis here.
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case):
        # OpenAPI 3.0 cannot say "west ≤ east" or "latitude within ±90" across a bbox's four
        # numbers, so a schema-valid bbox may rightly get a 400; every other check stays on.
        case.call_and_validate(excluded_checks=[positive_data_acceptance])

    check()
