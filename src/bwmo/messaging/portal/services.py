"""What a provider sends from the portal: a file, or a message built from a form.

Every message takes the path of a file: it is written to the inbound folder and read by
``exchange.import_file``, exactly as ``bwmo iwmo import`` or the contract manager's upload
would read it (XSD, the standard's rules, the cross-checks against bwmo's state; all or
nothing, in one transaction; findings recorded; a retour message or WMO325 as the answer).
The municipality side therefore sees exactly what the same file would have done.

A provider sends only as itself: a file whose Afzender is not the AGB code of the user's
provider is refused before anything is read in.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bwmo.care.models import Stay, Tariff
from bwmo.clients.models import Client, validate_bsn
from bwmo.iwmo import aanbieder
from bwmo.iwmo import model as m
from bwmo.organisations.models import Municipality, Provider

from .. import exchange
from ..exchange.importer import _header_codes
from ..exchange.records import xsd_dir
from ..models import Allocation, Direction, Message
from ..services import EENHEID_ETMAAL, tariff_cents_per_etmaal


@dataclass(frozen=True)
class Submitted:
    """What the import made of a provider's message: the recorded message (``None`` for a
    duplicate) and the importer's outcome."""

    message: Message | None
    result: exchange.FileResult


def _inbound_dir() -> Path:
    folder = settings.DATA_DIR / "iwmo" / "in"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def portal_file_submit(
    *, user, provider: Provider, content: bytes, filename: str, today: date
) -> Submitted:
    """Read one file the provider sent through the same import as every inbound file.

    Refused (``ValidationError``, nothing written) when the file names another sender."""
    sender, _receiver = _header_codes(content)
    if sender and sender != provider.agb_code:
        raise ValidationError(
            _(
                "Dit bestand is verzonden door AGB-code %(sender)s, niet door %(name)s "
                "(AGB-code %(agb)s). U kunt alleen berichten van uw eigen organisatie inlezen."
            )
            % {"sender": sender, "name": provider.name, "agb": provider.agb_code},
            code="other_sender",
        )
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", filename)[-80:] or "bericht.xml"
    if not safe.lower().endswith(".xml"):
        safe += ".xml"
    target = _inbound_dir() / f"portaal_{stamp}_{safe}"
    target.write_bytes(content)
    result = exchange.import_file(target, today=today, uploaded_by=user)
    if result.outcome in (exchange.Outcome.DUPLICATE, exchange.Outcome.SKIPPED):
        target.unlink(missing_ok=True)
        return Submitted(None, result)
    message = Message.objects.filter(direction=Direction.IN, filename=target.name).first()
    return Submitted(message, result)


def _identificatie(provider: Provider, message_type: str) -> str:
    """A BerichtIdentificatie (12 characters) not yet used by this provider for this type."""
    now = timezone.localtime()
    base = f"{now:%y%j%H%M%S}"  # 11 characters
    used = set(
        Message.objects.filter(
            direction=Direction.IN,
            sender=provider.agb_code,
            message_type=message_type,
            identification__startswith=base,
        ).values_list("identification", flat=True)
    )
    for digit in "0123456789":
        if base + digit not in used:
            return base + digit
    raise ValidationError(_("Er zijn deze seconde al tien berichten verstuurd; probeer het zo."))


def _basis(client: Client) -> m.ClientBasis:
    if client.bsn is None or client.birth_date is None:
        raise ValidationError(_("Van deze cliënt is geen BSN bekend; iWmo kan hem niet noemen."))
    return m.ClientBasis(
        bsn=client.bsn,
        geboortedatum=m.Geboortedatum(client.birth_date),
        geslacht=client.gender or "0",
        naam=m.Naam(
            m.Achternaam(client.surname, client.surname_prefix or None),
            voornamen=client.given_names or None,
        ),
    )


