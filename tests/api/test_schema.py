import json

import pytest


@pytest.mark.django_db
def test_the_openapi_document_is_served_as_json_and_yaml(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    assert document["info"]["contact"]["email"]
    assert document["servers"] == [{"url": "/api/v1", "description": "Deze installatie"}]
    assert "/clients/_zoek" in document["paths"]
    assert all(not path.endswith("/") for path in document["paths"])
    yaml = client.get("/api/v1/openapi.yaml")
    assert yaml.status_code == 200
    assert b"openapi: 3." in yaml.content
