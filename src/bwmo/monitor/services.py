"""The regional monitor: one document of figures for a region (or one municipality) and a
period, computed set-based from pseudonymised rows, with suppression for external use."""

import copy
import functools
import hashlib
import importlib
import importlib.metadata
import itertools
import json
import logging
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bwmo.accounts.selectors import monitor_reader_groups
from bwmo.care.models import Product
from bwmo.finance.gaps import DataGap, bad_stay_gap, no_members_gap, suppressed, tariff_gaps
from bwmo.finance.selectors import care_stays, tariffs
from bwmo.organisations.models import Municipality, Provider, Region
from bwmo.rules import costs, monitor
from bwmo.rules.dates import add_months
from bwmo.rules.monitor.periods import outside_period, quarter_start
from bwmo.rules.suppression import (
    MARK,
    TOTAL,
    CannotProtect,
    suppress_matrix,
    suppress_parts,
    withhold_parts,
)

from .models import MonitorPublication, StoredDocument, StoredSuppression
from .selectors import RegionRows, data_version, region_codes, stay_records

AUDIENCES = ("internal", "external")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MonitorScope:
    region: Region
    municipality: Municipality | None

    codes: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        # Read once: the figures test membership for every row.
        codes = [self.municipality.code] if self.municipality else region_codes(self.region)
        object.__setattr__(self, "codes", tuple(codes))


REGION = "regio"
"""Name of the region's part in the figures (the members are named by their CBS code)."""
FLOW_TABLES = ("in_care_at_start", "in_care_at_end", "instroom", "uitstroom", "doorstroom")


def _matrix_dict(matrix: dict[tuple[str, str], object]) -> dict[str, dict[str, object]]:
    result: dict[str, dict[str, object]] = {}
    for (origin, location), value in matrix.items():
        result.setdefault(origin, {})[location] = value
    return result


def _int_paths(tree, prefix=()):
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _int_paths(value, (*prefix, key))
    elif isinstance(tree, int) and not isinstance(tree, bool):
        yield prefix


def _flows(figures) -> dict:
    data = figures.to_dict()
    return {key: data[key] for key in FLOW_TABLES}


def _quarter_label(day: date) -> str:
    return f"{day:%Y}-K{(day.month - 1) // 3 + 1}"


def monitor_document(
    *,
    scope: MonitorScope,
    start: date,
    end: date,
    audience: str = "internal",
    today: date | None = None,
    stay_rows: list | None = None,
    series: monitor.Step | None = None,
    product: str | None = None,
    provider: str | None = None,
) -> dict:
    """The document of :func:`computed_document`, taken from the documents stored for the
    region's current data version when one is there, else computed and stored (see
    ``stored``). Given ``stay_rows`` it is always computed: those rows are the caller's."""
    if audience != "internal" and (product or provider):
        # Filtered figure sets are suppressed one by one; for an outside audience they would
        # give hidden cells back together with the unfiltered set (docs/monitor.md, "Filters").
        raise ValueError("a product or provider filter is only for the internal audience")
    if audience != "internal":
        # Whole, closed quarters: two free periods could be subtracted down to a day.
        start, end = outside_period(start, end, today=today or timezone.localdate())
    compute = functools.partial(
        computed_document,
        scope=scope,
        start=start,
        end=end,
        audience=audience,
        today=today,
        series=series,
        product=product,
        provider=provider,
    )
    if stay_rows is not None:
        return compute(stay_rows=stay_rows)
    members = region_codes(scope.region)
    key = (
        "monitor_document",
        scope.region.pk,
        scope.municipality.code if scope.municipality else None,
        start.isoformat(),
        end.isoformat(),
        audience,
        today.isoformat() if today else None,
        series,
        product,
        provider,
        tuple(sorted(members)),
        tuple(monitor_reader_groups(members)),
    )
    return stored(
        region=scope.region.centrumgemeente_id,
        codes=members,
        key=key,
        compute=compute,
    )


def computed_document(
    *,
    scope: MonitorScope,
    start: date,
    end: date,
    audience: str = "internal",
    today: date | None = None,
    stay_rows: list | None = None,
    series: monitor.Step | None = None,
    product: str | None = None,
    provider: str | None = None,
) -> dict:
    """Every figure of the monitor brief for ``scope`` over ``[start, end]``, as ``audience``
    may see it: the one figure set that the page, its charts, the Excel workbook, the council
    report and the command line all show.

    The figures of the region and of each of its municipalities are suppressed together (see
    ``docs/monitor.md``), so a cell hidden at one filter is hidden at every filter and no
    combination of published figures gives it back, also not to a reader who knows the
    residents of the municipalities they act for (one or several) in full. ``internal`` shows
    the scope's own figures in full over the period asked; the origin × location matrix shows
    the scope's own rows in full and the others as the region's outside document publishes
    them (``_own_document``). Every other audience gets whole, closed quarters
    (``monitor_document`` widens the period before it comes here).
    """
    members = list(region_codes(scope.region))
    gaps: list[DataGap] = []
    if not members:
        gaps.append(no_members_gap(scope.region))
    rejected: list[str] = []
    custom_rows = stay_rows is not None
    if stay_rows is None:
        stay_rows = stay_records(municipalities=members, rejected=rejected)
    everyone = stay_rows
    gaps += _rejected_gaps(rejected)
    records = [
        r
        for r in everyone
        if (product is None or r.product == product)
        and (provider is None or r.provider == provider)
    ]
    cost_lines, cost_gaps = _cost_lines(scope.region, start=start, end=end, today=today or end)
    gaps += cost_gaps
    region_rows = RegionRows(municipalities=members, on=end)

    def parts_of(rows: list) -> dict:
        return _raw_parts(
            rows,
            members,
            start=start,
            end=end,
            series=series,
            cost_lines=cost_lines,
            region_rows=region_rows,
        )

    raw = parts_of(records)
    if audience == "internal":
        # The own municipalities in full, over any period; the only figures of others in
        # the document are the matrix rows, and those are the region's outside figures.
        return _own_document(
            scope,
            raw,
            members=members,
            matrix=monitor.origin_location_matrix(everyone, on=end),
            start=start,
            end=end,
            today=today,
            stay_rows=stay_rows if custom_rows else None,
            gaps=gaps,
            series=series,
            filters={"product": product, "provider": provider},
        )
    filtered = product is not None or provider is not None
    # The matrix (of every client, whatever the filter) is protected in one system with the
    # unfiltered parts, which its rows add up to (see ``_matrix_parts``): the same cells at
    # every filter and audience.
    base = parts_of(everyone) if filtered else raw
    matrix = monitor.origin_location_matrix(everyone, on=end)
    matrix_parts, matrix_links = _matrix_parts(matrix, members)
    joint = {**base, **matrix_parts}
    inputs = _suppression_inputs(base, everyone, members)
    inputs["links"] = [*inputs["links"], *matrix_links]
    inputs["revealed"] = [
        [key for key in joint if key[0] in group] for group in monitor_reader_groups(members)
    ]
    # Residents of municipalities outside the region are nobody's own: their rows are always
    # suppressed, whoever reads.
    # Named by their parts, as the reader groups are.
    inputs["unshared"] = [key for key in matrix_parts if key[0] not in {*members, REGION}]
    joint_published, withheld = _published_parts(
        joint, inputs, region=scope.region, start=start, end=end, figure_set=ALL_FIGURES
    )
    published_matrix = _published_matrix(matrix, joint_published)
    if filtered:
        figure_set = _figure_set(product, provider)
        # The tables no filter narrows are the unfiltered ones, published as they are
        # there: suppressed apart they could hide a cell in one and show it in the other.
        narrowed = {
            key: {k: v for k, v in part.items() if k not in UNFILTERED_TABLES}
            for key, part in raw.items()
        }
        published, withheld_too = _published_parts(
            narrowed,
            _suppression_inputs(narrowed, records, members),
            region=scope.region,
            start=start,
            end=end,
            figure_set=figure_set,
        )
        for key, part in published.items():
            for table in UNFILTERED_TABLES:
                if table in raw[key]:
                    part[table] = joint_published[key][table]
        withheld = withheld or withheld_too
    else:
        published = {key: joint_published[key] for key in raw}

    name = scope.municipality.code if scope.municipality else REGION
    document = dict(published[(name, "main")])
    document["flows"]["origin_location"] = _matrix_dict(
        {k: v for k, v in published_matrix.items() if TOTAL not in k}
    )
    document["flows"]["origin_location_totals"] = {
        "rows": {o: v for (o, c), v in published_matrix.items() if c == TOTAL and o != TOTAL},
        "columns": {c: v for (o, c), v in published_matrix.items() if o == TOTAL and c != TOTAL},
        "total": published_matrix.get((TOTAL, TOTAL), 0),
    }
    # From the published matrix, so that it never says more than the matrix does.
    own = scope.codes
    here = [
        v
        for (o, loc), v in published_matrix.items()
        if TOTAL not in (o, loc) and o not in members and loc in own
    ]
    document["flows"]["out_of_region"]["placed_here_from_elsewhere"] = (
        MARK if MARK in here else sum(here)
    )
    if withheld:
        # Not published: a reader who has the region's earlier documents would get hidden
        # cells back from these figures, however they were suppressed.
        document["withheld"] = True
    # The gaps count stays across the region: other municipalities' clients too.
    return _assembled(
        scope,
        document,
        published,
        start=start,
        end=end,
        audience=audience,
        filters={"product": product, "provider": provider},
        series=series,
        gaps=[suppressed(gap) for gap in gaps],
    )