def _submit_built(*, user, allocation_provider: Provider, message_type: str, content: bytes):
    name = f"{message_type}_{allocation_provider.agb_code}.xml"
    return portal_file_submit(
        user=user,
        provider=allocation_provider,
        content=content,
        filename=name,
        today=timezone.localdate(),
    )


def portal_care_start(*, user, allocation: Allocation, begin: date) -> Submitted:
    """Build the WMO305 for this allocation and read it in."""
    content = aanbieder.build_wmo305(
        afzender=allocation.provider.agb_code,
        ontvanger=allocation.municipality_id[2:],
        identificatie=_identificatie(allocation.provider, "WMO305"),
        dagtekening=timezone.localdate(),
        client=_basis(allocation.client),
        start_producten=[
            m.StartProduct(
                begindatum=begin,
                status_aanlevering=m.STATUS_EERSTE_AANLEVERING,
                toewijzing_nummer=allocation.number,
                product=m.Product(allocation.category, allocation.product_code),
                toewijzing_ingangsdatum=allocation.start,
            )
        ],
        xsd_dir=xsd_dir(),
    )
    return _submit_built(
        user=user, allocation_provider=allocation.provider, message_type="WMO305", content=content
    )


def portal_care_stop(
    *, user, allocation: Allocation, begin: date, end: date, reason: str
) -> Submitted:
    """Build the WMO307 (``begin``: the start it stops) and read it in."""
    content = aanbieder.build_wmo307(
        afzender=allocation.provider.agb_code,
        ontvanger=allocation.municipality_id[2:],
        identificatie=_identificatie(allocation.provider, "WMO307"),
        dagtekening=timezone.localdate(),
        client=_basis(allocation.client),
        stop_producten=[
            m.StopProduct(
                begindatum=begin,
                reden_beeindiging=reason,
                einddatum=end,
                status_aanlevering=m.STATUS_EERSTE_AANLEVERING,
                toewijzing_nummer=allocation.number,
                product=m.Product(allocation.category, allocation.product_code),
                toewijzing_ingangsdatum=allocation.start,
            )
        ],
        xsd_dir=xsd_dir(),
    )
    return _submit_built(
        user=user, allocation_provider=allocation.provider, message_type="WMO307", content=content
    )


def portal_request_change(
    *,
    user,
    allocation: Allocation,
    others: Sequence[Allocation],
    reference: str,
    reason: str,
    wanted_from: date,
    end: date | None,
    volume: int,
    frequency: str,
) -> Submitted:
    """Build the WMO317 (this allocation changed, the client's other current allocations
    listed unchanged, as the standard requires) and read it in."""
    assert allocation.client.bsn is not None  # a visible client with an allocation
    content = aanbieder.build_wmo317(
        afzender=allocation.provider.agb_code,
        ontvanger=allocation.municipality_id[2:],
        identificatie=_identificatie(allocation.provider, "WMO317"),
        dagtekening=timezone.localdate(),
        bsn=allocation.client.bsn,
        verzoek=m.Verzoek(
            referentie_aanbieder=reference,
            reden_verzoek=reason,
            ongewijzigde_producten=tuple(
                a.number
                for a in others
                if a.pk != allocation.pk and a.municipality_id == allocation.municipality_id
            ),
            te_wijzigen_producten=(
                m.TeWijzigenProduct(
                    toewijzing_nummer=allocation.number,
                    gewenste_ingangsdatum=wanted_from,
                    einddatum=end,
                    omvang=m.Omvang(volume, EENHEID_ETMAAL, frequency),
                ),
            ),
        ),
        xsd_dir=xsd_dir(),
    )
    return _submit_built(
        user=user, allocation_provider=allocation.provider, message_type="WMO317", content=content
    )


