"""API clients of the test region: one per organisation and scope set, with their tokens."""

from dataclasses import dataclass

import pytest
from django.test import Client as HttpClient

from bwmo.accounts.models import User
from bwmo.api.models import ApiClient
from bwmo.api.scopes import AGGREGATES_READ, CLIENTS_READ, IWMO_READ, IWMO_WRITE
from bwmo.api.services import api_client_register

ALL = [CLIENTS_READ, IWMO_READ, AGGREGATES_READ]

# name: (organisation key in RegionSetup.org, scopes)
API_CLIENTS = {
    "assen": ("assen", ALL),
    "emmen": ("emmen", ALL),
    "aanbieder": ("aanbieder", ALL),
    "opvang": ("opvang", ALL),
    "regio": ("regio", [AGGREGATES_READ, IWMO_READ]),
    "assen_aggregates": ("assen", [AGGREGATES_READ]),
    "assen_none": ("assen", []),
    "aanbieder_write": ("aanbieder", [IWMO_WRITE]),
}


@dataclass
class Caller:
    api_client: ApiClient
    token: str

    def get(self, path: str, **params):
        return HttpClient().get(path, params, HTTP_AUTHORIZATION=f"Bearer {self.token}")

    def post(self, path: str, data: dict):
        return HttpClient().post(
            path, data, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {self.token}"
        )


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", password="x" * 16)


@pytest.fixture
def callers(region_setup, superuser) -> dict[str, Caller]:
    result = {}
    for name, (org, scopes) in API_CLIENTS.items():
        client, token = api_client_register(
            name=f"Koppeling {name}",
            organisation=region_setup.org[org],
            scopes=scopes,
            by=superuser,
        )
        result[name] = Caller(client, token)
    return result