def _own_document(
    scope: MonitorScope,
    raw: dict,
    *,
    members: list[str],
    matrix: dict,
    start: date,
    end: date,
    today: date | None,
    stay_rows: list | None,
    gaps: list[DataGap],
    series: monitor.Step | None,
    filters: dict,
) -> dict:
    """The document of a reader's own municipality (or municipalities), exact over any period.

    Its origin × location matrix shows the own rows exactly on ``end``, and the rows of every
    other municipality as the region's outside document publishes them: over whole, closed
    quarters, on the last day of ``outside_period(start, end)``. A free date for those rows
    would let two days be subtracted down to one person placed or leaving; the document says
    the date (``flows.others_on``). The column totals and what came from outside the region
    are sums of the cells shown, hidden when one of them is."""
    own = scope.codes
    outside_start, outside_end = outside_period(start, end, today=today or timezone.localdate())
    make = functools.partial(
        computed_document if stay_rows is not None else monitor_document,
        scope=MonitorScope(scope.region, None),
        start=outside_start,
        end=outside_end,
        audience="external",
        today=today,
    )
    region = make(stay_rows=stay_rows) if stay_rows is not None else make()
    others = region["flows"]["origin_location"]
    row_totals = region["flows"]["origin_location_totals"]["rows"]
    true = _with_margins(matrix)
    shown: dict[tuple[str, str], object] = {}
    for (origin, location), value in true.items():
        if origin in own:
            shown[(origin, location)] = value
    for origin, row in others.items():
        if origin in own:
            continue
        for location, value in row.items():
            shown[(origin, location)] = value
        shown[(origin, TOTAL)] = row_totals.get(origin, 0)
    cells = {k: v for k, v in shown.items() if TOTAL not in k}
    for location in sorted({loc for _o, loc in cells}):
        column = [v for (_o, loc), v in cells.items() if loc == location]
        shown[(TOTAL, location)] = MARK if MARK in column else sum(cast(int, v) for v in column)
    every = list(cells.values())
    shown[(TOTAL, TOTAL)] = MARK if MARK in every else sum(cast(int, v) for v in every)

    name = scope.municipality.code if scope.municipality else REGION
    document = dict(raw[(name, "main")])
    document["flows"] = dict(document["flows"])
    document["flows"]["origin_location"] = _matrix_dict(cells)
    document["flows"]["origin_location_totals"] = {
        "rows": {o: v for (o, c), v in shown.items() if c == TOTAL and o != TOTAL},
        "columns": {c: v for (o, c), v in shown.items() if o == TOTAL and c != TOTAL},
        "total": shown.get((TOTAL, TOTAL), 0),
    }
    document["flows"]["others_on"] = outside_end.isoformat()
    here = [v for (o, loc), v in cells.items() if o not in members and loc in own]
    document["flows"]["out_of_region"] = dict(document["flows"]["out_of_region"])
    document["flows"]["out_of_region"]["placed_here_from_elsewhere"] = (
        MARK if MARK in here else sum(cast(int, v) for v in here)
    )
    if set(own) != set(members):
        # The gaps count stays across the region: other municipalities' clients too.
        gaps = [suppressed(gap) for gap in gaps]
    return _assembled(
        scope,
        document,
        raw,
        start=start,
        end=end,
        audience="internal",
        filters=filters,
        series=series,
        gaps=gaps,
    )


def _assembled(
    scope: MonitorScope,
    document: dict,
    parts: dict,
    *,
    start: date,
    end: date,
    audience: str,
    filters: dict,
    series: monitor.Step | None,
    gaps: list[DataGap],
) -> dict:
    """The document as every output reads it: the scope's main part (``document``), with its
    quarters, years and series from ``parts`` (the published or the own parts) and the gaps."""
    name = scope.municipality.code if scope.municipality else REGION
    document["quarters"] = [parts[k] for k in sorted_parts(parts, name, "q")]
    document["years"] = [parts[k] for k in sorted_parts(parts, name, "y")]
    if series:
        document["series"] = parts[(name, "series")]["series"]
    document["data_gaps"] = [gap.to_dict() for gap in gaps]
    return {
        "region": scope.region.centrumgemeente_id,
        "municipality": scope.municipality.code if scope.municipality else None,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "audience": audience,
        "filters": filters,
        **document,
    }


def withheld_message() -> str:
    """What a withheld document (``document["withheld"]``) says to its reader."""
    return _(
        "De aantallen van deze periode worden niet getoond: samen met wat bwmo eerder over een "
        "andere periode van deze regio publiceerde, zouden ze een klein aantal prijsgeven, hoe "
        "ze ook werden afgeschermd. Kies een andere periode, bijvoorbeeld de standaardperiode."
    )


ALL_FIGURES = "alle"
"""The figure set of the unfiltered monitor (a filtered one is named by its filter)."""
UNFILTERED_TABLES = ("lead_times", "waiting_list", "indications", "costs")
"""Tables of a part that a product or provider filter does not narrow: they count every
client of the part (lead times, waiting list, indications) or every stay's cost."""

Cell = tuple  # (part, *path): a part's name (a tuple) and the path of a figure in it


def _figure_set(product: str | None, provider: str | None) -> str:
    if product is None and provider is None:
        return ALL_FIGURES
    return f"product={product or ''};aanbieder={provider or ''}"


