"""What an accepted message does: a start marks the indication verzilverd, a stop ends
the stay (through care's services), a request lands in the work list, a declaration is
recorded line by line."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from bwmo.care import services as care_services
from bwmo.care.models import OutflowReason
from bwmo.clients.models import Client
from bwmo.iwmo import model as m
from bwmo.organisations.models import Municipality, Provider

from ..models import (
    Allocation,
    AllocationRequest,
    Declaration,
    DeclarationLine,
    DeliveryEvent,
    Message,
)
from .lookups import DatabaseLookups
from .records import _bsn_of, _errors_json

# WMO588 (reden beëindiging) → bwmo's outflow reason; 20 (tijdelijk) ends no stay.
OUTFLOW_FOR_REDEN = {
    "02": OutflowReason.OVERLEDEN,
    "19": OutflowReason.ZELFSTANDIG,
    "31": OutflowReason.VERHUISD,
    "39": OutflowReason.WLZ,
}


class Effects:
    """The effects of one message's items that no finding blocks; mixed into its import."""

    bericht: Any
    message_type: str
    message: Message
    municipality: Municipality | None
    provider: Provider | None
    errors: list[m.IwmoError]
    path: Path
    today: date
    now: datetime
    _items: list[str]
    _groups: list[str]
    _allocation_cache: dict[int, Allocation]
    lookups: DatabaseLookups

    def _blocked(self, item: str, group: str | None = None) -> bool:
        raise NotImplementedError

    def _apply(self, client: Client | None) -> int:
        b = self.bericht
        applied = 0
        match b:
            case m.Startbericht():
                for path, p in zip(self._items, b.start_producten, strict=True):
                    if not self._blocked(path):
                        self._start(p)
                        applied += 1
            case m.Stopbericht():
                for path, p in zip(self._items, b.stop_producten, strict=True):
                    if not self._blocked(path):
                        self._stop(p)
                        applied += 1
            case m.VerzoekOmToewijzingbericht():
                for path, p in zip(self._items, b.aangevraagde_producten, strict=True):
                    if not self._blocked(path):
                        self._request(client, p.referentie_aanbieder, "", [_aangevraagd(p)])
                        applied += 1
            case m.VerzoekOmWijzigingbericht():
                if not self.errors:
                    v = b.verzoek
                    self._request(client, v.referentie_aanbieder, v.reden_verzoek, _verzoek(v))
                    applied += 1
            case m.Declaratiebericht():
                applied = self._declaration(b)
        return applied

    def _allocation(self, nummer: int | None) -> Allocation:
        assert nummer is not None  # TR019 blocks a product without a known ToewijzingNummer
        return Allocation.objects.select_related("indication__product").get(
            number=nummer, provider=self.provider
        )

    def _start(self, p: m.StartProduct) -> None:
        allocation = self._allocation(p.toewijzing_nummer)
        indication = allocation.indication
        if p.status_aanlevering == m.STATUS_VERWIJDEREN:
            DeliveryEvent.objects.filter(
                allocation=allocation, kind=DeliveryEvent.Kind.START, begin=p.begindatum
            ).update(withdrawn=True)
            remaining = DeliveryEvent.objects.filter(
                allocation=allocation, kind=DeliveryEvent.Kind.START, withdrawn=False
            ).order_by("begin")
            first = remaining.first()
            care_services.indication_start_correct(
                indication=indication, first=first.begin if first is not None else None
            )
        else:
            DeliveryEvent.objects.filter(
                allocation=allocation, kind=DeliveryEvent.Kind.START, begin=p.begindatum
            ).update(withdrawn=True)
            DeliveryEvent.objects.create(
                message=self.message,
                allocation=allocation,
                kind=DeliveryEvent.Kind.START,
                begin=p.begindatum,
                status_aanlevering=p.status_aanlevering,
                **_product_fields(p),
            )
            # Verzilverd: the first day care was delivered on this indication.
            care_services.indication_start(indication=indication, on=p.begindatum)

    def _stop(self, p: m.StopProduct) -> None:
        allocation = self._allocation(p.toewijzing_nummer)
        if p.status_aanlevering == m.STATUS_VERWIJDEREN:
            DeliveryEvent.objects.filter(
                allocation=allocation,
                kind=DeliveryEvent.Kind.STOP,
                begin=p.begindatum,
                end=p.einddatum,
            ).update(withdrawn=True)
            self._undo_stop(allocation, p.einddatum)
            return
        DeliveryEvent.objects.create(
            message=self.message,
            allocation=allocation,
            kind=DeliveryEvent.Kind.STOP,
            begin=p.begindatum,
            end=p.einddatum,
            reason=p.reden_beeindiging,
            status_aanlevering=p.status_aanlevering,
            **_product_fields(p),
        )
        if p.reden_beeindiging == m.REDEN_BEEINDIGING_TIJDELIJK:
            return  # a temporary stop (hospital, say): the stay goes on
        # The stay ends (and opvang with it: care's rule, which announces the change).
        care_services.stay_end_reported(
            indication=allocation.indication,
            end=p.einddatum,
            reason=OUTFLOW_FOR_REDEN.get(p.reden_beeindiging, OutflowReason.ONBEKEND),
            now=self.now,
        )

    def _undo_stop(self, allocation: Allocation, end: date) -> None:
        """A withdrawn stop (status 3) was a mistake: the stay it ended goes on again; its
        outflow is kept, marked withdrawn by this message."""
        assert self.provider is not None  # only a message from a known provider is applied
        care_services.stay_end_undo(
            indication=allocation.indication,
            end=end,
            by=f"WMO307 (bericht {self.message.pk}) van aanbieder {self.provider.agb_code}",
            now=self.now,
        )

    def _request(self, client, reference: str, reason: str, products: list[dict]) -> None:
        kind = "315" if self.message_type == "WMO315" else "317"
        # Only a message from a known provider to a known municipality is applied, and a
        # request (WMO315/317) names its client's BSN.
        bsn = _bsn_of(self.bericht)
        assert bsn is not None and self.provider is not None and self.municipality is not None
        AllocationRequest.objects.create(
            message=self.message,
            kind=kind,
            bsn=bsn,
            client=client,
            municipality=self.municipality,
            provider=self.provider,
            reference=reference,
            reason=reason,
            products=products,
            received_on=self.today,
        )

    def _declaration(self, b: m.Declaratiebericht) -> int:
        declaration, lines = self._declaration_rows(b, self.message)
        declaration.save(force_insert=True)
        for line in lines:
            line.declaration = declaration
        DeclarationLine.objects.bulk_create(lines)
        return sum(1 for line in lines if line.approved)

    def _declaration_rows(
        self, b: m.Declaratiebericht, message: Message
    ) -> tuple[Declaration, list[DeclarationLine]]:
        """The declaration and its lines as they are to be stored (not written yet)."""
        d = b.declaratie
        declaration = Declaration(
            message=message,
            municipality=self.municipality,
            provider=self.provider,
            number=d.declaratie_nummer,
            period_start=d.declaratie_periode.begindatum,
            period_end=d.declaratie_periode.einddatum,
            submitted_cents=d.totaal_ingediend_bedrag.waarde,
            approved_cents=0,
        )
        allocations = self._allocation_cache  # fetched by the cross-check
        clients: dict[str | None, Client] = {a.client.bsn: a.client for a in allocations.values()}
        unknown = {c.bsn for c in d.clienten} - set(clients)
        if unknown:
            clients.update(self.lookups.clients_by_bsn(unknown))
        lines, approved_total = [], 0
        index = 0
        for ci, dc in enumerate(d.clienten):
            group = self._groups[ci]
            for p in dc.prestaties:
                path = self._items[index]
                index += 1
                findings = [
                    e for e in self.errors if e.path == path or e.path.startswith(path + "/")
                ]
                approved = not self._blocked(path, group)
                if approved:
                    approved_total += p.ingediend_bedrag.waarde
                a = allocations.get(p.toewijzing_nummer)
                lines.append(
                    DeclarationLine(
                        declaration=declaration,
                        client=clients.get(dc.bsn),
                        allocation=a
                        if a and a.client_id == getattr(clients.get(dc.bsn), "pk", None)
                        else None,
                        allocation_number=p.toewijzing_nummer,
                        reference=p.referentie_nummer,
                        previous_reference=p.vorig_referentie_nummer or "",
                        category=p.product_categorie,
                        product_code=p.product_code,
                        period_start=p.product_periode.begindatum,
                        period_end=p.product_periode.einddatum,
                        volume=p.geleverd_volume,
                        unit=p.eenheid,
                        tariff_cents=p.product_tarief,
                        amount_cents=p.ingediend_bedrag.waarde,
                        approved=approved,
                        codes=sorted({e.retourcode for e in findings if e.retourcode}),
                        findings=_errors_json(findings),
                    )
                )
        declaration.approved_cents = approved_total
        return declaration, lines


