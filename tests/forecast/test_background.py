"""A long run is computed in a background thread: the request only stores it as pending."""

import threading

import pytest

from bwmo.forecast.models import ForecastRun
from bwmo.forecast.services import forecast_run_create, forecast_run_start
from bwmo.generate.demo import generate_demo
from bwmo.organisations.models import Region

from .conftest import REFERENCE


# serialized_rollback: the reference data of the migrations comes back afterwards, and the
# flush emits no post_migrate that would recreate the roles before that data is restored.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_background_run_goes_pending_to_done():
    generate_demo(seed=7, reference_date=REFERENCE, clients=40)
    region = Region.objects.get(centrumgemeente_id="GM0106")
    run = forecast_run_create(region=region, cutoff=REFERENCE, years=1, runs=20, seed=3)
    assert run.status == ForecastRun.Status.PENDING
    thread = forecast_run_start(run=run)
    assert isinstance(thread, threading.Thread)
    thread.join(timeout=120)
    run.refresh_from_db()
    assert run.status == ForecastRun.Status.DONE
    assert run.seconds is not None and run.results["forecast"]