def _marked_paths(tree: object, prefix: tuple = ()) -> list[tuple]:
    if isinstance(tree, dict):
        return [p for key, value in tree.items() for p in _marked_paths(value, (*prefix, key))]
    if isinstance(tree, list):
        return [p for i, value in enumerate(tree) for p in _marked_paths(value, (*prefix, i))]
    return [prefix] if tree == MARK else []


def hidden_cells(parts: dict) -> list[Cell]:
    """The cells (``(part, *path)``) that suppressed ``parts`` show as hidden."""
    return [(name, *path) for name, tree in parts.items() for path in _marked_paths(tree)]


def _cell_to_json(cell: Cell) -> list:
    name, *path = cell
    return [list(name) if isinstance(name, tuple) else name, *path]


def _cell_from_json(item: list) -> Cell:
    name, *path = item
    return (tuple(name) if isinstance(name, list) else name, *path)


def _published_parts(
    parts: dict, inputs: dict, *, region: Region, start: date, end: date, figure_set: str
) -> tuple[dict, bool]:
    """``parts`` suppressed with ``inputs``, and whether they are withheld. A closed period
    (ended before today) keeps hidden what an earlier publication of it hid, and this
    publication is added to that record.

    The figures' own suppression is used when it hides every cell an earlier publication hid
    (the usual case: the same figures, asked again): every hidden cell in it is protected, so
    it meets what the earlier publication asks, and the region's next document does not
    suppress it all once more. Otherwise the earlier cells are protected as well, without
    hiding a cell that another publication showed. When that cannot be done, the figures are
    withheld: every count hidden, nothing recorded (``rules.suppression.CannotProtect``)."""
    published = _suppressed_parts(parts, **inputs)
    closed = end < timezone.localdate()
    if closed:
        before = _hidden_before(region, start, end, figure_set)
        elsewhere, shown = _other_periods(parts, region, start, end, figure_set)
        before = sorted({*before, *elsewhere}, key=repr)
        hidden = set(hidden_cells(published))
        if not set(before) <= hidden or hidden & set(shown):
            try:
                published = _suppressed_parts(
                    parts, **inputs, hidden_before=before, published_before=shown
                )
            except CannotProtect as error:
                logger.info(
                    "monitor figures of region %s, %s to %s, withheld: %s",
                    region.centrumgemeente_id,
                    start,
                    end,
                    error,
                )
                return withhold_parts(parts, nesting=inputs.get("nesting")), True
        publication_record(
            region=region,
            start=start,
            end=end,
            figure_set=figure_set,
            hidden=hidden_cells(published),
        )
    return published, False


def _same_quantity(section: str, label: str, start: date, end: date) -> tuple | None:
    """What a quarter or year part of a document of ``[start, end]`` counts, the same in every
    document that has it: its name, and where it is cut. A part runs to the next one's first
    day (``monitor.series``), but the document's last runs to the document's end: a quarter
    or year cut there is another count than the whole one. ``None`` for any other part."""
    if not section[1:].isdigit() or section[0] not in "qy":
        return None
    if section[0] == "q":
        year, n = label.split("-K")
        after = add_months(date(int(year), 3 * int(n) - 2, 1), 3)
    else:
        after = date(int(label) + 1, 1, 1)
    return (section[0], label, "whole" if after <= end else end.isoformat())


def _label_in(section: str, start: date) -> str:
    """The name of a document's quarter or year part, from its place and the period's start
    (as ``_raw_parts`` names them)."""
    i = int(section[1:])
    if section[0] == "q":
        return _quarter_label(add_months(quarter_start(start), 3 * i))
    return str(start.year - 2 + i)


def _other_periods(
    parts: dict, region: Region, start: date, end: date, figure_set: str
) -> tuple[list[Cell], list[Cell]]:
    """What the region's publications of other periods (whole closed quarters, so the same
    quarters and years) said of the quarters and years of ``parts``: the cells they hid, and
    the cells they showed. A quarter is the same count in every period that holds it; hidden
    in one and shown in another it would be given back by the other (docs/security.md,
    *Publications over time*)."""
    mine: dict[tuple, tuple] = {}
    for key, part in parts.items():
        if not (isinstance(key, tuple) and isinstance(part, dict)):
            continue
        if key[1] == "main":
            mine[(key[0], "main", "", end.isoformat())] = key
        elif key[1].startswith(f"{LEAD_IN}-q"):
            mine[(key[0], "q", part["label"], "whole")] = key  # it ends where the period starts
        elif "label" in part:
            ours = _same_quantity(key[1], part["label"], start, end)
            if ours is not None:
                mine[(key[0], *ours)] = key
    if not mine:
        return [], []
    hidden: set[Cell] = set()
    shown: set[Cell] = set()
    records = MonitorPublication.objects.filter(region=region, figure_set=figure_set).exclude(
        period_start=start, period_end=end
    )
    for period_start, period_end, cells in records.values_list(
        "period_start", "period_end", "hidden"
    ):
        theirs: dict[tuple, set[tuple]] = {}
        for item in cells:
            (name, section), *path = _cell_from_json(item)
            if section == "main":
                same: tuple | None = ("main", "", period_end.isoformat())
            elif section.startswith(f"{LEAD_IN}-q"):
                # A lead-in's quarter: never shown, every count of it hidden.
                first = date(period_start.year, 1, 1)
                i = int(section[len(LEAD_IN) + 2 :])
                same = ("q", _quarter_label(add_months(first, 3 * i)), "whole")
            elif section[:1] in ("q", "y") and section[1:].isdigit():
                label = _label_in(section, period_start)
                same = _same_quantity(section, label, period_start, period_end)
            else:
                continue
            if same is not None and (name, *same) in mine:
                theirs.setdefault(mine[(name, *same)], set()).add(tuple(path))
        # The parts that publication had: its quarters (with its lead-in's) and its years.
        quarters = {
            _quarter_label(day)
            for day in _quarter_starts(date(period_start.year, 1, 1), period_end)
        }
        years = {str(y) for y in range(period_start.year - 2, period_end.year + 1)}
        for (_name, kind, label, cut), key in mine.items():
            if kind == "main":
                if cut != period_end.isoformat():
                    continue
            elif label not in (quarters if kind == "q" else years) or (
                _same_quantity(f"{kind}0", label, period_start, period_end) != (kind, label, cut)
            ):
                continue
            gone = theirs.get(key, set())
            for path in _int_paths(parts[key]):
                if kind == "main" and not any(path[: len(p)] == p for p in AT_THE_END):
                    continue  # the period's own count: another period counts something else
                (hidden if path in gone else shown).add((key, *path))
    return sorted(hidden, key=repr), sorted(shown - hidden, key=repr)


AT_THE_END = (
    ("in_care_at_end",),
    ("lead_times",),
    ("waiting_list",),
    ("flows", "total"),
    ("flows", "out_of_region"),
    ("durations",),
    ("indications", "wlz_pending"),
)
"""The figures of a period's own part that are counted on its last day alone: the same in
every document of a period with that end, whatever its start."""


def _quarter_starts(first: date, last: date) -> list[date]:
    days = []
    while first <= last:
        days.append(first)
        first = add_months(first, 3)
    return days


