"""Small-number suppression for figures that leave the region.

Primary suppression: a count from 1 to 4 is hidden, published as ``"×"`` (the mark statistics
offices use for "secret"). 0 is always published: it reveals no person.

Secondary suppression: published totals and the relations between published figures (a
breakdown adds up to its total; a matrix to its margins; the monitor's stock-and-flow identity)
must not give a suppressed count back. A reader who knows those relations also knows that every
suppressed count is at least 1, since zeros are never suppressed. The guarantee:

    No suppressed count can be derived exactly from the published values, the relations and
    "every suppressed count ≥ 1".

The check is exact for real-valued solutions, in two steps:

* **Held at 1:** a suppressed cell that is 1 can be held there by the bound: in a row whose
  total leaves 2 for two suppressed cells, both are 1; across a matrix, rows and columns can
  combine into such a sum without any single one showing it. Only cells that are 1 can be held,
  and after eliminating the other suppressed cells only a few relations among cells at 1 remain;
  a small exact linear program per cell decides whether any direction keeps every cell ≥ 1 and
  moves it.
* **Linear:** a suppressed value is then fixed when some combination of the relations (and the
  cells held at 1) involves that value only: exact elimination. In a breakdown this is the
  classic "one cell suppressed: total − the others"; in a matrix also a cell that links two
  otherwise separate groups of suppressed cells.

A breakdown and a matrix with its margins have integral extreme solutions, so there the real and
the integer answers agree (the tests compare with brute force on integers). For the combined
monitor figures the real-valued range is the usual standard of disclosure control.

Secondary cells are added until nothing is exposed: first each relation on its own (the common
case, cheap), then the relations together, one cell per linked group and round. The cell added
is the smallest published non-zero count in a relation of an exposed cell, cells before totals
and totals before the grand total. This always ends: once every non-zero count is suppressed,
any solution doubled is another solution, so nothing can be fixed.

Decisions where the issue leaves room:

* Every hidden cell gets the one neutral mark ``"×"``, primary and secondary alike. A
  secondary cell holds 5 or more, so ``"<5"`` would say something false about it; two marks
  (``"<5"`` and ``"×"``) would tell the reader which cells are at least 5 and narrow the
  others (a ``"<5"`` and a ``"×"`` adding up to 6 are 1 and 5). The legend says what ``"×"``
  means: a count of 1 to 4, or a count from which one could be worked back.
* A reader who assumes every ``"×"`` is a small count (at most 4) learns more when the hidden
  cells of a relation really are at most 4: two hidden cells adding up to 8 are both 4. This
  is protected as well, by a cell from a relation of the exposed one. When those relations
  have no published non-zero count left (four hidden cells with a hidden total are each 1),
  it is left as it is: that only happens in figures about a handful of clients, where every
  number around it is hidden already. ``can_recompute(..., trust_marks=True)`` checks this
  reading.
* A breakdown that does not add up to its total (a client under several values) gets no
  relation: its sum is not known to the reader. What the figures do not say but a reader knows
  (every product is BW or MO) comes in as ``nesting``; without it a product table and the kind
  table are protected each on its own, and one can give the other away.
* In ``suppress_figures`` an int is a count, except under a key ending in ``_days``. Outside the
  recognised tables a count only gets primary suppression. A statistics object (a dict with
  ``count`` or ``clients``) about 1 to 4 persons shows ``"×"`` for that count and ``None`` for
  every other number in it: a median of two waiting times is a person's waiting time. Shares
  and amounts of larger groups are published as they are.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from collections.abc import Hashable, Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeGuard, cast

__all__ = [
    "MARK",
    "THRESHOLD",
    "TOTAL",
    "CannotProtect",
    "audit_bounds",
    "can_recompute",
    "is_small",
    "mark_small",
    "suppress_figures",
    "suppress_matrix",
    "suppress_parts",
    "suppress_table",
    "suppress_tables",
    "withhold_parts",
]

THRESHOLD = 5
MARK = "×"  # hidden: a count of 1 to 4, or one that would give such a count back
TOTAL = "total"
"""Key of a table's total, and of the margins of a matrix: ``(row, TOTAL)``, ``(TOTAL, col)``."""


class CannotProtect(Exception):
    """Figures whose hidden cells cannot be protected without hiding a cell that an earlier
    publication showed (``suppress_parts``' ``published_before``). Hiding it here would protect
    these figures alone: a reader who has both would have the cell, and with it the hidden
    ones. Such figures are not published."""

    def __init__(self, exposed: int) -> None:
        super().__init__(
            f"{exposed} hidden cell(s) would follow from these figures together with what "
            "earlier publications showed"
        )
        self.exposed = exposed


FLOW_KEYS = ("in_care_at_start", "in_care_at_end", "instroom", "uitstroom", "doorstroom")
STAT_COUNTS = ("count", "clients")

_NOTHING = object()
_ZERO = Fraction(0)
_ONE = Fraction(1)
# Propagating bounds around long cycles tightens them one step a pass; real tables settle in a
# few passes, so this only stops pathological inputs from running long.
_MAX_PASSES = 200

Key = Hashable
Equation = dict[Key, int]
"""``Σ coefficient × value == 0`` on the true values."""


def _is_count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _primary(value: int) -> bool:
    return 0 < value < THRESHOLD


def is_small(value: object) -> bool:
    """Whether a count is below the disclosure threshold (1 to 4; 0 reveals no person)."""
    return _is_count(value) and _primary(value)


def mark_small(value: Any) -> Any:
    """A single count as it may be published: ``"×"`` for 1 to 4, else unchanged.

    Only for a count that no published figure relates to; tables go through ``suppress_*``.
    """
    return MARK if is_small(value) else value


def _order(key: Key) -> str:
    return repr(key)


# --- the engine ---------------------------------------------------------------------------


