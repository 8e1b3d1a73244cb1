"""The cross-checks of an inbound message against bwmo's state (the rules the standard
leaves to the receiver: identification, codes, start/stop sequence, requests, declarations)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, cast

from bwmo.care.models import Product as CatalogueProduct
from bwmo.care.models import Tariff
from bwmo.iwmo import (
    EerderePrestatie,
    Gemeente,
    Tarief,
    check_berichtidentificatie,
    check_declaration_against_allocations,
    check_gemeentecode,
    check_productcode,
    check_start_stop_sequence,
    check_verzoek_om_wijziging,
    check_verzoek_referentie,
)
from bwmo.iwmo import model as m
from bwmo.organisations.models import Municipality, Provider

from ..models import Allocation, AllocationRequest, DeliveryEvent
from ..services import tariff_cents_per_etmaal
from .lookups import DatabaseLookups
from .records import _event_product, _prestatie_from, toewijzing


class CrossChecks:
    """The state an import checks against; mixed into the import of one message."""

    bericht: Any
    message_type: str
    municipality: Municipality | None
    provider: Provider | None
    cache: dict
    lookups: DatabaseLookups
    _allocation_cache: dict[int, Allocation]

    def _cached(self, key, compute: Callable[[], Any]):
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    def _allocations(self, **filters) -> list[Allocation]:
        """This provider's allocations for this municipality (the provider is known)."""
        assert self.provider is not None and self.municipality is not None  # see _crosscheck
        found: Iterable[Allocation]
        if set(filters) == {"number__in"}:  # by number the unique index is enough
            found = self.lookups.allocations_by_number(filters["number__in"])
        else:
            found = (
                Allocation.objects.select_related("client")
                .filter(**filters)
                .order_by()
                .filter(provider=self.provider, municipality=self.municipality)
            )
        mine = [
            a
            for a in found
            if a.provider_id == self.provider.pk
            and a.municipality_id == self.municipality.pk
            # A provisional client's allocation waits for the BSN: it was never sent.
            and a.client.bsn is not None
        ]
        for a in mine:
            a.provider = self.provider
        return mine

    def _crosscheck(self) -> list[m.IwmoError]:
        b, header = self.bericht, self.bericht.header
        errors = check_berichtidentificatie(
            header,
            self.lookups.identifications(self.message_type, header.afzender, header.identificatie),
        )
        # The CBS list holds no history of mergers: every code in it counts as valid from
        # 1900 (only the sender's or receiver's code matters to TR378).
        known = self._cached(
            "gemeentecodes", lambda: set(Municipality.objects.values_list("code", flat=True))
        )
        gemeenten = [
            Gemeente(code, date(1900, 1, 1))
            for code in (header.afzender, header.ontvanger)
            if f"GM{code}" in known
        ]
        errors += check_gemeentecode(b, gemeenten)
        codes = self._cached(
            "productcodes",
            lambda: {
                m.Product(category, code)
                for category, code in CatalogueProduct.objects.values_list("iwmo_category", "code")
            },
        )
        errors += check_productcode(b, codes)
        # A sender or receiver unknown to bwmo is refused as such (run); nothing to check.
        if errors or self.municipality is None or self.provider is None:
            return errors
        match b:
            case m.Startbericht() | m.Stopbericht():
                allocations = self._allocations(client__bsn=b.client.bsn)
                events = DeliveryEvent.objects.filter(
                    allocation__in=allocations, withdrawn=False
                ).select_related("allocation")
                starts = [
                    m.StartProduct(
                        e.begin,
                        e.status_aanlevering,
                        e.allocation.number,
                        _event_product(e),
                        e.allocation_start,
                    )
                    for e in events
                    if e.kind == DeliveryEvent.Kind.START
                ]
                stops = [
                    m.StopProduct(
                        e.begin,
                        e.reason,
                        cast(date, e.end),  # a stop is recorded with its einddatum (_stop)
                        e.status_aanlevering,
                        e.allocation.number,
                        _event_product(e),
                        e.allocation_start,
                    )
                    for e in events
                    if e.kind == DeliveryEvent.Kind.STOP
                ]
                errors += check_start_stop_sequence(
                    b, [toewijzing(a) for a in allocations], starts=starts, stops=stops
                )
            case m.VerzoekOmToewijzingbericht() | m.VerzoekOmWijzigingbericht():
                bsn = b.client.bsn if isinstance(b, m.VerzoekOmToewijzingbericht) else b.bsn
                if isinstance(b, m.VerzoekOmWijzigingbericht):
                    allocations = self._allocations(client__bsn=bsn)
                    errors += check_verzoek_om_wijziging(b, [toewijzing(a) for a in allocations])
                requests = AllocationRequest.objects.filter(
                    provider=self.provider, municipality=self.municipality
                )
                errors += check_verzoek_referentie(
                    b,
                    bekende_referenties=set(requests.values_list("reference", flat=True)),
                    onderhanden_verzoek=requests.filter(
                        bsn=bsn,
                        status__in=[
                            AllocationRequest.Status.OPEN,
                            AllocationRequest.Status.IN_ONDERZOEK,
                        ],
                    ).exists(),
                )
            case m.Declaratiebericht():
                errors += self._check_declaration(b)
        return errors

    def _check_declaration(self, b: m.Declaratiebericht) -> list[m.IwmoError]:
        # Only the state this declaration can touch, so an import does not slow down as the
        # traffic grows: its allocations, and the earlier Prestaties of those allocations or
        # with its references (TR314, credits).
        assert self.provider is not None and self.municipality is not None  # see _crosscheck
        prestaties = [p for c in b.declaratie.clienten for p in c.prestaties]
        numbers = {p.toewijzing_nummer for p in prestaties}
        references = {p.referentie_nummer for p in prestaties} | {
            p.vorig_referentie_nummer for p in prestaties if p.vorig_referentie_nummer
        }
        self._allocation_cache = {a.number: a for a in self._allocations(number__in=numbers)}
        allocations = [toewijzing(a) for a in self._allocation_cache.values()]
        tariffs = self._cached(
            ("tarieven", self.provider.pk),
            lambda: [
                Tarief(
                    m.Product(t.product.iwmo_category, t.product.code),
                    "14",
                    tariff_cents_per_etmaal(t),
                    t.valid_from,
                    t.valid_to,
                )
                for t in Tariff.objects.select_related("product").filter(
                    contract__provider=self.provider
                )
            ],
        )
        # This provider's and municipality's lines are picked out here (see line_rows).
        rows = {
            row[0]: row
            for row in self.lookups.line_rows(numbers, references)
            if row[1] == self.provider.pk and row[2] == self.municipality.pk
        }
        eerder = [EerderePrestatie(_prestatie_from(row[3:-1]), row[-1]) for row in rows.values()]
        used = self.lookups.declaration_numbers(
            self.provider.pk, self.municipality.pk, b.declaratie.declaratie_nummer
        )
        return check_declaration_against_allocations(
            b,
            allocations,
            tariffs,
            eerdere_prestaties=eerder,
            eerdere_declaratienummers=used,
        )