def _hidden_before(region: Region, start: date, end: date, figure_set: str) -> list[Cell]:
    """What earlier publications of this closed period and figure set hid."""
    stored = (
        MonitorPublication.objects.filter(
            region=region, period_start=start, period_end=end, figure_set=figure_set
        )
        .values_list("hidden", flat=True)
        .first()
    )
    return sorted((_cell_from_json(item) for item in stored or []), key=repr)


def publication_record(
    *, region: Region, start: date, end: date, figure_set: str, hidden: list[Cell]
) -> MonitorPublication | None:
    """Remember the cells a publication of a closed period hid: added to what earlier
    publications of the same region, period and figure set hid (the set only grows).

    Every display of a closed period is a publication, so a GET calls this; it never fails
    one. Nothing is written when the stored set holds these cells already (the usual view).
    Two first publications at once: the second waits for the first and adds to it. A
    database that refuses the write (a read-only replica) leaves the figures shown as they
    are, with a warning in the log; ``None`` is returned then."""
    cells = {json.dumps(_cell_to_json(cell)): _cell_to_json(cell) for cell in hidden}
    where: dict[str, Any] = {
        "region": region,
        "period_start": start,
        "period_end": end,
        "figure_set": figure_set,
    }
    stored = MonitorPublication.objects.filter(**where).first()
    if stored is not None and set(cells) <= {json.dumps(item) for item in stored.hidden}:
        return stored
    for attempt in range(3):
        try:
            with transaction.atomic():
                publication, created = MonitorPublication.objects.select_for_update().get_or_create(
                    **where
                )
                known = {json.dumps(item): item for item in publication.hidden}
                merged = {**known, **cells}
                if created or len(merged) != len(known):
                    publication.hidden = [merged[k] for k in sorted(merged)]
                    publication.save()
                return publication
        except IntegrityError:  # a simultaneous first publication: add to the one stored
            if attempt == 2:
                raise
        except DatabaseError as error:  # a read-only database: shown, not remembered
            if attempt < 2 and not _read_only(error):
                continue  # a lock that gave way (SQLite's timeout): once more
            logger.warning(
                "monitor publication of %s %s to %s not recorded: %s",
                region.centrumgemeente_id,
                start,
                end,
                type(error).__name__,
            )
            return None
    raise AssertionError("unreachable")  # pragma: no cover


def _read_only(error: DatabaseError) -> bool:
    text = str(error).lower()
    return "read-only" in text or "readonly" in text


LEAD_IN = "lead-in"
"""Section of the part from 1 January to the period's first day, when the period starts later
in the year. No document shows it, but a reader works it out: the year's figures minus the
quarters of the period in that year. So it is in the suppression, with every count hidden."""


def _raw_parts(
    records: list,
    members: list[str],
    *,
    start: date,
    end: date,
    series: monitor.Step | None,
    cost_lines: list,
    region_rows: RegionRows,
) -> dict[tuple[str, str], dict]:
    """The unsuppressed parts: the region and each member, for the period, every quarter and
    every year (and the series when asked)."""
    part_codes = {REGION: members, **{code: [code] for code in members}}
    raw: dict[tuple[str, str], dict] = {}
    for name, codes in part_codes.items():
        wanted = set(codes)
        mine = [r for r in records if r.responsible in wanted]
        raw[(name, "main")] = _figures(
            mine, codes, members, start=start, end=end, cost_lines=cost_lines, rows=region_rows
        )
        for i, period in enumerate(
            monitor.series(mine, start=start, end=end, step="quarter", breakdown="kind")
        ):
            raw[(name, f"q{i}")] = {
                "label": _quarter_label(period.start),
                **_flows(period.figures),
            }
        for i, period in enumerate(
            monitor.series(
                mine, start=date(start.year - 2, 1, 1), end=end, step="year", breakdown="product"
            )
        ):
            raw[(name, f"y{i}")] = {"label": f"{period.start:%Y}", **_flows(period.figures)}
        if start != date(start.year, 1, 1):
            # The year of ``start`` minus its quarters shown is the time before ``start``:
            # never shown, but protected as if it were (see ``LEAD_IN``).
            (before,) = monitor.series(
                mine, start=date(start.year, 1, 1), end=start, step="year", breakdown="product"
            )
            raw[(name, LEAD_IN)] = {"label": f"{start:%Y}", **_flows(before.figures)}
            # Its quarters, as every other document's quarters: another period may show them.
            for i, period in enumerate(
                monitor.series(
                    mine, start=date(start.year, 1, 1), end=start, step="quarter", breakdown="kind"
                )
            ):
                raw[(name, f"{LEAD_IN}-q{i}")] = {
                    "label": _quarter_label(period.start),
                    **_flows(period.figures),
                }
        if series:
            raw[(name, "series")] = {"series": _series(mine, start=start, end=end, step=series)}
    return raw


def _published_matrix(matrix: dict, published: dict) -> dict:
    """The matrix with its margins as ``suppress_parts`` published its parts."""
    result: dict = {}
    table = "origin_location"
    for origin, location in matrix:
        result[(origin, location)] = published[(origin, MATRIX)][table]["location"][location]
    for (origin, section), part in published.items():
        if section == MATRIX and origin != REGION:
            result[(origin, TOTAL)] = part[table]["total"]
    margins = published[(REGION, MATRIX)][table]
    for location, value in margins["location"].items():
        result[(TOTAL, location)] = value
    result[(TOTAL, TOTAL)] = margins["total"]
    return result


STORE_FORMAT = 1
"""Part of every stored document's key: raise it when a change of bwmo changes what a document
holds for the same data, so that no document of the earlier code is used."""
_VERSION = importlib.metadata.version("bwmo")


def document_code() -> str:
    """The hash of everything besides the data that a stored document depends on: the store's
    format, bwmo's version and the source of the modules that compute the figures."""
    return hashlib.sha256(
        repr((STORE_FORMAT, _VERSION, _code_fingerprint(*FIGURES_CODE))).encode()
    ).hexdigest()


_STORING: ContextVar[tuple[str, int] | None] = ContextVar("monitor_storing", default=None)
"""The region and data version of the document being computed in :func:`stored`: a stored
suppression asked for meanwhile is marked with them (see :func:`forget_unusable`)."""


def stored(
    *, region: str, codes: list[str] | None, key: tuple, compute: Callable[[], dict]
) -> dict:
    """``compute()``, a pure function of the data of the municipalities ``codes`` (``None``:
    of every municipality) and of ``key``, kept in the database for the data version of
    ``codes``: the next request for the same ``key`` — from any thread or process — is
    answered from there until a write touches one of ``codes`` (``bwmo.monitor.changes``),
    and a stale document is never used.

    The version is read before the data: a document stored under a version was computed from
    data at least as new as that version, so it never shows a figure that version's data does
    not support. A database that refuses the write (a read-only replica) still gets the
    document: it is computed, not kept."""
    version = data_version(codes)
    code = document_code()
    digest = hashlib.sha256(
        repr((code, translation.get_language(), version, key)).encode()
    ).hexdigest()
    found = StoredDocument.objects.filter(key=digest).values_list("document", flat=True).first()
    if found is not None:
        return found
    token = _STORING.set((region, version))
    try:
        document = compute()
    finally:
        _STORING.reset(token)
    try:
        with transaction.atomic():
            StoredDocument.objects.filter(region=region, version__lt=version).delete()
            StoredDocument.objects.create(
                key=digest, region=region, version=version, code=code, document=document
            )
    except IntegrityError:
        pass  # another request stored the same document meanwhile
    except DatabaseError as error:  # a read-only database: shown, not kept
        logger.warning("monitor document not stored: %s", type(error).__name__)
    # What a reader gets is the stored form (JSON), whether it was computed now or before.
    return json.loads(json.dumps(document, cls=DjangoJSONEncoder))