class _Problem:
    """Counts, the equations between them that the reader knows, and which cells cost most."""

    def __init__(
        self,
        values: Mapping[Any, int],
        equations: Iterable[Equation],
        priority: Mapping[Key, int] | None = None,
    ) -> None:
        # Keys are the caller's: str for a table, (row, col) for a matrix, paths for figures.
        self.values: dict[Any, int] = dict(values)
        for key, value in self.values.items():
            if not _is_count(value) or value < 0:
                raise ValueError(f"{key!r}: a count must be a non-negative int, not {value!r}")
        self.equations = [eq for eq in equations if any(eq.values())]
        for eq in self.equations:
            if sum(c * self.values[k] for k, c in eq.items()) != 0:
                raise ValueError(f"the figures do not satisfy {eq!r}")
        self.priority = dict(priority or {})
        # Published cells a reader has from elsewhere (an earlier publication): never taken as
        # a secondary cell, since hiding them here would hide nothing.
        self.fixed: frozenset[Key] = frozenset()
        self.equations_of: dict[Key, list[int]] = defaultdict(list)
        for index, eq in enumerate(self.equations):
            for key, coefficient in eq.items():
                if coefficient:
                    self.equations_of[key].append(index)

    def protect(self) -> set[Key]:
        """Primary and secondary suppression: the set of cells to hide."""
        hidden = {key for key, value in self.values.items() if _primary(value)}
        self._protect_relations(hidden, range(len(self.equations)))
        while True:
            # What the relations give back only together: one cell per group of linked
            # relations and round, since a cell added for one exposed value often protects
            # the others as well.
            added = set()
            for strict, trusting in self._exposed_groups(hidden, trust_marks=True):
                if strict:
                    pick = self._secondary(strict, hidden)
                else:
                    # Only a cell in the same relation helps a reader who trusts the marks; when
                    # there is none, everything in it is hidden already.
                    pick = self._secondary(trusting, hidden, nearby=False)
                if pick is not None:
                    added.add(pick)
            if not added:
                return hidden
            hidden |= added
            self._protect_relations(hidden, {i for k in added for i in self.equations_of[k]})

    def _protect_relations(
        self,
        hidden: set[Key],
        indices: Iterable[int],
        known: frozenset[Key] = frozenset(),
        shared: frozenset[Key] = frozenset(),
    ) -> None:
        """Make every relation safe on its own (adds to ``hidden``): the cheap, common case.

        With ``known``: for a reader who knows those cells (``shared`` as in ``exposed_to``).
        """
        visible = hidden - known if known else hidden
        todo = deque(sorted(indices))
        queued = set(todo)
        while todo:
            index = todo.popleft()
            queued.discard(index)
            equation = self.equations[index]
            if not any(k in visible for k in equation):
                continue
            exposed = self._exposed_in(equation, visible)
            if known:
                exposed -= shared
            if not exposed:
                continue
            # Only a cell of this relation frees it: one outside leaves the relation as exposed
            # as it was, and would be hidden for nothing.
            pick = self._cheapest(equation, visible | known if known else hidden)
            if pick is None:
                continue
            hidden.add(pick)
            visible.add(pick)
            for other in (index, *self.equations_of[pick]):
                if other not in queued:
                    queued.add(other)
                    todo.append(other)

    def _exposed_in(self, equation: Equation, hidden: set[Key]) -> set[Key]:
        variables = {k for k, c in equation.items() if c and k in hidden}
        if len(variables) == 1:
            return variables
        system = [
            (
                [(k, c) for k, c in equation.items() if k in variables],
                -sum(c * self.values[k] for k, c in equation.items() if k not in hidden),
            )
        ]
        # For one relation, propagating the bounds is exact.
        return self._pinned(system, variables, upper=math.inf) | self._pinned(
            system, variables, upper=THRESHOLD - 1
        )

    def _pinned(self, systems: _System, variables: set[Key], *, upper: float) -> set[Key]:
        """Cells whose propagated range is their true value alone, each cell in [1, upper]."""
        bounds = _propagate(systems, variables, upper=upper)
        if bounds is None:
            return set()  # no solution: the reader sees that the assumption is wrong
        return {k for k, (lo, hi) in bounds.items() if lo == hi == self.values[k]}

    def _cheapest(self, pool: Iterable[Key], hidden: set[Key]) -> Key | None:
        """The cheapest published non-zero cell of ``pool`` (``priority``, then value)."""
        candidates = [
            k for k in pool if k not in hidden and k not in self.fixed and self.values[k] > 0
        ]
        if not candidates:
            return None
        return min(candidates, key=lambda k: (self.priority.get(k, 0), self.values[k], _order(k)))

    def _secondary(
        self,
        exposed: set[Key],
        hidden: set[Key],
        *,
        nearby: bool = True,
        groups: list[set[Key]] | None = None,
    ) -> Key | None:
        """The cheapest published non-zero cell in a relation of an exposed cell, else nearby.

        ``groups`` keeps the linked groups found for the same ``hidden``: the cells of one
        group have the same cheapest cell in it, so a group already there gives ``None``
        (its cell was taken) and is not walked again."""
        near = {k for key in exposed for i in self.equations_of[key] for k in self.equations[i]}
        pick = self._cheapest(near, hidden)
        if pick is not None or not nearby:
            return pick
        if groups is not None:
            if any(exposed <= group for group in groups):
                return None
            groups.append(self._component(exposed, hidden))
            return self._cheapest(groups[-1], hidden)
        return self._cheapest(self._component(exposed, hidden), hidden)

    def _component(self, keys: set[Key], hidden: set[Key]) -> set[Key]:
        """Every cell of the relations linked to ``keys`` through hidden cells."""
        seen_eqs: set[int] = set()
        cells: set[Key] = set()
        todo = list(keys)
        while todo:
            current = todo.pop()
            for index in self.equations_of[current]:
                if index in seen_eqs:
                    continue
                seen_eqs.add(index)
                for other in self.equations[index]:
                    if other not in cells:
                        cells.add(other)
                        if other in hidden:
                            todo.append(other)
        return cells

    def exposed(self, hidden: set[Key], *, trust_marks: bool = False) -> set[Key]:
        """Hidden cells whose value the published cells and the relations give back."""
        groups = self._exposed_groups(hidden, trust_marks=trust_marks)
        return set().union(*(strict | trusting for strict, trusting in groups))

    def exposed_to(
        self,
        hidden: set[Key],
        readers: Sequence[frozenset[Key]] = (),
        shared: frozenset[Key] = frozenset(),
    ) -> list[set[Key]]:
        """Hidden cells that every relation together gives back exactly: to the public (first)
        and to each reader, who also knows the cells of ``readers[i]`` (those are left out).

        Exact over the real numbers with every hidden cell ≥ 1: a cell is fixed iff no
        direction that solves the relations and keeps the cells at 1 from going down moves it
        (see ``_always_one``). A reader's known cells are relations ``x = value`` added to the
        public reduced form, so the region's system is reduced once per group of linked cells.

        ``shared`` cells count persons a reader knows together with others (a region figure):
        a reader who derives one learns the others' sum, which leaves each of them as hidden
        as a published total of several hidden cells does; a single hidden cell behind it is
        found as that cell. They are reported to the public only.
        """
        hidden = {key for key in hidden if key in self.values}
        result: list[set[Key]] = [set() for _ in range(len(readers) + 1)]
        for variables, eqs in self._components(hidden):
            systems: _System = [
                ([(k, c) for k, c in eq.items() if c and k in variables], 0) for eq in eqs
            ]
            ones = {key for key in variables if self.values[key] == 1}

            def preference(key: Key, ones: set[Key] = ones) -> tuple[bool, str]:
                return key in ones, _order(key)

            base = _echelon(systems, preference)
            public = self._fixed(base, ones, preference)
            result[0] |= public
            for index, known in enumerate(readers, start=1):
                mine = sorted(known & variables, key=_order)
                if not mine:
                    result[index] |= public - shared
                    continue
                pivots = _echelon([([(k, 1)], 0) for k in mine], preference, start=base)
                result[index] |= self._fixed(pivots, ones, preference) - known - shared
        return result

    @staticmethod
    def _fixed(pivots: dict[Key, dict[Key, Fraction]], ones: set[Key], preference: Any) -> set[Key]:
        at_one = _held_at_one(pivots, ones) if ones else set()
        if at_one:
            pivots = _echelon(
                [([(k, 1)], 0) for k in sorted(at_one, key=_order)], preference, pivots
            )
        return at_one | {pivot for pivot, row in pivots.items() if len(row) == 1}

    def secure(
        self,
        hidden: set[Key],
        readers: Sequence[frozenset[Key]] = (),
        shared: frozenset[Key] = frozenset(),
    ) -> set[Key]:
        """Add secondary cells to ``hidden`` until ``exposed_to`` finds nothing for anyone.

        Per round, each exposed cell takes the cheapest published cell of its relations
        (``priority``, then value), unless a cell taken this round already lies in one of them.
        """
        self._protect_relations(hidden, range(len(self.equations)))
        for _ in range(len(self.values) + 1):
            before = set(hidden)
            for known in readers:
                indices = {i for k in known for i in self.equations_of[k]}
                self._protect_relations(hidden, indices, known, shared)
            if len(hidden) == len(before):
                break
            # A cell a reader's pass hid is one the public's pass has not protected yet.
            self._protect_relations(
                hidden, {i for k in hidden - before for i in self.equations_of[k]}
            )
        for _ in range(len(self.values) + 1):
            added: set[Key] = set()
            exposed = self.exposed_to(hidden, readers, shared)
            for known, cells in zip([frozenset(), *readers], exposed, strict=True):
                if not cells:
                    continue
                rest = self._freeing(cells, hidden | added, known, added)
                groups: list[set[Key]] = []  # found once per round, not once per cell
                for cell in sorted(rest, key=_order):
                    near = {k for i in self.equations_of[cell] for k in self.equations[i]}
                    if near & added:
                        continue
                    pick = self._secondary({cell}, hidden | known, groups=groups)
                    if pick is not None:
                        added.add(pick)
            if not added:
                # A reader who takes every mark at its word (at most 4): see the module.
                # What the public derives exactly is known: only the marks' bound is checked.
                for trusting in self._trusting_groups(hidden, exposed[0]):
                    pick = self._secondary(trusting, hidden, nearby=False)
                    if pick is not None:
                        added.add(pick)
            if not added:
                return hidden
            hidden |= added
            self._protect_relations(hidden, {i for k in added for i in self.equations_of[k]})
        return hidden

    def _freeing(
        self, cells: set[Key], hidden: set[Key], known: frozenset[Key], added: set[Key]
    ) -> set[Key]:
        """Secondary cells (added to ``added``) that give exposed ``cells`` room, for a reader
        who knows ``known``; returns the exposed cells this found no such cell for.

        A cell ``k`` is fixed when some combination of the relations involves no unknown cell
        but ``k``: its recipe, in published cells (``_Reduced``). Hiding a published cell
        ``j`` of the recipe frees ``k``, unless relations among published cells alone give
        ``j`` back; then ``j`` is fixed in turn, and a cell of its recipe is taken too, until
        neither is fixed. A cell held at 1 is held by rows that hold only unknown cells at 1: a
        published cell of such a row, hidden, lets it move. The cheapest cell is taken each
        time (``priority``, then one that frees at once, then the value). Computed modulo a
        large prime: a choice, not a proof — the exact check of the next round decides.
        """
        unknown = set(hidden - known)
        rest: set[Key] = set()

        def cost(key: Key, reduced: _Reduced) -> tuple[int, bool, int, str]:
            return (
                self.priority.get(key, 0),
                reduced.derivable(key),
                self.values[key],
                _order(key),
            )

        for variables, indices in self._unknown_components(unknown, cells):
            rows = [
                {
                    k: c
                    for k, c in self.equations[index].items()
                    if c
                    and (
                        k in unknown
                        or (k not in known and k not in self.fixed and self.values[k] > 0)
                    )
                }
                for index in indices
            ]
            ones = {k for k in variables if self.values[k] == 1}
            reduced = _Reduced(rows, unknown, ones)
            todo = deque(sorted(cells & variables, key=_order))
            held = {cell for cell in todo if cell in ones and reduced.recipe(cell) is None}
            while todo:
                cell = todo.popleft()
                recipe = reduced.recipe(cell)
                if recipe is None:
                    if cell not in held:
                        continue  # free now
                    held.discard(cell)
                    # Exposed, yet free in the linear sense: held at 1.
                    pool = reduced.holding(cell, ones)
                    if any(k in added for row in pool for k in row):
                        continue
                    recipe = {k for row in pool for k in row if k not in reduced.unknown}
                    if not recipe:
                        rest.add(cell)
                        continue
                    pick = min(recipe, key=lambda k: cost(k, reduced))
                    added.add(pick)
                    reduced.make_unknown(pick)
                    continue
                if not recipe:
                    rest.add(cell)  # fixed by the relations alone: zeros all round
                    continue
                pick = min(recipe, key=lambda k: cost(k, reduced))
                added.add(pick)
                reduced.make_unknown(pick)
                todo.appendleft(pick)
                todo.appendleft(cell)
        return rest

    def _unknown_components(
        self, unknown: set[Key], cells: set[Key]
    ) -> list[tuple[set[Key], list[int]]]:
        """The groups of unknown cells linked by relations that hold one of ``cells``, with
        the indices of their relations."""
        seen: set[Key] = set()
        result: list[tuple[set[Key], list[int]]] = []
        for start in sorted(cells, key=_order):
            if start in seen:
                continue
            group = {start}
            indices: set[int] = set()
            todo = [start]
            while todo:
                current = todo.pop()
                for index in self.equations_of[current]:
                    if index in indices:
                        continue
                    indices.add(index)
                    for other in self.equations[index]:
                        if other in unknown and other not in group:
                            group.add(other)
                            todo.append(other)
            seen |= group
            result.append((group, sorted(indices)))
        return result

    def _exposed_groups(
        self, hidden: set[Key], *, trust_marks: bool
    ) -> list[tuple[set[Key], set[Key]]]:
        """Per group of linked hidden cells: those exposed, and those exposed only to a reader
        who trusts the marks."""
        hidden = {key for key in hidden if key in self.values}
        groups: list[tuple[set[Key], set[Key]]] = []
        for variables, eqs in self._components(hidden):
            systems = [
                (
                    [(k, c) for k, c in eq.items() if c and k in variables],
                    -sum(c * self.values[k] for k, c in eq.items() if k not in hidden),
                )
                for eq in eqs
            ]
            at_one = _always_one(systems, variables, self.values)
            unit_rows: _System = [([(key, 1)], 1) for key in at_one]
            strict = at_one | _fixed_linearly(systems + unit_rows)
            trusting = set()
            if trust_marks:
                trusting = self._pinned(systems, variables, upper=THRESHOLD - 1) - strict
            if strict or trusting:
                groups.append((strict, trusting))
        return groups

    def _trusting_groups(self, hidden: set[Key], strict: set[Key]) -> list[set[Key]]:
        """Per group of linked hidden cells, those a reader who takes every mark as at most 4
        derives by bounds and the public does not derive exactly (``strict``, as
        ``exposed_to`` found it): ``_exposed_groups``' second set, without computing the
        first again."""
        hidden = {key for key in hidden if key in self.values}
        groups: list[set[Key]] = []
        for variables, eqs in self._components(hidden):
            systems = [
                (
                    [(k, c) for k, c in eq.items() if c and k in variables],
                    -sum(c * self.values[k] for k, c in eq.items() if k not in hidden),
                )
                for eq in eqs
            ]
            pinned = self._pinned(systems, variables, upper=THRESHOLD - 1) - strict
            if pinned:
                groups.append(pinned)
        return groups

    def _components(self, hidden: set[Key]) -> list[tuple[set[Key], list[Equation]]]:
        """Hidden cells grouped by the relations that link them, with those relations."""
        parent = {key: key for key in hidden}

        def find(key: Key) -> Key:
            while parent[key] != key:
                parent[key] = parent[parent[key]]
                key = parent[key]
            return key

        for eq in self.equations:
            members = [k for k, c in eq.items() if c and k in hidden]
            for other in members[1:]:
                a, b = find(members[0]), find(other)
                if a != b:
                    parent[a] = b
        groups: dict[Key, tuple[set[Key], list[Equation]]] = {}
        for key in hidden:
            groups.setdefault(find(key), (set(), []))[0].add(key)
        for eq in self.equations:
            members = [k for k, c in eq.items() if c and k in hidden]
            if members:
                groups[find(members[0])][1].append(eq)
        return list(groups.values())


