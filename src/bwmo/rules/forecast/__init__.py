"""The prognose: clients and cost of BW and MO in the coming years, per municipality.

* :mod:`~bwmo.rules.forecast.history` – the monthly counts the model reads (:class:`History`),
  built from the monitor's care episodes
* :mod:`~bwmo.rules.forecast.fit` – transition rates by product and duration band, and the
  inflow's trend and season, shrunk towards the region (empirical Bayes)
* :mod:`~bwmo.rules.forecast.scenario` – scenarios as data, and reading them from JSON
* :mod:`~bwmo.rules.forecast.simulate` – the vectorised Monte Carlo and its P10/P50/P90
* :mod:`~bwmo.rules.forecast.backtest` – fit up to year Y, forecast Y+1 and Y+2, compare

Plain Python and numpy: counts in, counts out; no person and no Django.
"""

from bwmo.rules.forecast.backtest import BacktestRow, actual_year, backtest, current_year
from bwmo.rules.forecast.fit import Fitted, concentration, fit
from bwmo.rules.forecast.history import (
    BANDS,
    EXITS,
    History,
    State,
    band_of,
    history_from_episodes,
    month_start,
)
from bwmo.rules.forecast.scenario import (
    BASE,
    CapacityChange,
    Scenario,
    ScenarioError,
    parse_scenario,
)
from bwmo.rules.forecast.simulate import (
    MODEL_VERSION,
    CapacityRow,
    ForecastRow,
    PlacesLookup,
    Simulation,
    capacity_rows,
    first_forecast_year,
    first_shortages,
    no_places,
    simulate,
    summarize,
)

__all__ = [
    "BANDS",
    "BASE",
    "EXITS",
    "MODEL_VERSION",
    "BacktestRow",
    "CapacityChange",
    "CapacityRow",
    "Fitted",
    "ForecastRow",
    "History",
    "PlacesLookup",
    "Scenario",
    "ScenarioError",
    "Simulation",
    "State",
    "actual_year",
    "backtest",
    "band_of",
    "capacity_rows",
    "concentration",
    "current_year",
    "first_forecast_year",
    "first_shortages",
    "fit",
    "history_from_episodes",
    "month_start",
    "no_places",
    "parse_scenario",
    "simulate",
    "summarize",
]