def forget_unusable() -> tuple[int, int]:
    """Remove, in one transaction, the stored documents and suppressions that no request can
    use any more: those of earlier code, of a region that no longer exists, or of a data
    version that is not its region's current one (a document's key holds its version; a
    suppression is marked with the version of the last document that asked for it — one of
    an earlier version that the same figures would ask again is computed again, once).
    Returns the numbers of documents and suppressions removed."""
    from .models import StoredSuppression as Suppression

    with transaction.atomic():
        regions = {
            *StoredDocument.objects.values_list("region", flat=True).distinct().order_by(),
            *Suppression.objects.values_list("region", flat=True).distinct().order_by(),
        }
        current: dict[str, int] = {}
        for code in sorted(regions):
            if code == "*":
                current[code] = data_version(None)
                continue
            region = Region.objects.filter(centrumgemeente_id=code).first()
            if region is not None:
                current[code] = data_version(region_codes(region))
        usable = Q(pk__in=[])
        for code, version in current.items():
            usable |= Q(region=code, version=version)
        documents, _by_model = StoredDocument.objects.exclude(
            usable & Q(code=document_code())
        ).delete()
        codes = [_code_fingerprint(name) for name in REMEMBERED_MODULES]
        suppressions, _by_model = Suppression.objects.exclude(usable & Q(code__in=codes)).delete()
    return documents, suppressions


def warm_documents(
    *, start: date, end: date, regions: list[Region] | None = None, municipalities: bool = True
) -> int:
    """Compute and store the documents that the dashboards of ``[start, end]`` ask first — of
    every region (or ``regions``) for both audiences, and with ``municipalities`` of each
    member municipality too — and the national overview, so that after a nightly run the
    first reader does not wait. A request is correct without it: it computes what is not
    stored. Returns the number of documents asked for."""
    done = 0
    chosen = regions if regions is not None else list(Region.objects.order_by("pk"))
    for region in chosen:
        members = (
            list(Municipality.objects.filter(code__in=region_codes(region)).order_by("code"))
            if municipalities
            else []
        )
        for municipality in [None, *members]:
            for audience in AUDIENCES:
                monitor_document(
                    scope=MonitorScope(region, municipality),
                    start=start,
                    end=end,
                    audience=audience,
                )
                done += 1
        # The council report compares the period with the one of the same length before it.
        length = (end - start).days
        monitor_document(
            scope=MonitorScope(region, None),
            start=start - timedelta(days=length + 1),
            end=start - timedelta(days=1),
            audience="external",
        )
        done += 1
    if regions is None:
        # As the national page asks it: the period up to ``end`` as today.
        national_overview(start=start, end=end, today=end)
        done += 1
    return done


def compact_changes() -> int:
    """Replace the recorded changes of each scope by one row of their summed weight: every
    data version stays what it is (so every stored document stays usable), the table small.
    Exactly the rows that were summed are removed: one that a transaction commits meanwhile
    stays, and counts. Returns the number of rows removed."""
    from .models import DataChange

    removed = 0
    scopes = list(DataChange.objects.values_list("scope", flat=True).distinct().order_by())
    for scope in scopes:
        with transaction.atomic():
            rows = list(DataChange.objects.filter(scope=scope).values_list("pk", "weight"))
            if len(rows) < 2:
                continue
            ids = [pk for pk, _weight in rows]
            for i in range(0, len(ids), 10_000):
                DataChange.objects.filter(pk__in=ids[i : i + 10_000]).delete()
            DataChange.objects.create(scope=scope, weight=sum(w for _pk, w in rows))
            removed += len(rows) - 1
    return removed


_REMEMBERED: OrderedDict[str, object] = OrderedDict()
_REMEMBERED_LOCK = threading.Lock()
_REMEMBER_AT_MOST = 64
_COMPUTING: dict[str, threading.Lock] = {}


@functools.cache
def _code_fingerprint(*names: str) -> str:
    """A hash of the source of the modules ``names`` (a package: all its files), read once
    per process: a result stored by other code is never used."""
    digest = hashlib.sha256()
    for name in names:
        path = Path(str(importlib.import_module(name).__file__))
        files = sorted(path.parent.rglob("*.py")) if path.name == "__init__.py" else [path]
        for file in files:
            digest.update(file.read_bytes())
    return digest.hexdigest()


REMEMBERED_MODULES = ("bwmo.rules.suppression",)
"""The modules of the functions whose results :func:`_remembered` stores: a stored result of
another module's function is removed by :func:`forget_unusable` (its code is not known)."""

FIGURES_CODE = (
    "bwmo.rules.suppression",
    "bwmo.rules.monitor",
    "bwmo.rules.costs",
    "bwmo.monitor.services",
    "bwmo.monitor.selectors",
    "bwmo.finance.gaps",
    "bwmo.finance.selectors",
    "bwmo.finance.services",
)
"""The modules whose code a stored document depends on (its key holds their hash); the last
one for the cost lines that finance keeps with :func:`stored` (``cost_lines``)."""


