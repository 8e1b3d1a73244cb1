"""Every operation of the served OpenAPI document, exercised by schemathesis with generated
requests (bounded: ``EXAMPLES`` per operation): no server error, and every response (status,
headers, content type, body) conforms to the document.

The operations are run one after the other inside one test (hypothesis's ``given`` per
operation), so the test database and the API client's token are made once.
"""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from bwmo.api.scopes import IWMO_WRITE
from bwmo.wsgi import application
from tests.factories import granted_client, mo_client

from .conftest import ALL

EXAMPLES = 8
# A request the document allows may still be refused rightly: a region code that does not
# exist (404) or a period that ends before it starts (400, with invalidParams). Every other
# check runs, among them no server error, response schema, status code, headers, content
# type and that requests the document forbids are refused.
EXCLUDED = [checks.positive_data_acceptance]


@pytest.fixture
def served_schema(db):
    # Called through WSGI directly (not Django's test client), a request would close the
    # test database's connection at its end, as in production: not during this test.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(region_setup, superuser):
    from bwmo.api.services import api_client_register

    granted_client(region_setup)
    mo_client(region_setup)
    _client, token = api_client_register(
        name="Schemathesis",
        organisation=region_setup.org["assen"],
        scopes=ALL,
        by=superuser,
        rate_per_minute=1_000_000,  # the generated requests are not to be throttled
    )
    return token


@pytest.fixture
def provider_token(region_setup, superuser, settings, tmp_path):
    """A provider's API client that may send iWmo files (what it sends is read in)."""
    from bwmo.api.services import api_client_register

    settings.DATA_DIR = tmp_path
    _client, token = api_client_register(
        name="Schemathesis aanbieder",
        organisation=region_setup.org["aanbieder"],
        scopes=[IWMO_WRITE],
        by=superuser,
        rate_per_minute=1_000_000,
    )
    return token


# The operations a provider's API client calls (the others: the municipality's client).
AS_PROVIDER = {"POST /iwmo-messages"}


def test_every_operation_conforms_to_the_document(served_schema, token, provider_token):
    operations = [result.ok() for result in served_schema.get_all_operations()]
    assert len(operations) >= 14
    calls: dict[str, int] = {}
    failures: list[str] = []

    def runner(operation, label: str):
        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            calls[label] += 1
            caller = provider_token if label in AS_PROVIDER else token
            headers = {"Authorization": f"Bearer {caller}"}
            case.call_and_validate(headers=headers, excluded_checks=EXCLUDED)

        return run

    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        calls[label] = 0
        try:
            runner(operation, label)()
        except Exception as error:  # every operation is run; all failures are reported
            failures.append(f"{label}: {error}")
    print(f"schemathesis: {len(operations)} operations, {sum(calls.values())} requests")
    assert not failures, "\n\n".join(failures)
