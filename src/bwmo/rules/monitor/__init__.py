"""Figures of the regional monitor: clients in care, instroom, uitstroom, doorstroom and durations.

* :mod:`~bwmo.rules.monitor.stays` – the stays the monitor reads (:class:`StayRecord`) and the
  stay each day in care is attributed to
* :mod:`~bwmo.rules.monitor.flow` – stock and flows: in care, instroom, uitstroom, doorstroom;
  periods and series
* :mod:`~bwmo.rules.monitor.care_episodes` – care episodes built from stays, and their durations
  (not named ``episodes``: that is the function)
* :mod:`~bwmo.rules.monitor.leadtimes` – lead times of the access process and the waiting list
* :mod:`~bwmo.rules.monitor.origin` – clients in care by responsible municipality × location

Every public name is importable from here (``from bwmo.rules.monitor import flow_figures``).
Small-number suppression of these figures lives in :mod:`bwmo.rules.suppression`.
"""

from bwmo.rules.monitor.care_episodes import (
    DurationStat,
    DurationStats,
    Episode,
    Segment,
    duration_stats,
    episodes,
)
from bwmo.rules.monitor.flow import (
    BREAKDOWNS,
    DIRECTIONS,
    NESTED,
    STEPS,
    UNKNOWN_REASON,
    Counts,
    Doorstroom,
    FlowFigures,
    Period,
    Step,
    direction,
    flow_figures,
    nesting,
    series,
)
from bwmo.rules.monitor.leadtimes import (
    Case,
    Indication,
    LeadTimes,
    LeadTimeStat,
    WaitingList,
    lead_times,
    waiting_list,
)
from bwmo.rules.monitor.origin import origin_location_matrix
from bwmo.rules.monitor.stays import CATEGORIES, FINANCINGS, KINDS, SCOPES, Scope, StayRecord

__all__ = [
    "BREAKDOWNS",
    "CATEGORIES",
    "DIRECTIONS",
    "FINANCINGS",
    "KINDS",
    "NESTED",
    "SCOPES",
    "STEPS",
    "UNKNOWN_REASON",
    "Case",
    "Counts",
    "Doorstroom",
    "DurationStat",
    "DurationStats",
    "Episode",
    "FlowFigures",
    "Indication",
    "LeadTimeStat",
    "LeadTimes",
    "Period",
    "Scope",
    "Segment",
    "StayRecord",
    "Step",
    "WaitingList",
    "direction",
    "duration_stats",
    "episodes",
    "flow_figures",
    "lead_times",
    "nesting",
    "origin_location_matrix",
    "series",
    "waiting_list",
]