def _encoded(value: object) -> object:
    """``value`` as JSON can hold it: tuples and dicts whose keys are not all strings are
    tagged, so that :func:`_decoded` gives them back as they were."""
    if isinstance(value, tuple):
        return {"__tuple__": [_encoded(v) for v in value]}
    if isinstance(value, list):
        return [_encoded(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("__") for k in value):
            return {k: _encoded(v) for k, v in value.items()}
        return {"__pairs__": [[_encoded(k), _encoded(v)] for k, v in value.items()]}
    return value


def _decoded(value: object) -> object:
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    if isinstance(value, dict):
        if "__tuple__" in value:
            return tuple(_decoded(v) for v in value["__tuple__"])
        if "__pairs__" in value:
            return {_decoded(k): _decoded(v) for k, v in value["__pairs__"]}
        return {k: _decoded(v) for k, v in value.items()}
    return value


def _remembered(function, *args, **kwargs):
    """``function(*args, **kwargs)`` for a pure function of its arguments, remembered by the
    content of those arguments and the source of the function's module: the same figures give
    the same suppression, so a request for the same region, period and filter does not
    suppress it all again — in this process from memory, in any other from the database
    (``StoredSuppression``) — and changed data (other figures) or changed code is never
    answered from memory. A copy is returned: callers change it."""
    key = hashlib.sha256(
        repr(
            (
                _code_fingerprint(function.__module__),
                function.__module__,
                function.__qualname__,
                args,
                sorted(kwargs.items()),
            )
        ).encode()
    ).hexdigest()
    with _REMEMBERED_LOCK:
        result = _REMEMBERED.get(key)
        if result is not None:
            _REMEMBERED.move_to_end(key)
        else:
            computing = _COMPUTING.setdefault(key, threading.Lock())
    if result is None:
        # One thread computes; the others asking the same wait for its result.
        with computing:
            result = _computed_once(key, function, *args, **kwargs)
        with _REMEMBERED_LOCK:
            _COMPUTING.pop(key, None)
    return copy.deepcopy(result)


def _computed_once(key: str, function, *args, **kwargs):
    with _REMEMBERED_LOCK:
        result = _REMEMBERED.get(key)
    if result is None:
        region, version = _STORING.get() or ("", None)
        row = StoredSuppression.objects.filter(key=key).values_list("result", "version").first()
        if row is not None:
            result = _decoded(row[0])
            if version is not None and row[1] != version:
                # Asked again at another data version: usable there too (``forget_unusable``).
                _quietly(
                    lambda: StoredSuppression.objects.filter(key=key).update(
                        region=region, version=version
                    )
                )
        else:
            result = function(*args, **kwargs)
            encoded = _encoded(result)
            # Stored only when JSON gives exactly this result back.
            if _decoded(json.loads(json.dumps(encoded))) == result:
                _quietly(
                    lambda: StoredSuppression.objects.create(
                        key=key,
                        result=encoded,
                        code=_code_fingerprint(function.__module__),
                        region=region,
                        version=version,
                    )
                )
        with _REMEMBERED_LOCK:
            _REMEMBERED[key] = result
            while len(_REMEMBERED) > _REMEMBER_AT_MOST:
                _REMEMBERED.popitem(last=False)
    return result


def _quietly(write: Callable[[], object]) -> None:
    """A write that only saves work later: another process that wrote the same meanwhile, or
    a database that refuses writes (a read-only replica), leaves the answer as it is."""
    try:
        with transaction.atomic():
            write()
    except IntegrityError:
        pass  # another process stored it meanwhile
    except DatabaseError as error:
        logger.warning("monitor suppression not stored: %s", type(error).__name__)


def _suppression_inputs(raw: dict, records: list, members: list[str]) -> dict:
    """What ``suppress_parts`` protects the parts with: every relation a reader knows (each
    part's own, the time chain, a region figure as the sum of its municipalities' in every
    section), the groups of municipalities one reader sees in full, and the period's own
    figures as the place to hide a secondary cell last."""
    nesting = monitor.nesting(records)
    return {
        "nesting": nesting,
        "links": _links(raw, members, across=True, nesting=nesting),
        "revealed": [
            [key for key in raw if key[0] in group] for group in monitor_reader_groups(members)
        ],
        "headline": [key for key in raw if key[1] == "main"],
        "unpublished": [key for key in raw if key[1].startswith(LEAD_IN)],
    }


MATRIX = "matrix"
"""Section of the origin × location matrix among the parts: a row per origin ``(origin,
MATRIX)``, the column totals and the grand total as ``(REGION, MATRIX)``."""


def _matrix_parts(matrix: dict, members: list[str]) -> tuple[dict, list[dict]]:
    """The origin × location matrix as parts of the figures, with every relation a reader knows
    between it and the other parts: a row adds up to its total, the rows to the column totals,
    a member's row total is its ``flows.total`` and its cells outside the region its
    ``placed_outside``. So the matrix is protected in the one system with the rest."""
    rows: dict[str, dict[str, int]] = {}
    for (origin, location), n in matrix.items():
        rows.setdefault(origin, {})[location] = n
    columns: dict[str, int] = {}
    for (_origin, location), n in matrix.items():
        columns[location] = columns.get(location, 0) + n
    table = "origin_location"
    parts: dict = {
        (origin, MATRIX): {table: {"total": sum(row.values()), "location": dict(row)}}
        for origin, row in rows.items()
    }
    margins = (REGION, MATRIX)
    parts[margins] = {table: {"total": sum(columns.values()), "location": columns}}
    links: list[dict] = [
        {
            (margins, table, "total"): -1,
            **{((origin, MATRIX), table, "total"): 1 for origin in rows},
        }
    ]
    for location in columns:
        links.append(
            {
                (margins, table, "location", location): -1,
                **{
                    ((origin, MATRIX), table, "location", location): 1
                    for origin, row in rows.items()
                    if location in row
                },
            }
        )
    region = set(members)
    for code in members:
        row = rows.get(code, {})
        mine = [((code, MATRIX), table, "location", loc) for loc in row]
        outside = [key for key in mine if key[-1] not in region]
        total = {((code, MATRIX), table, "total"): 1} if row else {}
        links.append({((code, "main"), "flows", "total"): -1, **total})
        links.append(
            {((code, "main"), "flows", "out_of_region", "placed_outside"): -1}
            | dict.fromkeys(outside, 1)
        )
    return parts, links


def _suppressed_parts(raw: dict, **kwargs) -> dict:
    return _remembered(suppress_parts, raw, **kwargs)


# Where each kind of gap is fixed: the document carries the gap's words, not the screen (a
# JSON export names no URL), so the link is put back by kind.
ADMIN_LINKS = {
    "missing_tariff": ("admin:care_contract_changelist", "care.change_contract"),
    "no_members": ("admin:organisations_region_changelist", "organisations.change_region"),
    "no_budget_parameters": ("finance:parameters", "finance.add_budgetparameterset"),
    "bad_stay": ("admin:care_product_changelist", "care.change_product"),
}


def data_gaps_of(document: dict) -> list[DataGap]:
    """The document's gaps as objects again, with the link to the beheer screen."""
    result = []
    for gap in document.get("data_gaps", []):
        url, permission = ADMIN_LINKS.get(gap["kind"], (None, None))
        result.append(
            DataGap(
                **{k: gap[k] for k in ("kind", "count", "subject", "message", "fix")},
                admin_url=gap.get("admin_url", url),
                admin_permission=gap.get("admin_permission", permission),
            )
        )
    return result


def sorted_parts(parts, name: str, prefix: str) -> list:
    """The parts of ``name`` whose section is ``prefix`` and a number, in that order."""
    n = len(prefix)
    keys = [k for k in parts if k[0] == name and k[1][:n] == prefix and k[1][n:].isdigit()]
    return sorted(keys, key=lambda k: int(k[1][n:]))


def _with_margins(matrix: dict) -> dict:
    result = dict(matrix)
    for (origin, location), n in matrix.items():
        result[(origin, TOTAL)] = result.get((origin, TOTAL), 0) + n
        result[(TOTAL, location)] = result.get((TOTAL, location), 0) + n
    result[(TOTAL, TOTAL)] = sum(matrix.values())
    return result


def _rejected_gaps(rejected: list[str]) -> list[DataGap]:
    """A gap per product whose stays the monitor cannot count (no domain BW or MO): they are
    counted nowhere rather than failing every figure."""
    return [
        bad_stay_gap(n, _("product %(p)s heeft geen domein (BW of MO)") % {"p": product})
        for product, n in sorted(Counter(rejected).items())
    ]


def _links(
    raw: dict,
    members: list[str],
    *,
    across: bool = False,
    nesting: dict | None = None,
) -> list[dict]:
    """What a reader knows between the parts: a region figure is the sum of its municipalities'
    (where that holds), one period's end stock is the next one's start, the quarters' flows add
    up to the period's. Keys are ``(part, *path)`` with the part's name ``(name, section)``."""
    links = []
    # With ``across``: every section (the period, each quarter and year) across municipalities.
    sections = sorted({section for name, section in raw if name == REGION}) if across else []
    for section in sections:
        region = raw.get((REGION, section))
        if region is None:
            continue
        for path in _int_paths(region):
            link = {((REGION, section), *path): -1}
            for code in members:
                if _at(raw.get((code, section)), path) is not None:
                    link[((code, section), *path)] = 1
            links.append(link)
    # In a fixed order: the links are part of the suppression's key, in every process alike.
    names = sorted({name for name, _section in raw})
    for name in names:
        for prefix in ("q", "y"):
            periods = sorted_parts(raw, name, prefix)
            for before, after in itertools.pairwise(periods):
                for path in _int_paths(raw[before]["in_care_at_end"]):
                    links.append(
                        {
                            (before, "in_care_at_end", *path): 1,
                            (after, "in_care_at_start", *path): -1,
                        }
                    )
        quarters = sorted_parts(raw, name, "q")
        main = raw[(name, "main")]
        if quarters:
            for key, first in (("in_care_at_start", quarters[0]), ("in_care_at_end", quarters[-1])):
                for path in _int_paths(raw[first][key]):
                    links.append({(first, key, *path): 1, ((name, "main"), key, *path): -1})
            for key in ("instroom", "uitstroom"):
                for path in _int_paths(main[key]):
                    link = {((name, "main"), key, *path): -1}
                    for q in quarters:
                        if _at(raw[q][key], path) is not None:
                            link[(q, key, *path)] = 1
                    links.append(link)
        years = sorted_parts(raw, name, "y")
        if years:
            for path in _int_paths(raw[years[-1]]["in_care_at_end"]):
                links.append(
                    {
                        (years[-1], "in_care_at_end", *path): 1,
                        ((name, "main"), "in_care_at_end", *path): -1,
                    }
                )
        links += _year_links(raw, name, quarters, years, nesting or {})
    return links


_STOCK_READINGS = ("total", "kind", "product")
_FLOW_READINGS = {
    "instroom": ("total", "kind", "product"),
    "uitstroom": ("total", "kind", "product", "reason"),
    # A product's "in" and "out" are moves between products, not between kinds: only the
    # total and the direction add up over time.
    "doorstroom": ("total", "direction"),
}


def _readings(part: dict, table: str, kinds: dict[str, str], wanted: tuple) -> dict:
    """The figures of ``table`` a reader can compare across parts, each as the paths that add
    up to it: the total, every kind (read from the kind table, or as the sum of its products),
    every product and every reason or direction."""
    figures = part.get(table) or {}
    found: dict[tuple, list[tuple]] = {}
    for reading in wanted:
        if reading == "total":
            found[("total",)] = [(table, "total")]
            continue
        for value, n in (figures.get(reading) or {}).items():
            if isinstance(n, int):
                found[(reading, value)] = [(table, reading, value)]
    products = figures.get("product") or {}
    if "kind" in wanted and "kind" not in figures and products and set(products) <= set(kinds):
        for kind in sorted({kinds[p] for p in products}):
            found[("kind", kind)] = [(table, "product", p) for p in products if kinds[p] == kind]
    return found


def _same(a: tuple, b: tuple, table_a: str, table_b: str, readings: dict) -> list[dict]:
    """``a``'s ``table_a`` equals ``b``'s ``table_b``, in every reading both parts have."""
    mine, theirs = readings[(a, table_a)], readings[(b, table_b)]
    return [
        {**{(a, *p): 1 for p in mine[r]}, **{(b, *p): -1 for p in theirs[r]}}
        for r in sorted(mine.keys() & theirs.keys(), key=repr)
    ]


def _year_links(raw: dict, name: str, quarters: list, years: list, nesting: dict) -> list[dict]:
    """What a reader knows between the years and the quarters of one name. The year series and
    the quarter series are cut at the same days (``monitor.series``), and the quarters run to
    the period's end as the last year does. So for a year with a quarter of the period in it:
    its end stock is its last quarter's; and when the year's first quarter is in the period
    (or the year's time before the period is the lead-in part): its start stock is that part's,
    and its flows are the sum of the lead-in and its quarters'."""
    kinds = nesting.get(("product", "kind"), {})
    lead_in = (name, LEAD_IN) if (name, LEAD_IN) in raw else None
    by_year: dict[str, list] = {}
    if not all(raw[key].get("label") for key in [*quarters, *years]):
        return []  # parts without their periods' names (a test's): nothing to relate them by
    for key in quarters:
        by_year.setdefault(raw[key]["label"][:4], []).append(key)
    readings: dict[tuple, dict] = {}

    def read(key: tuple) -> None:
        for table in ("in_care_at_start", "in_care_at_end"):
            readings[(key, table)] = _readings(raw[key], table, kinds, _STOCK_READINGS)
        for table, wanted in _FLOW_READINGS.items():
            readings[(key, table)] = _readings(raw[key], table, kinds, wanted)

    main = (name, "main")
    for key in [main, *quarters, *years, *([lead_in] if lead_in else [])]:
        read(key)
    links: list[dict] = []
    if lead_in and quarters:
        links += _same(lead_in, quarters[0], "in_care_at_end", "in_care_at_start", readings)
    if lead_in:
        # The lead-in is the sum of its quarters.
        pieces = sorted_parts(raw, name, f"{LEAD_IN}-q")
        for key in pieces:
            read(key)
        if pieces:
            links += _same(lead_in, pieces[0], "in_care_at_start", "in_care_at_start", readings)
            links += _same(lead_in, pieces[-1], "in_care_at_end", "in_care_at_end", readings)
            links += _sums(lead_in, [(p, 1) for p in pieces], readings)
    # The period is its years from the first quarter's on, without the lead-in.
    covering = [y for y in years if quarters and raw[y]["label"] >= raw[quarters[0]]["label"][:4]]
    if covering and (lead_in is None or raw[lead_in]["label"] == raw[covering[0]]["label"]):
        first = lead_in or covering[0]
        table = "in_care_at_end" if lead_in else "in_care_at_start"
        links += _same(main, first, "in_care_at_start", table, readings)
        signed = [(y, 1) for y in covering] + ([(lead_in, -1)] if lead_in else [])
        links += _sums(main, signed, readings)
    for year in years:
        inside = by_year.get(raw[year]["label"], [])
        if not inside:
            continue
        links += _same(year, inside[-1], "in_care_at_end", "in_care_at_end", readings)
        starts_here = raw[inside[0]]["label"].endswith("-K1")
        first = inside[0] if starts_here else lead_in
        if first is None or (first == lead_in and raw[lead_in]["label"] != raw[year]["label"]):
            continue
        pieces = inside if starts_here else [lead_in, *inside]
        links += _same(year, first, "in_care_at_start", "in_care_at_start", readings)
        links += _sums(year, [(p, 1) for p in pieces], readings)
    return links


def _sums(whole: tuple, pieces: list[tuple[tuple, int]], readings: dict) -> list[dict]:
    """``whole``'s flows are the sum of ``pieces``' (each ``(part, sign)``), in every reading
    they all have."""
    links = []
    for table in _FLOW_READINGS:
        mine = readings[(whole, table)]
        for reading in sorted(mine, key=repr):
            if all(reading in readings[(p, table)] for p, _sign in pieces):
                link = {(whole, *path): -1 for path in mine[reading]}
                for piece, sign in pieces:
                    for path in readings[(piece, table)][reading]:
                        link[(piece, *path)] = sign
                links.append(link)
    return links


def _at(tree, path):
    for step in path:
        if not isinstance(tree, dict) or step not in tree:
            return None
        tree = tree[step]
    return tree


def _series(records, *, start: date, end: date, step: monitor.Step) -> dict:
    periods = monitor.series(records, start=start, end=end, step=step, breakdown="kind")
    return {
        "total": len(periods),
        "step": step,
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


def _figures(records, codes, members, *, start, end, cost_lines, rows: RegionRows) -> dict:
    """The unsuppressed figures of one part (the region or one municipality)."""
    figures = monitor.flow_figures(records, start=start, end=end).to_dict()
    document = {key: figures[key] for key in FLOW_TABLES}

    times = monitor.lead_times(rows.lead_time_cases(codes), on=end).to_dict()
    document["lead_times"] = {
        "total": sum(
            t["completed"]["count"]
            for t in times.values()
            if isinstance(t, dict) and "completed" in t
        ),
        **times,
    }
    waiting = monitor.waiting_list(rows.granted_indications(codes), on=end).to_dict()
    document["waiting_list"] = {"total": waiting["count"], **waiting}

    # Where clients come from and where they stay: responsible × location on the last day.
    mine = set(codes)
    region_set = set(members)
    matrix = monitor.origin_location_matrix(records, on=end)
    out_of_region = sum(n for (o, loc), n in matrix.items() if o in mine and loc not in region_set)
    document["flows"] = {
        "total": sum(n for (o, _l), n in matrix.items() if o in mine),
        "out_of_region": {
            "placed_outside": out_of_region,
            "reason": rows.placement_reasons(codes),
        },
        "bw_mo": _bw_mo_transitions(records, start=start, end=end),
    }
    document["costs"] = _costs([line for line in cost_lines if line.responsible in mine])
    durations = monitor.duration_stats(records, on=end).to_dict()
    document["durations"] = {
        "total": len({r.client for r in records if r.start <= end}),
        **durations,
    }
    granted = rows.granted_indications(codes)
    in_period = [i for i in granted if start <= i.granted <= end]
    document["indications"] = {
        "total": len(in_period),
        "verzilverd": sum(1 for i in in_period if i.started is not None and i.started <= end),
        "wlz_pending": rows.wlz_pending(codes),
    }
    return document


def _bw_mo_transitions(records, *, start: date, end: date) -> dict:
    """Clients whose next episode after an MO stay is BW (and the other way round)."""
    by_client: dict[str, list] = {}
    for record in sorted(records, key=lambda r: (r.client, r.start)):
        by_client.setdefault(record.client, []).append(record)
    counts: Counter[str] = Counter()
    for stays in by_client.values():
        for before, after in itertools.pairwise(stays):
            if before.kind != after.kind and start <= after.start <= end:
                counts["mo_to_bw" if before.kind == "MO" else "bw_to_mo"] += 1
    return {
        "total": sum(counts.values()),
        "mo_to_bw": counts["mo_to_bw"],
        "bw_to_mo": counts["bw_to_mo"],
    }


def _cost_lines(region, *, start: date, end: date, today: date):
    """Realised cost lines of the region's stays, and a gap per product and provider that no
    contract prices (those days are left out of the cost)."""
    missing: list = []
    lines = costs.stay_costs(
        care_stays(region=region),
        tariffs(region=region),
        today=min(today, end),
        years=range(start.year, end.year + 1),
        gaps=missing,
    )
    gaps = tariff_gaps(
        missing,
        provider_names={str(pk): name for pk, name in Provider.objects.values_list("pk", "name")},
        product_names=dict(Product.objects.values_list("code", "name")),
    )
    return [line for line in lines if line.kind == "realised"], gaps


def _costs(realised) -> dict:
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


NATIONAL_TABLES = ("in_care_at_end", "instroom", "uitstroom")


def national_overview(*, start: date, end: date, today: date | None = None) -> dict:
    """The overview of :func:`computed_national_overview`, stored for the data version of
    every municipality (see ``stored``). Its period is widened to whole, closed quarters
    (``outside_period``), as for every outside reader."""
    start, end = outside_period(start, end, today=today or timezone.localdate())
    key = ("national_overview", start.isoformat(), end.isoformat(), today and today.isoformat())
    return stored(
        region="*",
        codes=None,
        key=key,
        compute=lambda: computed_national_overview(start=start, end=end, today=today),
    )


def computed_national_overview(*, start: date, end: date, today: date | None = None) -> dict:
    """All regions side by side — clients in care on ``end``, instroom and uitstroom over
    ``[start, end]`` by kind (BW/MO), and the cost against the budget where a budget exists —
    for a national reader (the Rijk, the VNG): always suppressed as for an external audience.

    Each table (regions × kinds) is suppressed with its margins (``suppress_matrix``): a count
    of 1-4 shows as "×", and no region total or kind total gives a hidden cell back. The
    counting is set-based in SQL per region (``region_flow_counts``)."""
    from bwmo.finance.models import BudgetParameterSet
    from bwmo.finance.selectors import parameters_of
    from bwmo.rules.budget import REGION as REGION_ROW
    from bwmo.rules.budget import compute_budget

    from .selectors import region_flow_counts, regions_with_members

    regions = regions_with_members()
    raw: dict[str, dict[str, dict[str, int]]] = {}
    names: dict[str, str] = {}
    gaps: list[DataGap] = []
    for region, members in regions:
        code = region.centrumgemeente_id
        names[code] = region.name
        if not members:
            gaps.append(no_members_gap(region))
        raw[code] = region_flow_counts(members=members, start=start, end=end)
    tables = {}
    for table in NATIONAL_TABLES:
        matrix = {
            (code, kind): raw[code][table].get(kind, 0) for code in raw for kind in monitor.KINDS
        }
        tables[table] = _remembered(suppress_matrix, matrix) if matrix else {}
    # The budget of the period's last year, from the first parameter set (as the finance
    # page): per region the sum over its member municipalities, where the set has the region.
    parameter_set = BudgetParameterSet.objects.order_by("pk").first()
    budgets: dict[str, Decimal] = {}
    if parameter_set is not None:
        params = parameters_of(parameter_set)
        by_name = {r.name: r.centrumgemeente for r in params.regions}
        for row in compute_budget(params):
            if row.year == end.year and row.municipality != REGION_ROW and row.region in by_name:
                code = by_name[row.region]
                budgets[code] = budgets.get(code, Decimal(0)) + row.total
    money: dict[str, dict[str, float | None]] = {}
    for region, members in regions:
        code = region.centrumgemeente_id
        lines, cost_gaps = _cost_lines(
            region, start=date(end.year, 1, 1), end=end, today=min(today or end, end)
        )
        gaps += cost_gaps
        realised = sum((line.amount for line in lines if line.year == end.year), Decimal(0))
        money[code] = {
            "realised": round(float(realised), 2) if members else None,
            "budget": round(float(budgets[code]), 2) if code in budgets else None,
        }
    rows: list[dict[str, object]] = []
    for region, _members in regions:
        code = region.centrumgemeente_id
        line: dict[str, object] = {"region": code, "name": names[code], **money[code]}
        for table in NATIONAL_TABLES:
            line[table] = {
                "total": tables[table].get((code, TOTAL), 0),
                **{kind: tables[table].get((code, kind), 0) for kind in monitor.KINDS},
            }
        rows.append(line)
    totals = {
        table: {
            "total": tables[table].get((TOTAL, TOTAL), 0),
            **{kind: tables[table].get((TOTAL, kind), 0) for kind in monitor.KINDS},
        }
        for table in NATIONAL_TABLES
    }
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "audience": "external",
        "budget_year": end.year,
        "regions": rows,
        "totals": totals,
        "data_gaps": [suppressed(gap).to_dict() for gap in gaps],
    }
