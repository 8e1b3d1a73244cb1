"""A long run is computed in a background thread: the request only stores it as pending,
other users go on working while it runs, and a run whose thread crashes or is gone ends as
failed with a Dutch message (its page stops polling)."""

import threading
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from bwmo.accounts.roles import Role
from bwmo.forecast import services
from bwmo.forecast.models import ForecastRun
from bwmo.forecast.services import forecast_run_create, forecast_run_start
from bwmo.generate.demo import generate_demo
from bwmo.organisations.models import Organisation, Region
from tests.factories import make_user

from .conftest import REFERENCE

# serialized_rollback: the reference data of the migrations comes back afterwards, and the
# flush emits no post_migrate that would recreate the roles before that data is restored.
background = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _pending_run():
    generate_demo(seed=7, reference_date=REFERENCE, clients=40)
    region = Region.objects.get(centrumgemeente_id="GM0106")
    return forecast_run_create(region=region, cutoff=REFERENCE, years=1, runs=20, seed=3)


def _controller_client(client):
    organisation = Organisation.objects.filter(municipality_id="GM0106").first()
    client.force_login(make_user("prognose-achtergrond", Role.CONTROLLER, organisation))
    return client


@background
def test_background_run_goes_pending_to_done():
    run = _pending_run()
    assert run.status == ForecastRun.Status.PENDING
    thread = forecast_run_start(run=run)
    assert isinstance(thread, threading.Thread)
    thread.join(timeout=120)
    run.refresh_from_db()
    assert run.status == ForecastRun.Status.DONE
    assert run.seconds is not None and run.results["forecast"]


@background
def test_a_long_run_does_not_block_other_users(client, monkeypatch):
    run = _pending_run()
    client = _controller_client(client)
    started, release = threading.Event(), threading.Event()
    compute = services.forecast_compute

    def slow(run):
        started.set()
        assert release.wait(timeout=60)
        return compute(run)

    monkeypatch.setattr(services, "forecast_compute", slow)
    thread = forecast_run_start(run=run)
    try:
        assert started.wait(timeout=30)
        # While the run is being computed, the same and other pages answer at once.
        status = client.get(reverse("forecast:status", args=[run.pk]))
        assert status.status_code == 200
        assert "wordt berekend" in status.content.decode() and "hx-trigger" in status.text
        assert client.get(reverse("forecast:index")).status_code == 200
        assert client.get(reverse("forecast:detail", args=[run.pk])).status_code == 200
        assert thread.is_alive()
    finally:
        release.set()
        thread.join(timeout=120)
    run.refresh_from_db()
    assert run.status == ForecastRun.Status.DONE


def _assert_failed_page(client, run):
    response = client.get(reverse("forecast:status", args=[run.pk]))
    assert response.status_code == 200
    assert response["HX-Refresh"] == "true"
    assert "hx-trigger" not in response.text  # it stops polling
    assert run.error in response.text


@background
def test_a_crash_in_the_computation_fails_the_run_with_a_dutch_message(client, monkeypatch):
    run = _pending_run()

    def crash(run):
        raise RuntimeError("kapot")

    monkeypatch.setattr(services, "forecast_compute", crash)
    forecast_run_start(run=run).join(timeout=60)
    run.refresh_from_db()
    assert run.status == ForecastRun.Status.FAILED
    assert "De berekening is mislukt" in run.error and "RuntimeError" in run.error
    assert "kapot" not in run.error  # the text of an error may hold anything: not shown
    _assert_failed_page(_controller_client(client), run)


@background
def test_a_crash_of_the_thread_before_the_computation_fails_the_run(client, monkeypatch):
    run = _pending_run()

    def crash(*, run):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "forecast_run_execute", crash)
    forecast_run_start(run=run).join(timeout=60)
    run.refresh_from_db()
    assert run.status == ForecastRun.Status.FAILED
    assert "OperationalError" in run.error
    _assert_failed_page(_controller_client(client), run)


@background
def test_a_run_whose_thread_is_gone_expires(client):
    run = _pending_run()
    ForecastRun.objects.filter(pk=run.pk).update(
        status=ForecastRun.Status.RUNNING,
        created_at=timezone.now() - services.STALE_AFTER - timedelta(seconds=1),
    )
    client = _controller_client(client)
    response = client.get(reverse("forecast:status", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == ForecastRun.Status.FAILED
    assert "De berekening is afgebroken" in run.error
    assert "hx-trigger" not in response.text and run.error in response.text
    # A run that is young enough goes on running.
    young = forecast_run_create(region=run.region, cutoff=REFERENCE, years=1, runs=20, seed=4)
    ForecastRun.objects.filter(pk=young.pk).update(status=ForecastRun.Status.RUNNING)
    client.get(reverse("forecast:status", args=[young.pk]))
    young.refresh_from_db()
    assert young.status == ForecastRun.Status.RUNNING
