"""A stored forecast run reproduces its numbers, and reads only aggregates."""

import json
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from bwmo.clients.models import Client
from bwmo.forecast.models import ForecastRun
from bwmo.forecast.selectors import default_parameter_set, forecast_history, forecast_states
from bwmo.forecast.services import (
    forecast_run_create,
    forecast_run_execute,
    forecast_run_reproduce,
)
from bwmo.organisations.models import Region
from bwmo.rules import forecast

# A warning of the model (a 0/0 on a real region's counts) fails the test.
pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings(r"error:::bwmo\.rules\.forecast")]


def _region():
    return Region.objects.get(centrumgemeente_id="GM0106")


def test_a_run_reproduces_exactly(demo):
    scenario = forecast.Scenario(name="afschalen 20% sneller", afschalen_pct=20)
    run = forecast_run_create(
        region=_region(),
        cutoff=demo,
        years=3,
        runs=200,
        seed=11,
        scenario=scenario,
        with_backtest=True,
        parameter_set=default_parameter_set(),
    )
    assert run.status == ForecastRun.Status.PENDING
    run = forecast_run_execute(run=run)
    assert run.status == ForecastRun.Status.DONE
    stored = ForecastRun.objects.get(pk=run.pk)
    assert forecast_run_reproduce(run=stored) == stored.results
    # Read again from the database: the same inputs, hence the same numbers.
    again = forecast_run_execute(
        run=forecast_run_create(
            region=_region(),
            cutoff=demo,
            years=3,
            runs=200,
            seed=11,
            scenario=scenario,
            with_backtest=True,
            parameter_set=default_parameter_set(),
        )
    )
    assert again.inputs_digest == run.inputs_digest
    assert again.results == run.results
    assert {row["horizon"] for row in run.results["backtest"]} == {1, 2}
    years = {row["year"] for row in run.results["forecast"]}
    assert years == {2027, 2028, 2029}
    assert run.results["budget"], "cost against budget per municipality and year"


def test_the_stored_inputs_hold_no_person(demo):
    import io

    import numpy as np

    run = forecast_run_create(region=_region(), cutoff=demo, years=1, runs=10, seed=1)
    with np.load(io.BytesIO(bytes(run.inputs))) as archive:
        assert sorted(archive.files) == ["inflow", "meta", "stock", "transitions"]
        for name in ("inflow", "stock", "transitions"):
            assert archive[name].dtype.kind == "i"  # counts only
        meta = bytes(archive["meta"]).decode()
    assert json.loads(meta)["municipalities"] == sorted(
        _region().memberships.values_list("municipality_id", flat=True)
    )
    for client in Client.objects.all():
        for value in (str(client.pseudonym), client.short_pseudonym, client.bsn, client.full_name):
            if value:
                assert value not in meta


def test_history_matches_the_stays_in_care(demo):
    from bwmo.care.models import Stay

    cutoff = date(2026, 6, 1)
    history = forecast_history(region=_region(), cutoff=cutoff)
    in_care = (
        Stay.objects.filter(
            indication__responsible_municipality__in=history.municipalities,
            product__kind__in=["BW", "MO"],
            start__lte=cutoff,
        )
        .exclude(end__lt=cutoff)
        .values("client")
        .distinct()
        .count()
    )
    assert history.stock[:, -1].sum() == in_care
    states = forecast_states(region=_region(), cutoff=cutoff)
    assert [s.code for s in states if s.intramural] == ["BW001"]
    assert all(s.day_rate > 0 for s in states if s.kind == "BW")


def test_bad_parameters_are_refused_with_every_error(demo):
    with pytest.raises(ValidationError) as caught:
        forecast_run_create(region=_region(), cutoff=date(2026, 12, 5), years=0, runs=5, seed=1)
    assert len(caught.value.messages) == 3
    assert not ForecastRun.objects.filter(runs=5).exists()


def test_the_demo_forecasts_clients_and_cost_after_its_contracts_end(demo):
    """The demo's contracts end within the forecast (no decision on the next extension):
    the forecast stays the demand in every year, and the places after the end are unknown,
    not 0."""
    run = forecast_run_execute(
        run=forecast_run_create(region=_region(), cutoff=demo, years=5, runs=50, seed=1)
    )
    region = [
        r for r in run.results["forecast"] if r["municipality"] is None and r["product"] is None
    ]
    assert [r["year"] for r in region] == [2027, 2028, 2029, 2030, 2031]
    assert all(r["clients_p50"] > 0 and r["cost_p50"] > 0 for r in region)
    # No year collapses: the fifth year holds at least half the first year's clients.
    assert region[-1]["clients_p50"] > region[0]["clients_p50"] / 2
    assert all(r["clients_p50"] == 0 for r in run.results["not_placed"])
    contracted = [r for r in run.results["capacity"] if r["contract_end"] is not None]
    assert contracted
    for row in contracted:
        ended = date.fromisoformat(row["contract_end"]) < date(row["year"], 12, 31)
        assert (row["places"] is None) == ended, row
        assert (row["short_p50"] is None) == ended, row
        assert row["demand_p50"] > 0
