"""The regional monitor: one document of figures for a region (or one municipality) and a
period, computed set-based from pseudonymised rows, with suppression for external use."""

import itertools
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from bwmo.finance.selectors import care_stays, tariffs
from bwmo.organisations.models import Municipality, Region
from bwmo.rules import costs, monitor
from bwmo.rules.suppression import suppress_figures, suppress_matrix

from .selectors import (
    granted_indications,
    lead_time_cases,
    placement_reasons,
    region_codes,
    stay_records,
    wlz_pending,
)

AUDIENCES = ("internal", "external")


@dataclass(frozen=True)
class MonitorScope:
    region: Region
    municipality: Municipality | None

    codes: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        # Read once: the figures test membership for every row.
        codes = [self.municipality.code] if self.municipality else region_codes(self.region)
        object.__setattr__(self, "codes", tuple(codes))


def _matrix_dict(matrix: dict[tuple[str, str], object]) -> dict[str, dict[str, object]]:
    result: dict[str, dict[str, object]] = {}
    for (origin, location), value in matrix.items():
        result.setdefault(origin, {})[location] = value
    return result


def monitor_document(
    *,
    scope: MonitorScope,
    start: date,
    end: date,
    audience: str = "internal",
    today: date | None = None,
    stay_rows: list | None = None,
    series: str | None = None,
) -> dict:
    """Every figure of the monitor brief for ``scope`` over ``[start, end]``."""
    codes = list(scope.codes)
    wanted = set(codes)
    everyone = stay_rows if stay_rows is not None else stay_records(municipalities=codes)
    records = [r for r in everyone if r.responsible in wanted]
    figures = monitor.flow_figures(records, start=start, end=end).to_dict()
    document = {
        key: figures[key]
        for key in ("in_care_at_start", "in_care_at_end", "instroom", "uitstroom", "doorstroom")
    }

    times = monitor.lead_times(lead_time_cases(municipalities=codes), on=end).to_dict()
    document["lead_times"] = {
        "total": sum(
            t["completed"]["count"]
            for t in times.values()
            if isinstance(t, dict) and "completed" in t
        ),
        **times,
    }
    waiting = monitor.waiting_list(granted_indications(municipalities=codes), on=end).to_dict()
    document["waiting_list"] = {"total": waiting["count"], **waiting}

    # Where clients come from and where they stay: responsible × location on the last day.
    matrix = monitor.origin_location_matrix(everyone, on=end)
    region_set = set(region_codes(scope.region))
    out_of_region = sum(n for (o, loc), n in matrix.items() if o in codes and loc not in region_set)
    into_region = sum(n for (o, loc), n in matrix.items() if o not in region_set and loc in codes)
    transitions = _bw_mo_transitions(records, start=start, end=end)
    placed_outside_reasons = placement_reasons(
        municipalities=codes, region_codes=sorted(region_set), on=end
    )
    document["flows"] = {
        "total": sum(n for (o, _l), n in matrix.items() if o in codes),
        "origin_location": matrix,
        "out_of_region": {
            "placed_outside": out_of_region,
            "placed_here_from_elsewhere": into_region,
            "reason": placed_outside_reasons,
        },
        "bw_mo": transitions,
    }
    document["costs"] = _costs(scope, start=start, end=end, today=today or end)
    durations = monitor.duration_stats(records, on=end).to_dict()
    document["durations"] = {
        "total": len({r.client for r in records if r.start <= end}),
        **durations,
    }
    granted = granted_indications(municipalities=codes)
    in_period = [i for i in granted if start <= i.granted <= end]
    document["indications"] = {
        "total": len(in_period),
        "verzilverd": sum(1 for i in in_period if i.started is not None and i.started <= end),
        "wlz_pending": wlz_pending(municipalities=codes, on=end),
    }

    if series:
        periods = monitor.series(records, start=start, end=end, step=series, breakdown="kind")
        document["series"] = {
            "total": len(periods),
            "step": series,
            "periods": [
                {
                    "from": p.start.isoformat(),
                    "to": p.end.isoformat(),
                    **{
                        k: {
                            "total": getattr(p.figures, k).total,
                            **{name: dict(v) for name, v in getattr(p.figures, k).by.items()},
                        }
                        for k in ("in_care_at_start", "in_care_at_end", "instroom", "uitstroom")
                    },
                }
                for p in periods
            ],
        }
    del document["flows"]["origin_location"]
    if audience == "external":
        document = suppress_figures(document, nesting=monitor.nesting(records))
        document["flows"]["origin_location"] = _matrix_dict(suppress_matrix(matrix))
    else:
        document["flows"]["origin_location"] = _matrix_dict(matrix)
    return {
        "region": scope.region.centrumgemeente_id,
        "municipality": scope.municipality.code if scope.municipality else None,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "audience": audience,
        **document,
    }


def _bw_mo_transitions(records, *, start: date, end: date) -> dict:
    """Clients whose next episode after an MO stay is BW (and the other way round)."""
    by_client: dict[str, list] = {}
    for record in sorted(records, key=lambda r: (r.client, r.start)):
        by_client.setdefault(record.client, []).append(record)
    counts = Counter()
    for stays in by_client.values():
        for before, after in itertools.pairwise(stays):
            if before.kind != after.kind and start <= after.start <= end:
                counts["mo_to_bw" if before.kind == "MO" else "bw_to_mo"] += 1
    return {
        "total": sum(counts.values()),
        "mo_to_bw": counts["mo_to_bw"],
        "bw_to_mo": counts["bw_to_mo"],
    }


def _costs(scope: MonitorScope, *, start: date, end: date, today: date) -> dict:
    codes = set(scope.codes)
    lines = [
        line
        for line in costs.stay_costs(
            care_stays(region=scope.region),
            tariffs(region=scope.region),
            today=min(today, end),
            years=range(start.year, end.year + 1),
        )
        if line.responsible in codes
    ]
    realised = [line for line in lines if line.kind == "realised"]
    by_stream: dict[str, Decimal] = {}
    for line in realised:
        by_stream[line.stream] = by_stream.get(line.stream, Decimal(0)) + line.amount
    per_week = costs.cost_per_client_week(realised, by=("product",))
    return {
        "total": round(float(sum((line.amount for line in realised), Decimal(0))), 2),
        "by_stream": {k: round(float(v), 2) for k, v in sorted(by_stream.items())},
        "per_client_week": {
            stat.product: {
                "clients": stat.clients,
                "mean": round(float(stat.mean), 2),
                "min": round(float(stat.minimum), 2),
                "max": round(float(stat.maximum), 2),
            }
            for stat in per_week
        },
    }
