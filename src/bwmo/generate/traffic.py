"""A month of iWmo traffic for the demo region, built as providers would send it.

Every current allocation is taken over as history (the care started before the traffic went
through bwmo). For the last month the generator then runs the real thing: recent grants are
exported as WMO301 files, and the files providers send back (starts, stops, requests, a
declaration per provider and municipality for the previous month, and a few faulty or
invalid messages) are written to a folder and imported exactly as ``bwmo iwmo import`` does,
so every retour message and WMO325 in the demo is bwmo's own answer.

Deterministic for a seed and reference date, like the rest of the demo.
"""

from __future__ import annotations

import random
import tempfile
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from lxml import etree

from bwmo.care.models import Financing, Indication, OutflowReason, Stay, Tariff
from bwmo.clients.models import Client
from bwmo.iwmo import aanbieder
from bwmo.iwmo import model as m
from bwmo.messaging import exchange
from bwmo.messaging.models import Allocation, DeliveryEvent, Message
from bwmo.messaging.services import allocation_fields, allocation_queue, tariff_cents_per_etmaal

from .names import GIVEN_NAMES, SURNAMES

# bwmo's outflow reason → WMO588 reden beëindiging, for the stops providers send.
REDEN_FOR_OUTFLOW: dict[str, str] = {
    OutflowReason.OVERLEDEN: "02",
    OutflowReason.ZELFSTANDIG: "19",
    OutflowReason.VERHUISD: "31",
    OutflowReason.WLZ: "39",
    OutflowReason.ONBEKEND: "21",
}


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _dagtekening(content: bytes) -> date | None:
    try:
        root = etree.fromstring(content)
    except etree.XMLSyntaxError:
        return None
    el = root.find("{*}Header/{*}BerichtIdentificatie/{*}Dagtekening")
    return date.fromisoformat(el.text) if el is not None and el.text else None


def _month_before(day: date) -> tuple[date, date]:
    last = day.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def _basis(client: Client) -> m.ClientBasis:
    if client.bsn is None or client.birth_date is None:
        raise ValueError(f"client {client.pk} has no BSN or birth date: no iWmo message names it")
    return m.ClientBasis(
        bsn=client.bsn,
        geboortedatum=m.Geboortedatum(client.birth_date),
        geslacht=client.gender or "0",
        naam=m.Naam(
            m.Achternaam(client.surname, client.surname_prefix or None),
            voornamen=client.given_names or None,
        ),
    )


