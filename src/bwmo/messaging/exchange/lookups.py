"""The state an import reads while checking a message: asked of the database file by file
(``DatabaseLookups``), or read once for a batch of declarations and kept current while the
batch is checked (``BatchLookups``).

Both answer the same questions with the same answers; the batch only saves the round trips.
What a file of the batch adds (its identification, its declaration number, its lines) is
recorded with ``BatchLookups.record`` before the next file is checked, so a later file of
the batch sees an earlier one exactly as if that one had been written already.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from itertools import count

from django.db.models import Q

from bwmo.clients.models import Client

from ..models import Allocation, Declaration, DeclarationLine, Direction, Message, MessageStatus
from .records import _PRESTATIE_FIELDS

# A stored line as the declaration check reads it: a key, provider id, municipality id, then
# the values of _PRESTATIE_FIELDS.
LineRow = tuple

_LINE_COLUMNS = ("pk", "declaration__provider_id", "declaration__municipality_id")


def _earlier_messages(message_type: str, sender: str):
    return Message.objects.filter(
        direction=Direction.IN, message_type=message_type, sender=sender
    ).exclude(status=MessageStatus.INVALID)


class DatabaseLookups:
    """Every question a query of its own (a single file, or a message that is not a
    declaration)."""

    def identifications(self, message_type: str, sender: str, identification: str) -> set[str]:
        """``identification`` when an earlier usable message of the sender has it."""
        return set(
            _earlier_messages(message_type, sender)
            .filter(identification=identification)
            .values_list("identification", flat=True)
        )

    def allocations_by_number(self, numbers: Iterable[int]) -> list[Allocation]:
        return list(
            Allocation.objects.select_related("client").filter(number__in=set(numbers)).order_by()
        )

    def line_rows(self, numbers: set[int], references: set[str]) -> list[LineRow]:
        # Looked up by the indexed line columns; the caller picks out the provider's and
        # municipality's lines (a filter on the declaration would make the database scan).
        return list(
            DeclarationLine.objects.filter(
                Q(allocation_number__in=numbers) | Q(reference__in=references)
            )
            .order_by()
            .values_list(*_LINE_COLUMNS, *_PRESTATIE_FIELDS)
        )

    def declaration_numbers(self, provider_id: int, municipality_id: str, number: str) -> set[str]:
        return set(
            Declaration.objects.filter(
                provider_id=provider_id, municipality_id=municipality_id, number=number
            )
            .order_by()
            .values_list("number", flat=True)
        )

    def clients_by_bsn(self, bsns: Iterable[str]) -> dict[str, Client]:
        wanted = set(bsns)
        if not wanted:
            return {}
        return {c.bsn: c for c in Client.objects.filter(bsn__in=wanted) if c.bsn}


class BatchLookups(DatabaseLookups):
    """The answers for a batch of declarations (WMO323), read with one query per question
    for the whole batch (``prefetch``), then kept current by ``record``."""

    def __init__(self) -> None:
        self._clear()

    def _clear(self) -> None:
        self._identifications: set[tuple[str, str, str]] = set()
        self._allocations: dict[int, Allocation] = {}
        self._lines_by_number: dict[int, list[LineRow]] = defaultdict(list)
        self._lines_by_reference: dict[str, list[LineRow]] = defaultdict(list)
        self._declarations: set[tuple[int, str, str]] = set()
        self._clients: dict[str, Client] = {}
        self._keys = count(-1, -1)  # keys of the lines recorded here: never a database pk

    def prefetch(
        self,
        *,
        message_type: str,
        identifications: set[tuple[str, str]],
        numbers: set[int],
        references: set[str],
        declarations: set[tuple[int, str, str]],
        bsns: set[str],
    ) -> None:
        """Read what the batch's files can ask: ``identifications`` (sender, identification),
        ``numbers`` (ToewijzingNummers), ``references`` (ReferentieNummers, also the earlier
        ones a credit names), ``declarations`` (provider id, municipality id, number) and the
        clients' BSNs."""
        self._clear()
        senders = {sender for sender, _ident in identifications}
        if identifications:
            self._identifications = {
                (message_type, sender, ident)
                for sender, ident in Message.objects.filter(
                    direction=Direction.IN,
                    message_type=message_type,
                    sender__in=senders,
                    identification__in={ident for _sender, ident in identifications},
                )
                .exclude(status=MessageStatus.INVALID)
                .values_list("sender", "identification")
            }
        if numbers:
            self._allocations = {
                a.number: a for a in super().allocations_by_number(numbers) if a.number in numbers
            }
        if numbers or references:
            for row in super().line_rows(numbers, references):
                self._index_line(row)
        if declarations:
            self._declarations = set(
                Declaration.objects.filter(
                    provider_id__in={p for p, _m, _n in declarations},
                    municipality_id__in={m for _p, m, _n in declarations},
                    number__in={n for _p, _m, n in declarations},
                )
                .order_by()
                .values_list("provider_id", "municipality_id", "number")
            )
        # The allocations' clients are known now; only the other BSNs are asked for.
        self._clients = {a.client.bsn: a.client for a in self._allocations.values() if a.client.bsn}
        self._clients.update(super().clients_by_bsn(bsns - set(self._clients)))

    def _index_line(self, row: LineRow) -> None:
        # The query reads a line by its ToewijzingNummer or its own ReferentieNummer.
        reference, number = row[3], row[4]
        self._lines_by_number[number].append(row)
        self._lines_by_reference[reference].append(row)

    # -- the questions ------------------------------------------------------------------------

    def identifications(self, message_type: str, sender: str, identification: str) -> set[str]:
        known = (message_type, sender, identification) in self._identifications
        return {identification} if known else set()

    def allocations_by_number(self, numbers: Iterable[int]) -> list[Allocation]:
        return [self._allocations[n] for n in set(numbers) if n in self._allocations]

    def line_rows(self, numbers: set[int], references: set[str]) -> list[LineRow]:
        found: dict[object, LineRow] = {}
        for number in numbers:
            for row in self._lines_by_number.get(number, ()):
                found[row[0]] = row
        for reference in references:
            for row in self._lines_by_reference.get(reference, ()):
                found[row[0]] = row
        return list(found.values())

    def declaration_numbers(self, provider_id: int, municipality_id: str, number: str) -> set[str]:
        return {number} if (provider_id, municipality_id, number) in self._declarations else set()

    def clients_by_bsn(self, bsns: Iterable[str]) -> dict[str, Client]:
        return {bsn: self._clients[bsn] for bsn in set(bsns) if bsn in self._clients}

    # -- what a checked file adds ----------------------------------------------------------

    def record(
        self,
        *,
        message_type: str,
        sender: str,
        identification: str,
        declaration: Declaration,
        lines: Iterable[DeclarationLine],
    ) -> None:
        """A file of the batch is done: later files see it as written."""
        self._identifications.add((message_type, sender, identification))
        self._declarations.add(
            (declaration.provider_id, declaration.municipality_id, declaration.number)
        )
        for line in lines:
            self._index_line(
                (
                    next(self._keys),
                    declaration.provider_id,
                    declaration.municipality_id,
                    *(getattr(line, name) for name in _PRESTATIE_FIELDS),
                )
            )