def portal_request_allocation(
    *,
    user,
    provider: Provider,
    client: Client,
    municipality: Municipality,
    reference: str,
    category: str,
    product_code: str,
    start: date,
    end: date | None,
    volume: int,
    frequency: str,
) -> Submitted:
    """Build the WMO315 (a request for an allocation for a client of this provider) and read
    it in. No verwijzer (type 06, zelfverwijzer/geen verwijzer)."""
    return portal_request_allocation_for(
        user=user,
        provider=provider,
        basis=_basis(client),
        municipality=municipality,
        reference=reference,
        category=category,
        product_code=product_code,
        start=start,
        end=end,
        volume=volume,
        frequency=frequency,
    )


def new_client_basis(
    *,
    bsn: str,
    birth_date: date,
    gender: str,
    surname: str,
    surname_prefix: str = "",
    given_names: str = "",
) -> m.ClientBasis:
    """A client new to bwmo as the provider typed it, checked as bwmo checks a client: the
    BSN (nine digits, elfproef), a birth date not in the future, the lengths iWmo allows.
    ``ValidationError`` per field otherwise; nothing is written."""
    errors: dict[str, list[str]] = {}
    try:
        validate_bsn(bsn)
    except ValidationError as error:
        errors["bsn"] = error.messages
    if birth_date > timezone.localdate():
        errors["birth_date"] = [_("De geboortedatum ligt in de toekomst.")]
    for name, value, limit in (
        ("surname", surname, 200),
        ("surname_prefix", surname_prefix, 10),
        ("given_names", given_names, 200),
    ):
        if len(value) > limit:
            errors[name] = [
                _("Hoogstens %(n)s tekens; dit zijn er %(m)s.") % {"n": limit, "m": len(value)}
            ]
    if not surname.strip():
        errors["surname"] = [_("Vul de achternaam in.")]
    if errors:
        raise ValidationError(errors)
    return m.ClientBasis(
        bsn=bsn,
        geboortedatum=m.Geboortedatum(birth_date),
        geslacht=gender or "0",
        naam=m.Naam(
            m.Achternaam(surname.strip(), surname_prefix.strip() or None),
            voornamen=given_names.strip() or None,
        ),
    )


def portal_request_allocation_for(
    *,
    user,
    provider: Provider,
    basis: m.ClientBasis,
    municipality: Municipality,
    reference: str,
    category: str,
    product_code: str,
    start: date,
    end: date | None,
    volume: int,
    frequency: str,
) -> Submitted:
    """The WMO315 for a client as ``basis`` names it (one bwmo knows, or one new to bwmo:
    the request joins the client's dossier once the municipality registers the client),
    read in through the import."""
    content = aanbieder.build_wmo315(
        afzender=provider.agb_code,
        ontvanger=municipality.code[2:],
        identificatie=_identificatie(provider, "WMO315"),
        dagtekening=timezone.localdate(),
        client=basis,
        aangevraagde_producten=[
            m.AangevraagdProduct(
                referentie_aanbieder=reference,
                toewijzing_ingangsdatum=start,
                verwijzer=m.Verwijzer(type="06"),
                product=m.Product(category, product_code),
                toewijzing_einddatum=end,
                omvang=m.Omvang(volume, EENHEID_ETMAAL, frequency),
            )
        ],
        xsd_dir=xsd_dir(),
    )
    return _submit_built(
        user=user, allocation_provider=provider, message_type="WMO315", content=content
    )


# --- declarations ----------------------------------------------------------------------------


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, nxt - timedelta(days=1)


@dataclass(frozen=True)
class DeclarationDraft:
    """A declaration built from the allocations: what it holds and what was left out."""

    declaratie: m.Declaratie | None
    lines: int
    total_cents: int
    left_out: tuple[str, ...]


