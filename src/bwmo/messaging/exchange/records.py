"""bwmo's records as the iWmo library's dataclasses, and findings as they are stored."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from bwmo.clients.models import Client
from bwmo.iwmo import Toewijzing
from bwmo.iwmo import model as m

from ..models import Allocation, DeliveryEvent, Message


def xsd_dir() -> Path:
    return Path(settings.BWMO_IWMO_XSD_DIR)


def _identificatie(message: Message) -> str:
    return f"{message.pk:012d}"


_CODE = re.compile(r"[A-Z]{2,8}[0-9]{0,4}")
_PATH = re.compile(r"/|(/[A-Za-z][A-Za-z0-9]*(\[[0-9]+\])?)+")


def _errors_json(errors: Iterable[m.IwmoError]) -> list[dict]:
    """Findings as they are stored and shown: a whitelist of the rule code, the element path
    and the expected form (the finding's ``message``, which never holds a value from the
    message). What was found (``detail``: a birth date, a BSN, a name) is dropped."""
    return [
        {
            "code": e.code if _CODE.fullmatch(e.code) else "ONBEKEND",
            "path": e.path if _PATH.fullmatch(e.path) else "/",
            "message": e.message,
            "retourcode": e.retourcode,
        }
        for e in errors
    ]


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment).replace(microsecond=0)


def toegewezen_product(a: Allocation) -> m.ToegewezenProduct:
    changed = _local(a.changed_at)
    return m.ToegewezenProduct(
        toewijzing_nummer=a.number,
        toewijzingsdatum=changed.date(),
        toewijzingstijd=changed.time(),
        ingangsdatum=a.start,
        product=m.Product(a.category, a.product_code),
        einddatum=a.end,
        reden_wijziging=a.reason_change or None,
        omvang=m.Omvang(a.volume, a.unit, a.frequency),
        referentie_aanbieder=a.reference_provider or None,
    )


def toewijzing(a: Allocation) -> Toewijzing:
    # A provisional client's allocation waits for the BSN: no WMO301 of it was ever sent.
    if a.client.bsn is None:
        raise ValueError(f"allocation {a.number} was never sent: its client has no BSN")
    return Toewijzing(
        bsn=a.client.bsn, aanbieder=a.provider.agb_code, toegewezen_product=toegewezen_product(a)
    )


class MissingContactError(ValueError):
    pass


def iwmo_client(c: Client) -> m.Client:
    """The client as the WMO301 describes him or her: BRP address, else a telephone number."""
    if not c.bsn:
        raise MissingContactError(
            "BSN ontbreekt: deze cliënt is geregistreerd met een voorlopige identiteit. De "
            "toewijzing (WMO301) gaat pas uit als het BSN is vastgelegd of samengevoegd."
        )
    telefoon = ()
    if c.phone:
        telefoon = (m.Telefoon(c.phone.replace("+", "00", 1)),)
    if c.postcode and c.house_number:
        # iWmo's Straatnaam is the BRP's 24-character form (NEN), stored apart from the
        # full street name; it is never cut from the long one here.
        street_short = c.street_short or (c.street if len(c.street) <= 24 else "")
        if c.street and not street_short:
            raise MissingContactError(
                "Van deze cliënt ontbreekt de korte straatnaam (NEN, hoogstens 24 tekens) die "
                "de toewijzing (WMO301) vraagt. Vul die aan in het dossier."
            )
        contact = m.Contact(
            soort="01",
            adres=m.Adres(
                m.Huis(
                    c.house_number,
                    huisletter=c.house_letter or None,
                    huisnummer_toevoeging=c.house_number_addition or None,
                ),
                c.postcode,
                street_short or None,
                c.place or None,
                "NL",
            ),
            telefoon=telefoon,
        )
    elif telefoon:
        contact = m.Contact(soort="02", telefoon=telefoon)
    else:
        raise MissingContactError(
            "Van deze cliënt is geen adres (huisnummer en postcode) en geen telefoonnummer "
            "bekend; de toewijzing (WMO301) vereist een van beide. Vul het aan in het dossier."
        )
    assert c.birth_date is not None  # the database requires it of a client with a BSN
    return m.Client(
        bsn=c.bsn,
        geboortedatum=m.Geboortedatum(c.birth_date),
        geslacht=c.gender or "0",
        naam=m.Naam(
            m.Achternaam(c.surname, c.surname_prefix or None),
            voornamen=c.given_names or None,
            naamgebruik="1",
        ),
        contactgegevens=(contact,),
    )


def _event_product(e: DeliveryEvent) -> m.Product | None:
    if not e.category:
        return None
    return m.Product(e.category, e.product_code or None)


_PRESTATIE_FIELDS = (
    "reference",
    "allocation_number",
    "category",
    "product_code",
    "period_start",
    "period_end",
    "volume",
    "unit",
    "amount_cents",
    "tariff_cents",
    "previous_reference",
    "approved",
)


def _prestatie_from(values: tuple) -> m.Prestatie:
    """A stored line (the values of _PRESTATIE_FIELDS but ``approved``) as a Prestatie."""
    ref, nummer, cat, code, begin, end, volume, unit, cents, tarief, vorig = values
    return m.Prestatie(
        referentie_nummer=ref,
        toewijzing_nummer=nummer,
        product_categorie=cat,
        product_code=code,
        product_periode=m.GeslotenPeriode(begin, end),
        geleverd_volume=volume,
        eenheid=unit,
        ingediend_bedrag=m.Bedrag.van_waarde(cents),
        product_tarief=tarief,
        vorig_referentie_nummer=vorig or None,
    )


def _bsn_of(b) -> str | None:
    match b:
        case m.Startbericht() | m.Stopbericht() | m.VerzoekOmToewijzingbericht():
            return b.client.bsn
        case m.VerzoekOmWijzigingbericht():
            return b.bsn
        case m.Declaratiebericht() if len(b.declaratie.clienten) == 1:
            return b.declaratie.clienten[0].bsn
    return None