_System = list[tuple[list[tuple[Key, int]], int]]


def _fixed_linearly(systems: _System) -> set[Key]:
    """Variables that some combination of the equations isolates (reduced row echelon form)."""
    pivots = _echelon(systems, _order)
    return {pivot for pivot, row in pivots.items() if len(row) == 1}


def _echelon(
    systems: _System, preference: Any, start: dict[Key, dict[Key, Fraction]] | None = None
) -> dict[Key, dict[Key, Fraction]]:
    """Reduced row echelon form in exact rationals: pivot → its row (pivot coefficient 1).

    Each new pivot is the variable of its row with the smallest ``preference``. ``start`` is a
    reduced form to extend (it is copied, not changed).
    """
    pivots: dict[Key, dict[Key, Fraction]] = {p: dict(r) for p, r in (start or {}).items()}
    for terms, _ in systems:
        row: dict[Key, Fraction] = {}
        for key, coefficient in terms:
            row[key] = row.get(key, _ZERO) + coefficient
        # Pivot rows hold no other pivot variable, so one pass over the row's pivots suffices.
        for key in [k for k in row if k in pivots]:
            factor: Fraction | None = row.pop(key)
            if factor:
                _subtract(row, pivots[key], factor, skip=key)
        row = {k: a for k, a in row.items() if a}
        if not row:
            continue
        pivot = min(row, key=preference)
        scale = row[pivot]
        row = {k: a / scale for k, a in row.items()}
        for other_row in pivots.values():
            factor = other_row.get(pivot)
            if factor:
                _subtract(other_row, row, factor)
        pivots[pivot] = row
    return pivots


_PRIME = 2**61 - 1
"""The field of ``_echelon_mod``: a Mersenne prime, far above every coefficient here."""


class _Reduced:
    """The reduced row echelon form, modulo ``_PRIME``, of relations among unknown cells and
    published cells, that pivots on unknown cells first (cells above 1 before cells at 1): a
    row whose pivot is published holds published cells only (the reader can check it), and an
    unknown cell is fixed iff it is the only unknown cell of its row. A published cell can be
    made unknown (hidden) without reducing again."""

    def __init__(self, rows: Iterable[Mapping[Key, int]], unknown: set[Key], ones: set[Key]):
        self.unknown = set(unknown)
        self.pivots: dict[Key, dict[Key, int]] = {}
        self.holders: defaultdict[Key, set[Key]] = defaultdict(set)

        def preference(key: Key) -> tuple[int, str]:
            if key not in self.unknown:
                return 2, _order(key)
            return int(key in ones), _order(key)

        p = _PRIME
        for given in rows:
            row = {k: c % p for k, c in given.items() if c % p}
            for key in [k for k in row if k in self.pivots]:
                factor = row.pop(key, 0)
                if factor:
                    _axpy(row, self.pivots[key], -factor, skip=key)
            if row:
                self._add_pivot(min(row, key=preference), row)

    def _add_pivot(self, pivot: Key, row: dict[Key, int]) -> None:
        p = _PRIME
        inverse = pow(row[pivot], p - 2, p)
        row = {k: a * inverse % p for k, a in row.items()}
        for other in list(self.holders.pop(pivot, ())):
            self._eliminate(other, pivot, row)
        self.pivots[pivot] = row
        for k in row:
            if k != pivot:
                self.holders[k].add(pivot)

    def _eliminate(self, other: Key, pivot: Key, row: Mapping[Key, int]) -> None:
        """Clear ``pivot`` from the row of ``other`` with ``row`` (whose pivot it is)."""
        other_row = self.pivots[other]
        factor = other_row.pop(pivot)
        for k, a in row.items():
            if k == pivot:
                continue
            value = (other_row.get(k, 0) - factor * a) % _PRIME
            if value:
                if k not in other_row:
                    self.holders[k].add(other)
                other_row[k] = value
            elif k in other_row:
                del other_row[k]
                self.holders[k].discard(other)

    def recipe(self, cell: Key) -> set[Key] | None:
        """The published cells of the row that fixes ``cell``, or ``None`` when it is not
        fixed."""
        row = self.pivots.get(cell)
        if row is None or any(k in self.unknown and k != cell for k in row):
            return None
        return set(row) - {cell}

    def holding(self, cell: Key, ones: set[Key]) -> list[dict[Key, int]]:
        """The rows with ``cell`` whose unknown cells are all at 1."""
        rows = [self.pivots[p] for p in self.holders.get(cell, ())]
        if cell in self.pivots:
            rows.append(self.pivots[cell])
        return [row for row in rows if all(k in ones for k in row if k in self.unknown)]

    def derivable(self, key: Key) -> bool:
        """Whether relations among published cells alone give the published ``key`` back."""
        if key in self.pivots:
            return True
        return any(p not in self.unknown for p in self.holders.get(key, ()))

    def make_unknown(self, key: Key) -> None:
        """Hide the published ``key``: a row of published cells with it pivots on it now."""
        self.unknown.add(key)
        if key in self.pivots:
            return
        rows = sorted((p for p in self.holders.get(key, ()) if p not in self.unknown), key=_order)
        if not rows:
            return
        old = rows[0]
        row = self.pivots.pop(old)
        for k in row:
            if k != old:
                self.holders[k].discard(old)
        self.holders[old].discard(old)
        self._add_pivot(key, row)