def _product_fields(p: m.StartProduct | m.StopProduct) -> dict:
    return {
        "category": p.product.categorie if p.product else "",
        "product_code": (p.product.code or "") if p.product else "",
        "allocation_start": p.toewijzing_ingangsdatum,
    }


def _aangevraagd(p: m.AangevraagdProduct) -> dict:
    return {
        "soort": "aangevraagd",
        "categorie": p.product.categorie if p.product else "",
        "code": (p.product.code or "") if p.product else "",
        "ingangsdatum": p.toewijzing_ingangsdatum.isoformat(),
        "einddatum": p.toewijzing_einddatum.isoformat() if p.toewijzing_einddatum else None,
        "volume": p.omvang.volume if p.omvang else None,
        "eenheid": p.omvang.eenheid if p.omvang else None,
        "frequentie": p.omvang.frequentie if p.omvang else None,
        "verwijzer": p.verwijzer.naam or "",
        "commentaar": p.commentaar or "",
    }


def _verzoek(v: m.Verzoek) -> list[dict]:
    products: list[dict] = [
        {"soort": "ongewijzigd", "toewijzing": n} for n in v.ongewijzigde_producten
    ]
    for p in v.te_wijzigen_producten:
        products.append(
            {
                "soort": "wijzigen",
                "toewijzing": p.toewijzing_nummer,
                "ingangsdatum": p.gewenste_ingangsdatum.isoformat(),
                "einddatum": p.einddatum.isoformat() if p.einddatum else None,
                "volume": p.omvang.volume if p.omvang else None,
            }
        )
    for p in v.nieuwe_producten:
        products.append(
            {
                "soort": "nieuw",
                "categorie": p.product.categorie if p.product else "",
                "code": (p.product.code or "") if p.product else "",
                "ingangsdatum": p.gewenste_ingangsdatum.isoformat(),
                "einddatum": p.einddatum.isoformat() if p.einddatum else None,
                "volume": p.omvang.volume if p.omvang else None,
            }
        )
    return products