class TrafficGenerator:
    def __init__(self, *, rng: random.Random, reference_date: date, xsd_dir: Path):
        self.rng = rng
        self.today = reference_date
        self.xsd_dir = xsd_dir
        self.counter = 0
        self.files: list[tuple[str, bytes, date | None]] = []  # day None: no Dagtekening

    def _ident(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter:08d}"

    def _add(self, name: str, content: bytes) -> None:
        """A file the providers send, received on its Dagtekening (today for a file without
        one). Imported in name order: the sequence number keeps the order of the month."""
        self.files.append((f"{len(self.files) + 1:04d}_{name}.xml", content, _dagtekening(content)))

    def run(self) -> dict[str, int]:
        window_start = self.today - timedelta(days=30)
        prev_first, prev_last = _month_before(self.today)
        indications = list(
            Indication.objects.filter(financing=Financing.ZIN, provider__isnull=False)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=min(prev_first, window_start)))
            .select_related("product", "provider", "client", "responsible_municipality")
            .order_by("pk")
        )
        recent = [i for i in indications if i.valid_from >= window_start]
        # Every earlier allocation, ended or not, is history: one per ZIN indication.
        history = list(
            Indication.objects.filter(
                financing=Financing.ZIN, provider__isnull=False, valid_from__lt=window_start
            )
            .select_related("product")
            .order_by("pk")
        )
        self._take_over_history(history)

        # Grants of the last month: queued and exported as real WMO301 files, except the last
        # few days' (still waiting in the outbox) and one client without address or phone.
        recent.sort(key=lambda i: (i.valid_from, i.pk))
        waiting = [i for i in recent if i.valid_from > self.today - timedelta(days=3)]
        sent = [i for i in recent if i not in waiting]
        if sent:
            Client.objects.filter(pk=sent[0].client_id).update(
                street="", house_number=None, postcode="", place="", phone=""
            )
        municipalities = list({i.responsible_municipality_id for i in indications})
        # Each day's grants go out at the end of that day, as a daily export job would do.
        by_day = defaultdict(list)
        for indication in sent:
            by_day[indication.valid_from].append(indication)
        with tempfile.TemporaryDirectory() as out:
            for day in sorted(by_day):
                for indication in by_day[day]:
                    allocation_queue(indication=indication, now=_at(day, 11))
                exchange.export_pending(
                    municipality_codes=municipalities,
                    out_dir=Path(out),
                    today=day,
                    now=_at(day, 16),
                )
        for indication in waiting:
            allocation_queue(indication=indication, now=_at(indication.valid_from, 11))

        self._starts_and_stops(recent, window_start)
        self._requests(indications)
        self._declarations(prev_first, prev_last)
        self._faulty(recent or indications)
        return self._import()

    # -- history before bwmo handled the traffic ----------------------------------------

    def _take_over_history(self, history: list[Indication]) -> None:
        allocations, events = [], []
        for indication in history:
            allocations.append(
                Allocation(
                    indication=indication,
                    number=indication.pk,
                    allocated_at=_at(indication.valid_from),
                    changed_at=_at(indication.valid_from),
                    needs_sending=False,
                    **allocation_fields(indication),
                )
            )
        Allocation.objects.bulk_create(allocations, batch_size=1000)
        by_indication = {a.indication_id: a for a in Allocation.objects.all()}
        for stay in (
            Stay.objects.filter(indication_id__in=[i.pk for i in history])
            .select_related("indication__product")
            .prefetch_related("outflows")
        ):
            assert stay.indication_id is not None  # filtered on indication_id__in
            allocation = by_indication[stay.indication_id]
            product = {
                "category": allocation.category,
                "product_code": allocation.product_code,
                "allocation_start": allocation.start,
            }
            events.append(
                DeliveryEvent(
                    allocation=allocation,
                    kind=DeliveryEvent.Kind.START,
                    begin=stay.start,
                    status_aanlevering="1",
                    **product,
                )
            )
            if stay.end and stay.end < self.today - timedelta(days=30):
                outflow = stay.outflow
                reason = REDEN_FOR_OUTFLOW.get(outflow.reason, "23") if outflow else "23"
                events.append(
                    DeliveryEvent(
                        allocation=allocation,
                        kind=DeliveryEvent.Kind.STOP,
                        begin=stay.start,
                        end=stay.end,
                        reason=reason,
                        status_aanlevering="1",
                        **product,
                    )
                )
        DeliveryEvent.objects.bulk_create(events, batch_size=1000)

    # -- what providers send ------------------------------------------------------------

    def _start_product(self, allocation: Allocation, begin: date) -> m.StartProduct:
        return m.StartProduct(
            begindatum=begin,
            status_aanlevering="1",
            toewijzing_nummer=allocation.number,
            product=m.Product(allocation.category, allocation.product_code),
            toewijzing_ingangsdatum=allocation.start,
        )

    def _starts_and_stops(self, recent: list[Indication], window_start: date) -> None:
        allocations = {
            a.indication_id: a
            for a in Allocation.objects.select_related("provider", "municipality", "client")
        }
        stays = (
            Stay.objects.filter(
                Q(start__gte=window_start) | Q(end__gte=window_start), indication__isnull=False
            )
            .select_related("client")
            .prefetch_related("outflows")
        )
        for stay in stays.order_by("start", "pk"):
            assert stay.indication_id is not None  # filtered: indication__isnull=False
            allocation = allocations.get(stay.indication_id)
            if allocation is None or allocation.needs_sending:
                continue  # no allocation sent yet: the provider cannot start
            client = stay.client
            if stay.start >= window_start:
                dag = min(stay.start + timedelta(days=self.rng.randint(0, 3)), self.today)
                self._add(
                    f"WMO305_{allocation.provider.agb_code}",
                    aanbieder.build_wmo305(
                        afzender=allocation.provider.agb_code,
                        ontvanger=allocation.municipality_id[2:],
                        identificatie=self._ident("S"),
                        dagtekening=dag,
                        client=_basis(client),
                        start_producten=[self._start_product(allocation, stay.start)],
                        xsd_dir=self.xsd_dir,
                    ),
                )
            if stay.end and stay.end >= window_start:
                outflow = getattr(stay, "outflow", None)
                reason = REDEN_FOR_OUTFLOW.get(outflow.reason, "23") if outflow else "23"
                start = self._start_product(allocation, stay.start)
                self._add(
                    f"WMO307_{allocation.provider.agb_code}",
                    aanbieder.build_wmo307(
                        afzender=allocation.provider.agb_code,
                        ontvanger=allocation.municipality_id[2:],
                        identificatie=self._ident("E"),
                        dagtekening=min(stay.end + timedelta(days=2), self.today),
                        client=_basis(client),
                        stop_producten=[
                            m.StopProduct(
                                begindatum=stay.start,
                                reden_beeindiging=reason,
                                einddatum=stay.end,
                                status_aanlevering="1",
                                toewijzing_nummer=allocation.number,
                                product=start.product,
                                toewijzing_ingangsdatum=allocation.start,
                            )
                        ],
                        xsd_dir=self.xsd_dir,
                    ),
                )

    def _requests(self, indications: list[Indication]) -> None:
        """Three requests for an allocation (one for a client not yet known) and one
        request to extend an allocation."""
        bw = [i for i in indications if i.product.kind == "BW" and i.valid_to]
        if not bw:
            return
        dag = self.today - timedelta(days=self.rng.randint(1, 6))
        with_allocation = set(Allocation.objects.values_list("client_id", flat=True))
        known = list(
            Client.objects.exclude(pk__in=with_allocation)
            .filter(meldingen__responsible_municipality__isnull=False)
            .order_by("pk")
            .distinct()[:40]
        )
        template = bw[0]
        code = template.product.code
        for index, client in enumerate(self.rng.sample(known, min(2, len(known)))):
            melding = client.meldingen.order_by("-received_on").first()
            assert melding is not None  # the clients were chosen for having a melding
            self._315(
                template, _basis(client), melding.responsible_municipality_id, f"VOT{index}", dag
            )
        unknown_bsn = "999990019"  # passes the 11-proof; no demo client has it
        if not Client.objects.filter(bsn=unknown_bsn).exists():
            stranger = m.ClientBasis(
                bsn=unknown_bsn,
                geboortedatum=m.Geboortedatum(date(1994, 4, 2)),
                geslacht="2",
                naam=m.Naam(
                    m.Achternaam(self.rng.choice(SURNAMES)),
                    voornamen=self.rng.choice(GIVEN_NAMES),
                ),
            )
            self._315(template, stranger, template.responsible_municipality_id, "VOT9", dag)
        # A 317: extend one allocation by half a year, listing the client's others unchanged.
        target = (
            Allocation.objects.filter(
                end__gt=self.today + timedelta(days=30), category="15", product_code=code
            )
            .select_related("provider", "client")
            .order_by("pk")
            .first()
        )
        if target is None:
            return
        # Filtered on a later end; provisional clients (no BSN) are made after the traffic.
        assert target.end is not None and target.client.bsn is not None
        others = (
            Allocation.objects.filter(client_id=target.client_id, provider_id=target.provider_id)
            .exclude(pk=target.pk)
            .filter(Q(end__isnull=True) | Q(end__gte=self.today))
        )
        self._add(
            f"WMO317_{target.provider.agb_code}",
            aanbieder.build_wmo317(
                afzender=target.provider.agb_code,
                ontvanger=target.municipality_id[2:],
                identificatie=self._ident("W"),
                dagtekening=dag,
                bsn=target.client.bsn,
                verzoek=m.Verzoek(
                    referentie_aanbieder="VOW1",
                    reden_verzoek="2",
                    ongewijzigde_producten=tuple(o.number for o in others),
                    te_wijzigen_producten=(
                        m.TeWijzigenProduct(
                            toewijzing_nummer=target.number,
                            gewenste_ingangsdatum=target.start,
                            einddatum=target.end + timedelta(days=182),
                            omvang=m.Omvang(target.volume, target.unit, target.frequency),
                        ),
                    ),
                ),
                xsd_dir=self.xsd_dir,
            ),
        )

    def _315(self, template: Indication, client: m.ClientBasis, municipality: str, ref, dag):
        provider = template.provider
        assert provider is not None  # the indications were filtered on provider__isnull=False
        self._add(
            f"WMO315_{provider.agb_code}",
            aanbieder.build_wmo315(
                afzender=provider.agb_code,
                ontvanger=municipality[2:],
                identificatie=self._ident("V"),
                dagtekening=dag,
                client=client,
                aangevraagde_producten=[
                    m.AangevraagdProduct(
                        referentie_aanbieder=ref,
                        toewijzing_ingangsdatum=dag + timedelta(days=14),
                        toewijzing_einddatum=dag + timedelta(days=14 + 365),
                        verwijzer=m.Verwijzer("01", naam="Huisarts"),
                        product=m.Product(template.product.iwmo_category, template.product.code),
                        omvang=m.Omvang(7, "14", "2"),
                    )
                ],
                xsd_dir=self.xsd_dir,
            ),
        )

    def _declarations(self, first: date, last: date) -> None:
        """Per provider and municipality one WMO323 for the previous month; a few lines
        carry the mistakes providers make (a wrong tariff, an unknown allocation)."""
        tariffs = defaultdict(list)
        for t in Tariff.objects.select_related("contract", "product"):
            tariffs[(t.contract.provider_id, t.product.code)].append(t)
        allocations = (
            Allocation.objects.filter(start__lte=last)
            .filter(Q(end__isnull=True) | Q(end__gte=first))
            .select_related("provider", "client", "indication")
            .order_by("provider_id", "municipality_id", "number")
        )
        groups = defaultdict(list)
        for a in allocations:
            groups[(a.provider_id, a.municipality_id)].append(a)
        stays = defaultdict(list)
        for stay in Stay.objects.filter(start__lte=last).filter(
            Q(end__isnull=True) | Q(end__gte=first)
        ):
            stays[stay.indication_id].append(stay)
        mistakes = 0
        for (provider_id, municipality), group in sorted(groups.items()):
            clienten = defaultdict(list)
            for a in group:
                begin, end = max(first, a.start), min(last, a.end or last)
                days = set()
                for stay in stays.get(a.indication_id, []):
                    s, e = max(begin, stay.start), min(end, stay.end or end)
                    days |= {s + timedelta(n) for n in range((e - s).days + 1)} if s <= e else set()
                if not days:
                    continue
                tariff = next(
                    (
                        t
                        for t in tariffs[(provider_id, a.product_code)]
                        if t.valid_from <= begin and (t.valid_to is None or begin <= t.valid_to)
                    ),
                    None,
                )
                if tariff is None:
                    continue
                cents = tariff_cents_per_etmaal(tariff)
                nummer = a.number
                if mistakes < 2 and self.rng.random() < 0.05:
                    cents += 150  # last year's tariff plus indexation, not the contract's
                    mistakes += 1
                elif mistakes == 2 and self.rng.random() < 0.05:
                    nummer = 99000000 + a.number  # a typo in the allocation number
                    mistakes += 1
                volume = len(days)
                assert a.client.bsn is not None  # provisional clients are made after the traffic
                clienten[a.client.bsn].append(
                    m.Prestatie(
                        referentie_nummer=f"P{a.number}{first:%Y%m}",
                        toewijzing_nummer=nummer,
                        product_categorie=a.category,
                        product_code=a.product_code,
                        product_periode=m.GeslotenPeriode(begin, end),
                        geleverd_volume=volume,
                        eenheid="14",
                        ingediend_bedrag=m.Bedrag(volume * cents),
                        product_tarief=cents,
                    )
                )
            if not clienten:
                continue
            agb = group[0].provider.agb_code
            totaal = sum(p.ingediend_bedrag.bedrag for ps in clienten.values() for p in ps)
            dag = min(last + timedelta(days=self.rng.randint(3, 10)), self.today)
            self._add(
                f"WMO323_{agb}_{municipality}",
                aanbieder.build_wmo323(
                    afzender=agb,
                    ontvanger=municipality[2:],
                    identificatie=self._ident("D"),
                    dagtekening=dag,
                    declaratie=m.Declaratie(
                        declaratie_nummer=f"D{first:%Y%m}{municipality[2:]}",
                        declaratie_periode=m.GeslotenPeriode(first, last),
                        declaratie_dagtekening=dag,
                        totaal_ingediend_bedrag=m.Bedrag(totaal),
                        clienten=tuple(
                            m.DeclaratieClient(bsn, tuple(ps)) for bsn, ps in clienten.items()
                        ),
                    ),
                    xsd_dir=self.xsd_dir,
                ),
            )

    def _faulty(self, indications: list[Indication]) -> None:
        """What also arrives in a real month: a start for an allocation that does not exist,
        a file the XSD rejects, and a file that is not XML at all."""
        if not indications:
            return
        allocation = Allocation.objects.select_related("provider", "client").order_by("-pk").first()
        if allocation is None:
            return
        wrong = self._start_product(allocation, self.today - timedelta(days=2))
        wrong = m.StartProduct(
            wrong.begindatum,
            "1",
            allocation.number + 77_000_000,
            wrong.product,
            wrong.toewijzing_ingangsdatum,
        )
        content = aanbieder.build_wmo305(
            afzender=allocation.provider.agb_code,
            ontvanger=allocation.municipality_id[2:],
            identificatie=self._ident("S"),
            dagtekening=self.today - timedelta(days=1),
            client=_basis(allocation.client),
            start_producten=[wrong],
            xsd_dir=self.xsd_dir,
        )
        self._add(f"WMO305_{allocation.provider.agb_code}", content)
        # The same start with a BSN of 8 digits: rejected by the XSD, no retour message.
        assert allocation.client.bsn is not None  # _basis above refused a client without one
        broken = content.replace(
            f">{allocation.client.bsn}<".encode(), f">{allocation.client.bsn[:8]}<".encode()
        ).replace(b">S0", b">X0")
        self._add(f"WMO305_{allocation.provider.agb_code}_fout", broken)
        self._add(
            "export_portaal", b"Dit is geen XML-bestand maar een foutmelding van een portaal."
        )

    def _import(self) -> dict[str, int]:
        # The month as it happened: each file read in on the day it was sent.
        results = []
        cache: dict[object, object] = {}  # the importer's lookups, shared by the month's files
        with tempfile.TemporaryDirectory() as folder:
            for name, content, day in self.files:
                path = Path(folder) / name
                path.write_bytes(content)
                day = day or self.today
                results.append(exchange.import_file(path, today=day, now=_at(day, 9), cache=cache))
        return {
            "iwmo_inbound": len(results),
            "iwmo_outbound": Message.objects.filter(direction="uit").count(),
        }


def generate_traffic(*, rng: random.Random, reference_date: date) -> dict[str, int]:
    xsd_dir = Path(settings.BWMO_IWMO_XSD_DIR)
    if not xsd_dir.is_dir():
        return {"iwmo_inbound": 0, "iwmo_outbound": 0}  # no standard at hand: no traffic
    return TrafficGenerator(rng=rng, reference_date=reference_date, xsd_dir=xsd_dir).run()