def _axpy(row: dict[Key, int], other: Mapping[Key, int], factor: int, skip: Key) -> None:
    """``row += factor × other`` modulo ``_PRIME``, dropping zeros (and leaving out ``skip``)."""
    for k, a in other.items():
        if k == skip:
            continue
        value = (row.get(k, 0) + factor * a) % _PRIME
        if value:
            row[k] = value
        else:
            row.pop(k, None)


def _subtract(
    row: dict[Key, Fraction], other: dict[Key, Fraction], factor: Fraction, skip: object = _NOTHING
) -> None:
    """``row −= factor × other``, dropping zeros (and leaving out ``skip``)."""
    for key, a in other.items():
        if key == skip:
            continue
        value = row.get(key, 0) - factor * a
        if value:
            row[key] = value
        else:
            row.pop(key, None)


def _always_one(systems: _System, variables: set[Key], values: Mapping[Key, int]) -> set[Key]:
    """Hidden cells that are 1 in every solution with every hidden cell at least 1.

    Only a cell that is 1 can be held there. Moving from the true table in a direction ``d``
    keeps every cell ≥ 1 iff ``d`` solves the homogeneous relations with ``d ≥ 0`` on the cells
    at 1; a cell is held at 1 iff every such ``d`` leaves it alone. Eliminating the other
    cells first (exact rationals, pivoting on cells above 1 where possible) leaves a few
    relations among cells at 1, on which a small linear program decides each cell.
    """
    ones = {key for key in variables if values[key] == 1}
    if not ones:
        return set()
    return _held_at_one(_echelon(systems, lambda key: (key in ones, _order(key))), ones)


def _held_at_one(pivots: dict[Key, dict[Key, Fraction]], ones: set[Key]) -> set[Key]:
    """``_always_one`` on a reduced form that pivoted on cells above 1 where it could.

    A row whose pivot is a cell at 1 holds cells at 1 only (no other cell was left in it): a
    direction ``d ≥ 0`` on the cells at 1 must solve those rows. A row whose cells all have
    coefficients of one sign holds them all (at 0); the rest falls apart into groups of rows
    that share no cell, each decided by a small exact linear program.
    """
    rows = [dict(row) for pivot, row in pivots.items() if pivot in ones]
    if not rows:
        return set()
    held_pivots = [p for p in pivots if p in ones]
    pivot_of = {id(row): pivot for row, pivot in zip(rows, held_pivots, strict=True)}
    cells = {k for row in rows for k in row}
    still: set[Key] = set()
    changed = True
    while changed:
        changed = False
        remaining = []
        for row in rows:
            live = {k: a for k, a in row.items() if k not in still}
            if not live:
                continue
            if all(a > 0 for a in live.values()) or all(a < 0 for a in live.values()):
                still |= live.keys()
                changed = True
            elif len(live) == len(row):
                remaining.append(row)
            else:
                remaining.append(live)
        rows = remaining
    parent: dict[Key, Key] = {}

    def find(key: Key) -> Key:
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for row in rows:
        first, *rest = row
        for other in rest:
            a, b = find(first), find(other)
            if a != b:
                parent[a] = b
    groups: dict[Key, list[dict[Key, Fraction]]] = defaultdict(list)
    for row in rows:
        groups[find(next(iter(row)))].append(row)
    movable: set[Key] = cells - still - {k for row in rows for k in row}
    for group in groups.values():
        pivoted = {pivot_of[id(row)]: row for row in group if id(row) in pivot_of}
        if len(pivoted) == len(group):
            movable |= _pivoted_support(pivoted)
        else:
            movable |= _cone_support(group)
    return cells - movable


def _pivoted_support(held: dict[Key, dict[Key, Fraction]]) -> set[Key]:
    """``_cone_support`` of rows each with a pivot (coefficient 1) found in no other row."""
    free = sorted({k for row in held.values() for k in row} - held.keys(), key=_order)
    # Directions x ≥ 0 of the free cells; a held pivot moves by −row·x, which must be ≥ 0.
    matrix = [[row.get(f, _ZERO) for f in free] for row in held.values()]
    matrix.append([Fraction(1)] * len(free))
    bounds = [_ZERO] * len(held) + [Fraction(1)]

    rows_of: dict[Key, list[Key]] = defaultdict(list)
    for p, row in held.items():
        for k in row:
            if k != p:
                rows_of[k].append(p)

    def moved(x: list[Fraction]) -> set[Key]:
        steps = {f: v for f, v in zip(free, x, strict=True) if v}
        moving = {k for k, v in steps.items() if v > 0}
        for p in {p for f in steps for p in rows_of[f]}:
            row = held[p]
            if -sum((row[f] * v for f, v in steps.items() if f in row), _ZERO) > 0:
                moving.add(p)
        return moving

    movable: set[Key] = set()
    for i in range(len(free)):  # one free cell at a time is often enough
        if all(row[i] <= 0 for row in matrix[:-1]):
            movable |= moved([_ONE if i == k else _ZERO for k in range(len(free))])
    for key in [*free, *held]:
        if key in movable:
            continue
        if key in held:
            objective = [-held[key].get(f, _ZERO) for f in free]
        else:
            objective = [_ONE if f == key else _ZERO for f in free]
        value, x = _lp_max(objective, matrix, bounds)
        if value > 0:
            movable |= moved(x)
    return movable


def _cone_support(rows: list[dict[Key, Fraction]]) -> set[Key]:
    """The cells some ``d ≥ 0`` with ``row·d = 0`` for every row moves (exact)."""
    cells = sorted({k for row in rows for k in row}, key=_order)
    matrix = [[row.get(k, _ZERO) for k in cells] for row in rows]
    matrix += [[-a for a in line] for line in matrix]
    # Σ d ≤ 1 keeps the program bounded: the directions form a cone.
    matrix.append([Fraction(1)] * len(cells))
    bounds = [_ZERO] * (len(matrix) - 1) + [Fraction(1)]
    movable: set[Key] = set()
    for index, key in enumerate(cells):
        if key in movable:
            continue
        objective = [_ONE if i == index else _ZERO for i in range(len(cells))]
        value, x = _lp_max(objective, matrix, bounds)
        if value > 0:
            movable |= {k for k, v in zip(cells, x, strict=True) if v > 0}
    return movable


def _lp_max(
    objective: list[Fraction], matrix: list[list[Fraction]], bounds: list[Fraction]
) -> tuple[Fraction, list[Fraction]]:
    """max objective·x subject to matrix·x ≤ bounds, x ≥ 0, for bounds ≥ 0, and an optimal x.

    Exact simplex; the programs here have a handful of rows. The origin is feasible, so no first
    phase is needed, and Bland's rule cannot cycle on the degenerate start. The normalisation row
    keeps the program bounded.
    """
    n, m = len(objective), len(matrix)
    tableau = [
        [*row, *(_ONE if i == k else _ZERO for k in range(m)), bound]
        for i, (row, bound) in enumerate(zip(matrix, bounds, strict=True))
    ]
    costs = [-c for c in objective] + [_ZERO] * (m + 1)
    basis = [n + i for i in range(m)]
    while True:
        entering = next((j for j in range(n + m) if costs[j] < 0), None)
        if entering is None:
            x = [Fraction(0)] * n
            for i, variable in enumerate(basis):
                if variable < n:
                    x[variable] = tableau[i][-1]
            return costs[-1], x
        # Smallest ratio, ties to the lowest basic variable (Bland).
        candidates = [
            (tableau[i][-1] / tableau[i][entering], basis[i], i)
            for i in range(m)
            if tableau[i][entering] > 0
        ]
        leaving = min(candidates)[2] if candidates else None
        if leaving is None:
            raise ValueError("unbounded linear program")
        pivot_row = tableau[leaving]
        scale = pivot_row[entering]
        if scale != 1:
            pivot_row[:] = [a / scale if a else a for a in pivot_row]
        nonzero = [j for j, p in enumerate(pivot_row) if p]
        for row in (*tableau[:leaving], *tableau[leaving + 1 :], costs):
            factor = row[entering]
            if factor:
                for j in nonzero:
                    row[j] = row[j] - factor * pivot_row[j]
        basis[leaving] = entering


