"""Refused requests are logged as one line each, without traceback or personal data."""

import logging

import pytest
from django.urls import reverse

from tests.factories import register_client


def _lines(caplog):
    return [r for r in caplog.records if r.name.startswith("django.")]


@pytest.mark.django_db
def test_a_403_is_one_line_without_traceback(client, region_setup, caplog):
    someone = register_client(region_setup)
    user = region_setup.users["beheer"]
    client.force_login(user)
    url = reverse("clients:detail", kwargs={"pseudonym": someone.pseudonym})
    with caplog.at_level(logging.WARNING):
        response = client.get(url + "?q=999900006")
    assert response.status_code == 403
    records = _lines(caplog)
    assert len(records) == 1
    record = records[0]
    assert record.exc_info is None and not record.exc_text
    assert record.getMessage() == f"GET {url} 403 user={user.pk}"
    assert "Traceback" not in caplog.text and "999900006" not in caplog.text
    assert someone.surname not in caplog.text and someone.bsn not in caplog.text


@pytest.mark.django_db
def test_a_404_is_one_line(client, region_setup, caplog):
    with caplog.at_level(logging.WARNING):
        response = client.get("/bestaat-niet/?bsn=999900006")
    assert response.status_code == 404
    assert [r.getMessage() for r in _lines(caplog)] == ["GET /bestaat-niet/ 404 user=-"]
    assert "Traceback" not in caplog.text


@pytest.mark.django_db
def test_a_400_for_a_foreign_host_is_one_line(client, caplog):
    with caplog.at_level(logging.WARNING):
        response = client.post("/inloggen/", HTTP_HOST="aanvaller.example")
    assert response.status_code == 400
    records = _lines(caplog)
    assert [r.getMessage() for r in records] == ["POST /inloggen/ 400 user=-"]
    assert all(r.exc_info is None for r in records)
    assert "Traceback" not in caplog.text and "aanvaller" not in caplog.text


@pytest.mark.django_db
def test_a_csrf_refusal_is_one_line(region_setup, caplog):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    with caplog.at_level(logging.WARNING):
        response = strict.post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert [r.getMessage() for r in _lines(caplog)] == ["POST /inloggen/ 403 user=-"]


def test_server_errors_keep_their_traceback():
    from bwmo.logging import ClientErrorOneLine

    try:
        raise RuntimeError("kapot")
    except RuntimeError:
        import sys

        record = logging.LogRecord(
            "django.request",
            logging.ERROR,
            __file__,
            1,
            "Internal Server Error: %s",
            ("/x/",),
            sys.exc_info(),
        )
    record.status_code = 500
    assert ClientErrorOneLine().filter(record)
    assert record.exc_info is not None
    assert record.getMessage() == "Internal Server Error: /x/"


def test_a_pseudonym_with_nine_digits_in_a_row_stays_whole_and_a_bsn_is_masked():
    from bwmo.logging import RedactPersonalData

    pseudonym = "824ae91b-cce6-404f-82df-3df771472893"  # its last group ends in nine digits
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "GET /clienten/%s/?q=%s 403", None, None
    )
    record.args = (pseudonym, "999900006")
    RedactPersonalData().filter(record)
    assert record.getMessage() == f"GET /clienten/{pseudonym}/?q=********* 403"
    alone = logging.LogRecord("x", logging.INFO, __file__, 1, "bsn 999900006, 123456789", (), None)
    RedactPersonalData().filter(alone)
    assert alone.getMessage() == "bsn *********, *********"