def portal_declaration_draft(
    *, provider: Provider, municipality: Municipality, month: date
) -> DeclarationDraft:
    """One WMO323 for ``month``: per allocation of this provider from this municipality, the
    etmalen of the stays in the month within the allocation, at the contract tariff."""
    first, last = month_bounds(month)
    allocations = (
        Allocation.objects.filter(provider=provider, municipality=municipality)
        .filter(Q(last_message__isnull=False) | Q(needs_sending=False))
        .filter(Q(end__isnull=True) | Q(end__gte=first), start__lte=last)
        .select_related("client")
        .order_by("number")
    )
    stays = defaultdict(list)
    for stay in Stay.objects.filter(
        indication_id__in=[a.indication_id for a in allocations], start__lte=last
    ).filter(Q(end__isnull=True) | Q(end__gte=first)):
        stays[stay.indication_id].append(stay)
    tariffs = list(Tariff.objects.filter(contract__provider=provider).select_related("product"))
    clienten: dict[str, list[m.Prestatie]] = defaultdict(list)
    left_out = []
    for a in allocations:
        begin, end = max(first, a.start), min(last, a.end or last)
        days: set[date] = set()
        for stay in stays.get(a.indication_id, []):
            s, e = max(begin, stay.start), min(end, stay.end or end)
            if s <= e:
                days |= {s + timedelta(n) for n in range((e - s).days + 1)}
        if not days or not a.client.bsn:
            continue
        tariff = next(
            (
                t
                for t in tariffs
                if t.product.code == a.product_code
                and t.valid_from <= begin
                and (t.valid_to is None or begin <= t.valid_to)
            ),
            None,
        )
        if tariff is None:
            left_out.append(
                _("Toewijzing %(n)s: geen contracttarief voor product %(p)s op %(d)s.")
                % {"n": a.number, "p": a.product_code, "d": begin.strftime("%d-%m-%Y")}
            )
            continue
        cents = tariff_cents_per_etmaal(tariff)
        clienten[a.client.bsn].append(
            m.Prestatie(
                referentie_nummer=f"P{a.number}{first:%Y%m}"[:20],
                toewijzing_nummer=a.number,
                product_categorie=a.category,
                product_code=a.product_code,
                product_periode=m.GeslotenPeriode(min(days), max(days)),
                geleverd_volume=len(days),
                eenheid=EENHEID_ETMAAL,
                ingediend_bedrag=m.Bedrag(len(days) * cents),
                product_tarief=cents,
            )
        )
    if not clienten:
        return DeclarationDraft(None, 0, 0, tuple(left_out))
    total = sum(p.ingediend_bedrag.bedrag for ps in clienten.values() for p in ps)
    declaratie = m.Declaratie(
        declaratie_nummer=f"D{first:%Y%m}{municipality.code[2:]}",
        declaratie_periode=m.GeslotenPeriode(first, last),
        declaratie_dagtekening=timezone.localdate(),
        totaal_ingediend_bedrag=m.Bedrag(total),
        clienten=tuple(m.DeclaratieClient(bsn, tuple(ps)) for bsn, ps in clienten.items()),
    )
    lines = sum(len(ps) for ps in clienten.values())
    return DeclarationDraft(declaratie, lines, total, tuple(left_out))


def portal_declaration_submit(
    *, user, provider: Provider, municipality: Municipality, month: date
) -> tuple[Submitted, DeclarationDraft]:
    """Build the month's WMO323 from the allocations and read it in."""
    draft = portal_declaration_draft(provider=provider, municipality=municipality, month=month)
    if draft.declaratie is None:
        raise ValidationError(
            _(
                "In %(month)s is er voor %(gemeente)s niets te declareren: geen verblijf "
                "binnen een toewijzing met een contracttarief."
            )
            % {"month": month.strftime("%m-%Y"), "gemeente": municipality.name},
            code="empty",
        )
    content = aanbieder.build_wmo323(
        afzender=provider.agb_code,
        ontvanger=municipality.code[2:],
        identificatie=_identificatie(provider, "WMO323"),
        dagtekening=timezone.localdate(),
        declaratie=draft.declaratie,
        xsd_dir=xsd_dir(),
    )
    submitted = _submit_built(
        user=user, allocation_provider=provider, message_type="WMO323", content=content
    )
    return submitted, draft