def _propagate(
    systems: _System, variables: set[Key], *, upper: float
) -> dict[Key, tuple[float, float]] | None:
    """Bounds of each variable given each ≥ 1 (and ≤ ``upper``); ``None`` if none fit."""
    lo: dict[Key, float] = dict.fromkeys(variables, 1)
    hi: dict[Key, float] = dict.fromkeys(variables, upper)
    for _ in range(_MAX_PASSES):
        changed = False
        for terms, rhs in systems:
            # Σ c·x = rhs. Infinite parts are counted apart so that ∞ − ∞ never arises.
            low_sum = high_sum = 0.0
            low_inf = high_inf = 0
            parts = []
            for key, c in terms:
                a, b = (c * lo[key], c * hi[key]) if c > 0 else (c * hi[key], c * lo[key])
                if a == -math.inf:
                    low_inf += 1
                else:
                    low_sum += a
                if b == math.inf:
                    high_inf += 1
                else:
                    high_sum += b
                parts.append((key, c, a, b))
            for key, c, a, b in parts:
                rest_low = (
                    -math.inf
                    if low_inf - (a == -math.inf)
                    else low_sum - (0 if a == -math.inf else a)
                )
                rest_high = (
                    math.inf
                    if high_inf - (b == math.inf)
                    else high_sum - (0 if b == math.inf else b)
                )
                # c·x lies in [rhs − rest_high, rhs − rest_low].
                low, high = rhs - rest_high, rhs - rest_low
                if c < 0:
                    low, high = high, low
                new_lo = _ceil_div(low, c)
                new_hi = _floor_div(high, c)
                if new_lo > lo[key]:
                    lo[key] = new_lo
                    changed = True
                if new_hi < hi[key]:
                    hi[key] = new_hi
                    changed = True
                if lo[key] > hi[key]:
                    return None
        if not changed:
            break
    return {key: (lo[key], hi[key]) for key in variables}


def _ceil_div(value: float, divisor: int) -> float:
    if math.isinf(value):
        return value / divisor
    return -((-value) // divisor)


def _floor_div(value: float, divisor: int) -> float:
    if math.isinf(value):
        return value / divisor
    return value // divisor


# --- tables, matrices and the monitor's figures -------------------------------------------


def _table_problem(rows: Mapping[str, int], total_key: str) -> _Problem:
    if total_key not in rows:
        raise ValueError(f"the table has no {total_key!r}")
    cells = [key for key in rows if key != total_key]
    if sum(rows[key] for key in cells) != rows[total_key]:
        raise ValueError(f"the cells do not add up to {total_key!r}")
    equation: Equation = dict.fromkeys(cells, 1)
    equation[total_key] = -1
    return _Problem(rows, [equation], {total_key: 1})


def suppress_table(rows: Mapping[str, int], total_key: str = TOTAL) -> dict[str, int | str]:
    """A breakdown and its total (which the cells add up to) with ``"×"`` where hidden.

    One suppressed cell is protected by the smallest other non-zero cell; when no non-zero cell
    is left, the total is suppressed instead. Raises ``ValueError`` when the cells do not add up
    to the total.
    """
    problem = _table_problem(rows, total_key)
    hidden = problem.protect()
    return {key: MARK if key in hidden else value for key, value in rows.items()}


def suppress_tables(
    tables: Mapping[Hashable, Mapping[Hashable, int]],
) -> dict[Hashable, dict[Hashable, int | str]]:
    """Several breakdowns that share cells, each published with its total (``TOTAL``, the sum
    of its cells), protected together.

    The same key in two tables is the same count (a provider's line at a location on the
    screens of two regions that both contract it): a cell hidden in one table and shown in
    the other would give the first table's hidden cells back. Here a cell is hidden in every
    table or in none, and no combination of the tables gives a hidden cell back. Raises
    ``ValueError`` when a shared key has two values.
    """
    values: dict[Key, int] = {}
    equations: list[Equation] = []
    priority: dict[Key, int] = {}
    for name, table in tables.items():
        equation: Equation = {}
        for key, value in table.items():
            cell = ("cell", key)
            if values.setdefault(cell, value) != value:
                raise ValueError(f"{key!r} has two values: {values[cell]} and {value}")
            equation[cell] = 1
        total = ("total", name)
        values[total] = sum(table.values())
        priority[total] = 1  # cells before totals
        equation[total] = -1
        equations.append(equation)
    hidden = _Problem(values, equations, priority).protect()
    return {
        name: {
            **{key: MARK if ("cell", key) in hidden else value for key, value in table.items()},
            TOTAL: MARK if ("total", name) in hidden else values[("total", name)],
        }
        for name, table in tables.items()
    }


def _matrix_problem(matrix: Mapping[tuple[Any, Any], int]) -> _Problem:
    rows = list(dict.fromkeys(row for row, _ in matrix))
    cols = list(dict.fromkeys(col for _, col in matrix))
    if TOTAL in rows or TOTAL in cols:
        raise ValueError(f"{TOTAL!r} is reserved for the margins")
    values: dict[Any, int] = dict(matrix)
    priority: dict[Key, int] = {}
    row_eqs: dict[Hashable, Equation] = {row: {} for row in [*rows, TOTAL]}
    col_eqs: dict[Hashable, Equation] = {col: {} for col in [*cols, TOTAL]}
    for (row, col), value in matrix.items():
        row_eqs[row][(row, col)] = 1
        col_eqs[col][(row, col)] = 1
        values[(row, TOTAL)] = values.get((row, TOTAL), 0) + value
        values[(TOTAL, col)] = values.get((TOTAL, col), 0) + value
    for row in rows:
        row_eqs[row][(row, TOTAL)] = -1
        col_eqs[TOTAL][(row, TOTAL)] = 1
        priority[(row, TOTAL)] = 1
    for col in cols:
        col_eqs[col][(TOTAL, col)] = -1
        row_eqs[TOTAL][(TOTAL, col)] = 1
        priority[(TOTAL, col)] = 1
    values[(TOTAL, TOTAL)] = sum(matrix.values())
    row_eqs[TOTAL][(TOTAL, TOTAL)] = -1
    col_eqs[TOTAL][(TOTAL, TOTAL)] = -1
    priority[(TOTAL, TOTAL)] = 2
    return _Problem(values, [*row_eqs.values(), *col_eqs.values()], priority)


def suppress_matrix(
    matrix: Mapping[tuple[Hashable, Hashable], int],
    *,
    revealed_rows: Iterable[Iterable[Hashable]] = (),
) -> dict[tuple[Hashable, Hashable], int | str]:
    """A matrix with its margins, ``"×"`` where hidden.

    Cells missing from ``matrix`` are zeros. The result has the given cells, then the row totals
    ``(row, TOTAL)``, the column totals ``(TOTAL, col)`` and the grand total ``(TOTAL, TOTAL)``.
    ``revealed_rows`` lists groups of rows a reader sees in full (a municipality its own
    residents): the hidden cells of the other rows stay hidden with such a group known.
    """
    problem = _matrix_problem(matrix)
    hidden = problem.protect()
    known_sets = [
        {key for key in problem.values if key[0] in set(group)} for group in revealed_rows
    ]
    if known_sets:
        _protect_revealed(problem, hidden, known_sets)
    return {key: MARK if key in hidden else value for key, value in problem.values.items()}


Nesting = Mapping[tuple[str, str], Mapping[str, str]]
"""(fine, coarse) breakdown → fine value → the coarse value it falls within."""


def _figures_problem(
    figures: Mapping[str, Any], nesting: Nesting | None = None
) -> tuple[_Problem, set[tuple[str, ...]]]:
    """The counts of the recognised tables, keyed by path, and the relations between them.

    Also returns the paths the tables cover; the rest of the figures is handled cell by cell.
    """
    values: dict[Key, int] = {}
    equations: list[Equation] = []
    priority: dict[Key, int] = {}
    claimed: set[tuple[str, ...]] = set()
    tables: dict[str, dict[str, str]] = {}  # top key → breakdown → "count" | "inout"

    def relate(equation: Equation) -> None:
        # Only relations that hold are known to hold; a reader cannot use one that does not.
        if sum(c * values[k] for k, c in equation.items()) == 0:
            equations.append(equation)

    for top, table in figures.items():
        if not isinstance(table, Mapping) or not _is_count(table.get("total")):
            continue
        total = (top, "total")
        values[total] = table["total"]
        priority[total] = 1
        claimed.add(total)
        tables[top] = {}
        for name, breakdown in table.items():
            if name == "total" or not isinstance(breakdown, Mapping) or not breakdown:
                continue
            if all(_is_count(v) for v in breakdown.values()):
                tables[top][name] = "count"
                for value, n in breakdown.items():
                    values[(top, name, value)] = n
                relate({**{(top, name, v): 1 for v in breakdown}, total: -1})
            elif all(
                isinstance(io, Mapping)
                and set(io) == {"in", "out"}
                and all(_is_count(n) for n in io.values())
                for io in breakdown.values()
            ):
                tables[top][name] = "inout"
                for value, io in breakdown.items():
                    values[(top, name, value, "in")] = io["in"]
                    values[(top, name, value, "out")] = io["out"]
                ins: Equation = {(top, name, v, "in"): 1 for v in breakdown}
                outs: Equation = {(top, name, v, "out"): 1 for v in breakdown}
                relate({**ins, **dict.fromkeys(outs, -1)})
                relate({**ins, total: -1})
                relate({**outs, total: -1})
            else:
                continue
            claimed.add((top, name))

    for (fine, coarse), parent in (nesting or {}).items():
        for top, kinds in tables.items():
            if kinds.get(fine) != "count" or kinds.get(coarse) != "count":
                continue
            for value in figures[top][coarse]:
                within = [v for v in figures[top][fine] if parent.get(v) == value]
                relate({**{(top, fine, v): 1 for v in within}, (top, coarse, value): -1})

    # Counts inside the other figures of a table (lead-time and waiting-list counts, placements
    # outside the region by reason, verzilverd): cells too, with the sums a reader knows.
    for top in tables:
        for path, n in _count_leaves(figures[top], (top,)):
            if path not in values:
                values[path] = n
                claimed.add(path)
        node = figures[top]
        completed = [
            (top, step, "completed", "count")
            for step, stat in node.items()
            if isinstance(stat, Mapping) and (top, step, "completed", "count") in values
        ]
        if completed:
            relate({**dict.fromkeys(completed, 1), (top, "total"): -1})
        if (top, "count") in values:
            relate({(top, "count"): 1, (top, "total"): -1})
        for name, child in node.items():
            if not isinstance(child, Mapping):
                continue
            ints = {k: v for k, v in child.items() if _is_count(v)}
            if "total" in ints and len(ints) > 1:  # {"total": 5, "mo_to_bw": 3, "bw_to_mo": 2}
                relate(
                    {**{(top, name, k): 1 for k in ints if k != "total"}, (top, name, "total"): -1}
                )
            for whole in ints:
                for part, breakdown in child.items():
                    if (
                        isinstance(breakdown, Mapping)
                        and breakdown
                        and all(_is_count(v) for v in breakdown.values())
                    ):
                        # {"placed_outside": 2, "reason": {…: 1, …: 1}}
                        relate(
                            {
                                **{(top, name, part, k): 1 for k in breakdown},
                                (top, name, whole): -1,
                            }
                        )

    if all(key in tables for key in FLOW_KEYS[:4]):
        start, end, inflow, outflow = FLOW_KEYS[:4]
        flow = tables.get("doorstroom", {})
        signs = {end: 1, start: -1, inflow: -1, outflow: 1}
        relate({(top, "total"): sign for top, sign in signs.items()})
        for name in tables[start]:
            if any(tables[top].get(name) != "count" for top in signs):
                continue
            members = set().union(*(figures[top][name] for top in signs))
            moved = flow.get(name) == "inout"
            if moved:
                members |= set(figures["doorstroom"][name])
            for member in sorted(members, key=_order):  # in every process alike
                equation: Equation = {}
                for top, sign in signs.items():
                    if (top, name, member) in values:
                        equation[(top, name, member)] = sign
                if moved:
                    for end_, sign in (("in", -1), ("out", 1)):
                        key = ("doorstroom", name, member, end_)
                        if key in values:
                            equation[key] = sign
                relate(equation)
    return _Problem(values, equations, priority), claimed


def _count_leaves(node: Any, path: tuple[Any, ...]) -> Iterable[tuple[tuple[Any, ...], int]]:
    """The counts below a table's breakdowns that are no breakdown themselves."""
    if not isinstance(node, Mapping):
        return
    for key, value in node.items():
        if len(path) == 1 and key == "total":
            continue
        if _is_count(value) and not str(key).endswith("_days"):
            yield (*path, key), value
        elif isinstance(value, Mapping):
            yield from _count_leaves(value, (*path, key))


def suppress_figures(
    figures: Mapping[str, Any], *, nesting: Nesting | None = None
) -> dict[str, Any]:
    """The monitor's figures as an external audience may see them; ``figures`` is not changed.

    Every object with an int ``total`` is a table: each breakdown of counts adds up to the
    total, each breakdown of ``{"in", "out"}`` counts has as many ins as outs, and when the five
    flow tables are present every breakdown value obeys the stock-and-flow identity. With
    ``nesting`` (``monitor.nesting``) the products of a kind add up to the kind as well. All of
    these are protected together. Everything else is handled as described in the module.
    """
    problem, claimed = _figures_problem(figures, nesting)
    hidden = problem.protect()
    return _render(figures, claimed, lambda path: MARK if path in hidden else problem.values[path])


def _render(figures: Mapping[str, Any], claimed: set[tuple[str, ...]], cell: Any) -> dict[str, Any]:
    """``figures`` with every table cell from ``cell(path)`` and the rest suppressed loosely."""
    result: dict[str, Any] = {}
    for top, table in figures.items():
        if (top, "total") not in claimed:
            result[top] = _loose(top, table)
            continue
        # A table that is also a statistics object ({"total": n, "count": n, "median_days": …}).
        few = any(_is_count(table.get(k)) and _primary(table[k]) for k in STAT_COUNTS)
        out: dict[str, Any] = {}
        for name, breakdown in table.items():
            if name == "total":
                out[name] = cell((top, "total"))
            elif (top, name) not in claimed or not isinstance(breakdown, Mapping):
                few_stat = few and name not in STAT_COUNTS
                out[name] = _blank(breakdown) if few_stat else _loose(name, breakdown)
            elif all(_is_count(v) for v in breakdown.values()):
                out[name] = {value: cell((top, name, value)) for value in breakdown}
            else:
                out[name] = {
                    value: {end: cell((top, name, value, end)) for end in ("in", "out")}
                    for value in breakdown
                }
        for path in claimed:
            if path[0] == top and path[1:] != ("total",) and _is_count(_at(figures, path)):
                _put(out, path[1:], cell(path))
        result[top] = out
    return result


def _put(tree: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    for step in path[:-1]:
        node = tree.get(step)
        if not isinstance(node, dict):
            return
        tree = node
    if path[-1] in tree:
        tree[path[-1]] = value


def _protect_revealed(problem: _Problem, hidden: set[Key], known_sets: list[set[Key]]) -> None:
    """Add secondary cells (to ``hidden``) until every reader who knows one of ``known_sets``
    in full still cannot derive a hidden cell outside it."""
    for _ in range(len(problem.values) + 1):
        added: set[Key] = set()
        for known in known_sets:
            visible = hidden - known
            for strict, _trusting in problem._exposed_groups(visible, trust_marks=False):
                pick = problem._secondary(strict, visible | known)
                if pick is not None:
                    added.add(pick)
        if not added:
            return
        hidden |= added
        problem._protect_relations(hidden, {i for k in added for i in problem.equations_of[k]})


def _protect_sum(
    values: Mapping[Key, int], whole: Key, cells: Sequence[Key], hidden: set[Key]
) -> set[Key]:
    """The hidden cells of ``whole = Σ cells`` (a copy of ``hidden``'s, with secondary cells
    added) so that neither the public nor the reader of one cell, who knows it, can derive
    another: for one relation, propagating the bounds is exact (``_Problem._exposed_in``)."""
    equation: Equation = {**dict.fromkeys(cells, 1), whole: -1}
    table = _Problem({k: values[k] for k in equation}, [equation], {whole: 1})
    mine = {k for k in equation if k in hidden}
    readers: list[Key | None] = [None, *cells]
    while True:
        pick = None
        for known in readers:
            visible = mine - {known}
            if not visible:
                continue
            exposed = table._exposed_in(equation, visible)
            if exposed:
                pick = table._secondary(exposed, mine | {known}, nearby=False)
                if pick is not None:
                    break
        if pick is None:
            return mine
        mine.add(pick)


def suppress_parts(
    parts: Mapping[Hashable, Mapping[str, Any]],
    *,
    nesting: Nesting | None = None,
    links: Iterable[Mapping[tuple[Any, ...], int]] = (),
    revealed: Iterable[Iterable[Hashable]] = (),
    partitions: Iterable[tuple[tuple[Any, ...], Iterable[tuple[Any, ...]]]] = (),
    headline: Iterable[Hashable] = (),
    unshared: Iterable[Hashable] = (),
    hidden_before: Iterable[tuple[Any, ...]] = (),
    unpublished: Iterable[Hashable] = (),
    published_before: Iterable[tuple[Any, ...]] = (),
) -> dict[Hashable, dict[str, Any]]:
    """Several figure sets protected together, so that none gives a hidden cell of another back.

    ``parts`` maps a name to figures as ``suppress_figures`` takes them; each part's own
    relations hold. ``links`` are further relations between parts, keyed ``(part, *path)``:
    ``{(region, "instroom", "total"): -1, (m1, "instroom", "total"): 1, …}`` says that a region
    figure is the sum of its municipalities', ``{(q1, "in_care_at_end", "total"): 1, (q2,
    "in_care_at_start", "total"): -1}`` that one period's end stock is the next one's start.
    ``partitions`` are ``(whole, members)``, the same as a link ``whole = Σ members``. Only
    relations that hold on the true values are used (a reader cannot use one that does not).

    ``revealed`` lists groups of parts a reader sees in full (the residents of the
    municipalities a user acts for, one or several). Every relation of every part, every link
    and every partition form one system, checked exactly (``_Problem.exposed_to``) for the
    public and for each reader with their group known: secondary cells are added until no
    hidden cell outside a reader's group can be derived by anyone.

    A part in no group counts persons that readers know together with others (a region
    figure), unless it is in ``unshared``: persons nobody among the readers knows (the
    residents of a municipality outside the region), protected from every reader alone.

    Secondary cells are taken from the cheapest place: cells of ``headline`` parts (the
    period's own figures) only when no cell of another part (quarters, years) will do, and
    their in-care totals last of all.

    ``hidden_before`` are cells (``(part, *path)``) that an earlier publication of the same
    period hid: they stay hidden (when not 0), so the hidden set of a published period only
    grows and a later publication never shows what an earlier one hid (a cell that grew from
    4 to 5 by one late registration would otherwise say it was 4).

    ``published_before`` are cells that an earlier publication (of another period with the
    same quarters) showed: they are never taken as secondary cells, since a reader has them.
    A secondary cell they pin is given up (shown) and the secondary cells chosen again.
    When the exposed cells cannot be protected without them, ``CannotProtect`` is raised:
    taking them after all would protect this result alone, and give the cells back to a reader
    of both publications.

    ``unpublished`` parts are shown nowhere, but a reader can work them out from the others
    (a year minus the quarters shown of it): each of their counts is hidden (a 0 counts as
    known, which asks more protection, never less), unless it follows from what was
    published before, and the rest is protected around them.
    """
    values: dict[Key, int] = {}
    equations: list[Equation] = []
    priority: dict[Key, int] = {}
    claimed_of: dict[Hashable, set[tuple[str, ...]]] = {}
    expensive = set(headline)
    for name, figures in parts.items():
        problem, claimed = _figures_problem(figures, nesting)
        claimed_of[name] = claimed
        # A part's keys are tuples (paths); here they get the part's name in front.
        for key, value in problem.values.items():
            path = cast(tuple[Hashable, ...], key)
            values[(name, *path)] = value
            rank = problem.priority.get(key, 0)
            if name in expensive:
                rank += 2
                if path[1:] == ("total",) and path[0] in FLOW_KEYS[:2]:
                    rank += 2
            priority[(name, *path)] = rank
        equations += [
            {(name, *cast(tuple[Hashable, ...], k)): c for k, c in eq.items()}
            for eq in problem.equations
        ]
    relations = [dict(link) for link in links]
    relations += [{whole: -1, **dict.fromkeys(cells, 1)} for whole, cells in partitions]
    for link in relations:
        link = {k: c for k, c in link.items() if c}
        holds = link and all(k in values for k in link)
        if holds and sum(c * values[k] for k, c in link.items()) == 0:
            equations.append(link)
    members: defaultdict[Hashable, set[Key]] = defaultdict(set)
    for key in values:
        members[cast(tuple[Hashable, ...], key)[0]].add(key)
    groups = [list(group) for group in revealed]
    readers = _readers(groups, members, set(values))
    shared = _shared([*groups, list(unshared)], members)
    for key in shared:
        if cast(tuple[Hashable, ...], key)[0] in expensive:
            priority[key] += 1  # a region's figure goes after its municipalities'
    _equal_cost(priority, equations, values)
    problem = _Problem(values, equations, priority)
    primary = {key for key, value in values.items() if _primary(value)}
    primary |= {key for key in map(tuple, hidden_before) if values.get(key, 0) > 0}
    shown = {key for key in map(tuple, published_before) if key in values}
    known = _known_from(equations, {key for key in shown if not _primary(values[key])})
    never = set(unpublished)
    primary |= {
        key
        for key, value in values.items()
        if value > 0 and _path(key)[0] in never and key not in known
    }
    problem.fixed = frozenset(known - primary)
    hidden = problem.secure(set(primary), readers, shared)
    # A cell that earlier publications give back already (kept hidden because an earlier
    # publication of this period hid it) is no new disclosure; a count of 1 to 4 always is
    # (the values behind a publication may have changed since).
    given = {key for key in known if not _primary(values[key])}
    if problem.fixed:

        def following(hidden: set[Key]) -> set[Key]:
            return set().union(*(c - given for c in problem.exposed_to(hidden, readers, shared)))

        left = following(hidden)
        # The choice of secondary cells does not see that the cells earlier publications
        # showed can pin a secondary cell it takes: such a cell protects nothing. It is not
        # taken, and the cells are chosen again, until no hidden cell follows or one that
        # must be hidden does.
        while left - primary:
            problem.fixed = problem.fixed | (left - primary)
            hidden = problem.secure(set(primary), readers, shared)
            left = following(hidden)
        if left:
            raise CannotProtect(len(left))
    return {
        name: _render(
            figures,
            claimed_of[name],
            lambda path, name=name: MARK if (name, *path) in hidden else values[(name, *path)],
        )
        for name, figures in parts.items()
    }


def withhold_parts(
    parts: Mapping[Hashable, Mapping[str, Any]], *, nesting: Nesting | None = None
) -> dict[Hashable, dict[str, Any]]:
    """``parts`` as ``suppress_parts`` renders them, with every count it protects hidden, a 0
    too: figures that are not published (``CannotProtect``). Such a result says nothing of
    any count, so it needs no record and no relation."""
    result: dict[Hashable, dict[str, Any]] = {}
    for name, figures in parts.items():
        _problem, claimed = _figures_problem(figures, nesting)
        result[name] = _render(figures, claimed, lambda path: MARK)
    return result


def _known_from(equations: list[Equation], cells: set[Key]) -> set[Key]:
    """``cells`` and every cell that relations with all their other cells known give back
    (a stock equal to a known one, a sum of known parts): what a reader has who has ``cells``."""
    known = set(cells)
    if not known:
        return known
    todo = list(range(len(equations)))
    of: defaultdict[Key, list[int]] = defaultdict(list)
    for index, equation in enumerate(equations):
        for key in equation:
            of[key].append(index)
    while todo:
        equation = equations[todo.pop()]
        rest = [key for key, c in equation.items() if c and key not in known]
        if len(rest) == 1:
            known.add(rest[0])
            todo += of[rest[0]]
    return known


def _equal_cost(
    priority: dict[Key, int], equations: list[Equation], values: Mapping[Key, int]
) -> None:
    """Cells that a relation says are equal (a quarter's end stock and the period's; a
    region's figure and its one municipality with any) are hidden together, so each costs
    what the dearest of them costs. A 0 in a relation is published: it makes no difference."""
    parent: dict[Key, Key] = {}

    def find(key: Key) -> Key:
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for eq in equations:
        terms = [(k, c) for k, c in eq.items() if c and values[k]]
        if len(terms) == 2 and terms[0][1] == -terms[1][1]:
            a, b = find(terms[0][0]), find(terms[1][0])
            if a != b:
                parent[a] = b
    dearest: dict[Key, int] = {}
    for key in parent:
        root = find(key)
        dearest[root] = max(dearest.get(root, 0), priority.get(key, 0))
    for key in parent:
        priority[key] = dearest[find(key)]


def _path(key: Key) -> tuple[Hashable, ...]:
    return cast(tuple[Hashable, ...], key)


def _shared(groups: list[list[Hashable]], members: Mapping[Hashable, set[Key]]) -> frozenset[Key]:
    """The cells of parts that belong to no reader group (the region's own)."""
    grouped = {name for group in groups for name in group}
    return frozenset().union(*(cells for name, cells in members.items() if name not in grouped))


def _readers(
    revealed: Iterable[Iterable[Hashable]],
    members: Mapping[Hashable, set[Key]],
    everything: set[Key],
) -> list[frozenset[Key]]:
    """The known cells of each reader group, without duplicates and without a reader who knows
    everything (nothing is hidden from them)."""
    readers: list[frozenset[Key]] = []
    for group in revealed:
        known = frozenset().union(*(members.get(name, set()) for name in group))
        if known and known != everything and known not in readers:
            readers.append(known)
    return readers


def _joint_system(
    parts: Mapping[Hashable, Mapping[str, Any]],
    links: Iterable[Mapping[tuple[Any, ...], int]],
    partitions: Iterable[tuple[tuple[Any, ...], Iterable[tuple[Any, ...]]]],
    nesting: Nesting | None,
) -> tuple[dict[Key, int], list[Equation]]:
    """The true values of every part's cells and the relations among them that hold: each
    part's own equations, the links between parts and the partitions (a whole = its cells),
    as the audits check them."""
    values: dict[Key, int] = {}
    equations: list[Equation] = []
    for name, figures in parts.items():
        problem, _claimed = _figures_problem(figures, nesting)
        for key, value in problem.values.items():
            values[(name, *cast(tuple[Hashable, ...], key))] = value
        equations += [
            {(name, *cast(tuple[Hashable, ...], k)): c for k, c in eq.items()}
            for eq in problem.equations
        ]
    relations = [dict(link) for link in links]
    relations += [{whole: -1, **dict.fromkeys(cells, 1)} for whole, cells in partitions]
    for link in relations:
        link = {k: c for k, c in link.items() if c}
        holds = link and all(k in values for k in link)
        if holds and sum(c * values[k] for k, c in link.items()) == 0:
            equations.append(link)
    return values, equations


def audit_parts(
    parts: Mapping[Hashable, Mapping[str, Any]],
    published: Mapping[Hashable, Mapping[str, Any]],
    *,
    nesting: Nesting | None = None,
    links: Iterable[Mapping[tuple[Any, ...], int]] = (),
    revealed: Iterable[Iterable[Hashable]] = (),
    partitions: Iterable[tuple[tuple[Any, ...], Iterable[tuple[Any, ...]]]] = (),
    headline: Iterable[Hashable] = (),
    unshared: Iterable[Hashable] = (),
    unpublished: Iterable[Hashable] = (),
) -> dict[str, Any]:
    """The check of ``suppress_parts``' result, for tests and reports: the cells, the relations
    that hold, how many are hidden, and per reader (``None`` is the public, else the group) the
    hidden cells that all relations together give back exactly. The counts of ``unpublished``
    parts are hidden (a 0 as known), wherever ``published`` has them."""
    values, equations = _joint_system(parts, links, partitions, nesting)
    problem = _Problem(values, equations)
    never = set(unpublished)
    hidden = {
        key
        for key in values
        if _at(published.get(_path(key)[0], {}), _path(key)[1:]) == MARK
        or (_path(key)[0] in never and values[key] > 0)
    }
    groups = [tuple(group) for group in revealed]
    members: defaultdict[Hashable, set[Key]] = defaultdict(set)
    for key in values:
        members[cast(tuple[Hashable, ...], key)[0]].add(key)
    known = [frozenset().union(*(members.get(n, set()) for n in group)) for group in groups]
    shared = _shared([*(list(g) for g in groups), list(unshared)], members)
    exposed = problem.exposed_to(hidden, known, shared)
    return {
        "cells": len(values),
        "relations": len(problem.equations),
        "hidden": len(hidden),
        "exposed": {None: exposed[0], **dict(zip(groups, exposed[1:], strict=True))},
    }


def _ranges(
    systems: list[tuple[list[tuple[Key, int]], float, float]],
    variables: set[Key],
    *,
    upper: float,
) -> dict[Key, tuple[float, float]] | None:
    """Bounds of each integer variable, each in [1, ``upper``], given ``lo ≤ Σ c·x ≤ hi`` for
    every system (an equation has lo = hi); ``None`` if no values fit. Sound (a bound found
    holds for every solution), not complete: it proves a cell is determined when lo = hi."""
    lo: dict[Key, float] = dict.fromkeys(variables, 1)
    hi: dict[Key, float] = dict.fromkeys(variables, upper)
    for _ in range(_MAX_PASSES):
        changed = False
        for terms, low_rhs, high_rhs in systems:
            spans = [
                (key, c, *((c * lo[key], c * hi[key]) if c > 0 else (c * hi[key], c * lo[key])))
                for key, c in terms
            ]
            low_inf = sum(1 for *_k, a, _b in spans if a == -math.inf)
            high_inf = sum(1 for *_k, _a, b in spans if b == math.inf)
            low_sum = sum(a for *_k, a, _b in spans if a != -math.inf)
            high_sum = sum(b for *_k, _a, b in spans if b != math.inf)
            for key, c, a, b in spans:
                rest_low = (
                    -math.inf
                    if low_inf - (a == -math.inf)
                    else low_sum - (0 if a == -math.inf else a)
                )
                rest_high = (
                    math.inf
                    if high_inf - (b == math.inf)
                    else high_sum - (0 if b == math.inf else b)
                )
                # c·x lies in [low_rhs − rest_high, high_rhs − rest_low].
                low, high = low_rhs - rest_high, high_rhs - rest_low
                if c < 0:
                    low, high = high, low
                new_lo, new_hi = _ceil_div(low, c), _floor_div(high, c)
                if new_lo > lo[key]:
                    lo[key], changed = new_lo, True
                if new_hi < hi[key]:
                    hi[key], changed = new_hi, True
                if lo[key] > hi[key]:
                    return None
        if not changed:
            break
    return {key: (lo[key], hi[key]) for key in variables}


def _determined(
    values: Mapping[Key, int],
    equations: Sequence[Mapping[Key, int]],
    inequalities: Sequence[Mapping[Key, int]],
    unknown: set[Key],
    *,
    upper: float,
) -> set[Key]:
    """Unknown cells whose range, from the equations, the inequalities ``Σ c·x ≥ 0`` and
    every unknown in [1, ``upper``], is their true value alone."""
    systems: list[tuple[list[tuple[Key, int]], float, float]] = []
    for relations, equal in ((equations, True), (inequalities, False)):
        for relation in relations:
            terms = [(k, c) for k, c in relation.items() if c and k in unknown]
            if not terms:
                continue
            rest = -sum(c * values[k] for k, c in relation.items() if k not in unknown)
            systems.append((terms, rest, rest if equal else math.inf))
    variables = {k for terms, _lo, _hi in systems for k, _c in terms}
    bounds = _ranges(systems, variables, upper=upper)
    if bounds is None:
        return set()  # the assumption (say, every mark at most 4) does not fit: nothing learnt
    return {k for k, (lo, hi) in bounds.items() if lo == hi == values[k]}


def audit_bounds(
    parts: Mapping[Hashable, Mapping[str, Any]],
    published: Mapping[Hashable, Mapping[str, Any]],
    *,
    nesting: Nesting | None = None,
    links: Iterable[Mapping[tuple[Any, ...], int]] = (),
    inequalities: Iterable[Mapping[tuple[Any, ...], int]] = (),
    revealed: Iterable[Iterable[Hashable]] = (),
    partitions: Iterable[tuple[tuple[Any, ...], Iterable[tuple[Any, ...]]]] = (),
    unshared: Iterable[Hashable] = (),
) -> dict[str, Any]:
    """``audit_parts`` with bounds: besides the equations, the inequalities a reader knows
    (``{(part, *path): c, …}`` meaning ``Σ c·value ≥ 0``, say verzilverd ≤ total, or a
    filtered figure ≤ the unfiltered one) and the bounds of a hidden cell (≥ 1, since 0 is
    never hidden; and for a reader who takes every mark at its word, ≤ 4). A hidden cell is
    exposed when its range comes down to its value (integer interval propagation: what it
    finds holds, so a clean result is evidence, a finding is a proof). Per reader (``None``
    the public, ``"trusting"`` the public taking every mark as at most 4, else the group,
    who knows the group's cells; ``shared`` and ``unshared`` as in ``audit_parts``)."""
    values, equations = _joint_system(parts, links, partitions, nesting)
    held: list[Equation] = []
    for given in inequalities:
        inequality: Equation = {k: c for k, c in given.items() if c}
        known = inequality and all(k in values for k in inequality)
        if known and sum(c * values[k] for k, c in inequality.items()) >= 0:
            held.append(inequality)
    hidden = {
        key for key in values if _at(published.get(_path(key)[0], {}), _path(key)[1:]) == MARK
    }
    members: defaultdict[Hashable, set[Key]] = defaultdict(set)
    for key in values:
        members[_path(key)[0]].add(key)
    exposed: dict[Any, set[Key]] = {
        None: _determined(values, equations, held, hidden, upper=math.inf),
        "trusting": _determined(values, equations, held, hidden, upper=THRESHOLD - 1),
    }
    groups = [list(group) for group in revealed]
    # As in ``audit_parts``: a reader who derives a region figure (``shared``) learns the
    # sum of the others behind it, no single one; a single one is found as that cell.
    shared = _shared([*groups, list(unshared)], members)
    for group in groups:
        known = set().union(*(members.get(n, set()) for n in group))
        exposed[tuple(group)] = (
            _determined(values, equations, held, hidden - known, upper=math.inf) - shared
        )
    return {
        "cells": len(values),
        "relations": len(equations),
        "inequalities": len(held),
        "hidden": len(hidden),
        "exposed": exposed,
    }


def _loose(name: object, value: Any) -> Any:
    """Primary suppression outside the tables, with statistics of a few persons blanked."""
    if isinstance(value, Mapping):
        for count_key in STAT_COUNTS:
            n = value.get(count_key)
            if _is_count(n) and _primary(n):
                return {k: MARK if k == count_key else _blank(v) for k, v in value.items()}
        return {k: _loose(k, v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_loose(name, v) for v in value]
    if _is_count(value) and _primary(value) and not str(name).endswith("_days"):
        return MARK
    return value


def _blank(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _blank(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_blank(v) for v in value]
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return None
    return value


# --- checking -----------------------------------------------------------------------------


def can_recompute(
    original: Mapping[Any, Any],
    suppressed: Mapping[Any, Any],
    *,
    trust_marks: bool = False,
    nesting: Nesting | None = None,
) -> bool:
    """Whether some ``"×"`` in ``suppressed`` can be derived from the rest (see the module).

    ``original`` is what was given to ``suppress_table`` (with ``"total"``), ``suppress_matrix``
    (tuple keys, no margins) or ``suppress_figures`` (the reader then also knows ``nesting``).
    With ``trust_marks`` the reader also takes every ``"×"`` to be at most 4.
    """
    if original and all(isinstance(k, tuple) and len(k) == 2 for k in original):
        problem = _matrix_problem(original)
        hidden = {key for key, value in suppressed.items() if value == MARK}
    elif any(isinstance(v, Mapping) for v in original.values()):
        problem, _ = _figures_problem(original, nesting)
        hidden = {key for key in problem.values if _at(suppressed, key) == MARK}
    else:
        problem = _table_problem(original, TOTAL)
        hidden = {key for key, value in suppressed.items() if value == MARK}
    return bool(problem.exposed(hidden, trust_marks=trust_marks))


def _at(tree: Mapping[Any, Any], path: tuple[Any, ...]) -> Any:
    for step in path:
        if not isinstance(tree, Mapping) or step not in tree:
            return None
        tree = tree[step]
    return tree
