"""Writes to a client's record: registration, personal data and BRP history."""

import re
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from bwmo.core.errors import StaleVersionError
from bwmo.core.validation import not_in_future, period_ordered

from .address import (
    ADDITION_RE,
    HOUSE_LETTER_RE,
    HOUSE_NUMBER_MAX,
    HOUSE_NUMBER_MIN,
    MAX_LENGTH,
    POSTCODE_RE,
    street_short_derive,
    too_long_message,
)
from .models import CONTACT_FIELDS, BrpKind, BrpRegistration, Client, Gender, validate_bsn


def _check_lengths(data: dict, errors: dict) -> None:
    for name, value in data.items():
        if name in MAX_LENGTH and isinstance(value, str) and len(value) > MAX_LENGTH[name]:
            errors.setdefault(name, too_long_message(name, len(value)))


def _clean_names(*, given_names: str, surname_prefix: str, surname: str) -> dict:
    """Trimmed names within the BRP's lengths; a longer one is refused, never cut."""
    data = {
        "given_names": " ".join(given_names.split()),
        "surname_prefix": " ".join(surname_prefix.split()),
        "surname": " ".join(surname.split()),
    }
    errors: dict = {}
    _check_lengths(data, errors)
    if not data["surname"]:
        errors.setdefault("surname", _("Vul de achternaam in."))
    if errors:
        raise ValidationError(errors)
    return data


def _clean_house_number(value, errors: dict):
    if value in (None, ""):
        return None
    text = str(value).strip()
    if not text.isdigit():
        errors["house_number"] = _(
            "Huisnummer bestaat alleen uit cijfers (%(min)d tot en met %(max)d); u vulde "
            "'%(value)s' in. Zet een letter in Huisletter en een toevoeging in "
            "Huisnummertoevoeging."
        ) % {"min": HOUSE_NUMBER_MIN, "max": HOUSE_NUMBER_MAX, "value": text[:12]}
        return None
    number = int(text)
    if not HOUSE_NUMBER_MIN <= number <= HOUSE_NUMBER_MAX:
        errors["house_number"] = _(
            "Huisnummer ligt tussen %(min)d en %(max)d; u vulde %(value)s in."
        ) % {"min": HOUSE_NUMBER_MIN, "max": HOUSE_NUMBER_MAX, "value": text}
        return None
    return number


def _clean_contact(contact: dict) -> dict:
    """Normalise and check the contact details; every key of CONTACT_FIELDS is returned.

    The street's 24-character form (NEN) is derived when it is left empty and a plain
    abbreviation makes the street fit; otherwise the user is asked for it.
    """
    unknown = set(contact) - set(CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"unknown contact fields: {sorted(unknown)}")
    data = {name: contact.get(name) for name in CONTACT_FIELDS}
    for name in (
        "street",
        "street_short",
        "house_letter",
        "house_number_addition",
        "place",
        "phone",
    ):
        data[name] = " ".join((data[name] or "").split())
    data["gender"] = data["gender"] or Gender.ONBEKEND
    if data["gender"] not in Gender.values:
        raise ValidationError({"gender": _("Kies een geslacht uit de lijst.")})
    data["postcode"] = (data["postcode"] or "").replace(" ", "").upper()
    data["phone"] = data["phone"].replace(" ", "").replace("-", "")
    data["house_letter"] = data["house_letter"].upper()
    errors: dict = {}
    _check_lengths(data, errors)
    data["house_number"] = _clean_house_number(data["house_number"], errors)
    letter = data["house_letter"]
    if letter and "house_letter" not in errors and not HOUSE_LETTER_RE.fullmatch(letter):
        errors["house_letter"] = _("Huisletter is één letter (A tot en met Z).")
    addition = data["house_number_addition"]
    if addition and "house_number_addition" not in errors and not ADDITION_RE.fullmatch(addition):
        errors["house_number_addition"] = _(
            "Huisnummertoevoeging bestaat uit hoogstens 4 letters of cijfers, zonder "
            "spaties of leestekens (bijvoorbeeld 2 of bis)."
        )
    if data["postcode"] and not POSTCODE_RE.fullmatch(data["postcode"]):
        errors["postcode"] = _("Een postcode bestaat uit 4 cijfers en 2 letters, zoals 9401 AB.")
    if data["street"] and not data["street_short"] and "street" not in errors:
        derived = street_short_derive(data["street"])
        if derived is None:
            errors["street_short"] = _(
                "Deze straatnaam is langer dan 24 tekens. Vul de korte straatnaam (NEN) in "
                "zoals de BRP die geeft, hoogstens 24 tekens; de toewijzing aan de "
                "aanbieder (iWmo) gebruikt die."
            )
        else:
            data["street_short"] = derived
    if data["street_short"] and not data["street"]:
        errors.setdefault("street", _("Vul ook de volledige straatnaam in."))
    address = [data["street"], data["house_number"], data["postcode"], data["place"]]
    if not errors and any(address) and not all(address):
        errors.setdefault(
            "house_number",
            _(
                "Vul het adres volledig in (straat, huisnummer, postcode en woonplaats) "
                "of laat het leeg."
            ),
        )
    if data["phone"] and not re.fullmatch(r"\+?[0-9]{10,15}", data["phone"]):
        errors["phone"] = _("Een telefoonnummer bestaat uit 10 tot 15 cijfers.")
    if errors:
        raise ValidationError(errors)
    return data


def _check_personal_data(*, bsn: str, birth_date: date, exclude_pk: int | None = None) -> None:
    try:
        validate_bsn(bsn)
    except ValidationError as error:
        raise ValidationError({"bsn": error.messages}) from None
    not_in_future("birth_date", birth_date, _("De geboortedatum"))
    if birth_date.year < 1900:
        raise ValidationError({"birth_date": _("De geboortedatum ligt vóór 1900.")})
    duplicates = Client.objects.filter(bsn=bsn)
    if exclude_pk:
        duplicates = duplicates.exclude(pk=exclude_pk)
    if duplicates.exists():
        raise ValidationError(
            {
                "bsn": _(
                    "Er is al een cliënt met dit BSN geregistreerd. Zoek de cliënt op BSN; "
                    "zo voorkomt u een dubbel dossier."
                )
            },
            code="duplicate",
        )


@transaction.atomic
def client_register(
    *,
    bsn: str,
    given_names: str,
    surname_prefix: str = "",
    surname: str,
    birth_date: date,
    organisation,
    brp: list[dict] | None = None,
    **contact,
) -> Client:
    bsn = bsn.strip()
    _check_personal_data(bsn=bsn, birth_date=birth_date)
    names = _clean_names(given_names=given_names, surname_prefix=surname_prefix, surname=surname)
    contact = _clean_contact(contact)
    client = Client.objects.create(
        **contact,
        **names,
        bsn=bsn,
        birth_date=birth_date,
        registered_by=organisation,
    )
    for period in brp or []:
        brp_registration_add(client=client, expected_version=client.version, **period)
        client.refresh_from_db(fields=["version"])
    return client


def _bump_version(client: Client, expected_version: int) -> None:
    updated = Client.objects.filter(pk=client.pk, version=expected_version).update(
        version=F("version") + 1
    )
    if not updated:
        raise StaleVersionError()
    client.version = expected_version + 1


@transaction.atomic
def client_update(
    *,
    client: Client,
    expected_version: int,
    given_names: str,
    surname_prefix: str,
    surname: str,
    birth_date: date,
    **contact,
) -> Client:
    _check_personal_data(bsn=client.bsn, birth_date=birth_date, exclude_pk=client.pk)
    names = _clean_names(given_names=given_names, surname_prefix=surname_prefix, surname=surname)
    if (
        "street" in contact
        and " ".join((contact["street"] or "").split()) != client.street
        and contact.get("street_short", client.street_short) == client.street_short
    ):
        contact["street_short"] = ""  # a new street gets its own short form
    contact = _clean_contact({**client.contact_fields, **contact})
    _bump_version(client, expected_version)
    Client.objects.filter(pk=client.pk).update(
        **contact,
        **names,
        birth_date=birth_date,
    )
    client.refresh_from_db()
    return client


@transaction.atomic
def brp_registration_add(
    *,
    client: Client,
    expected_version: int,
    municipality,
    kind: str,
    valid_from: date,
    valid_to: date | None = None,
) -> BrpRegistration:
    """Add a period to the BRP history.

    A move is recorded as a new period from the moving date: an open-ended earlier period is
    closed the day before. Any other overlap is refused (the BRP has one address at a time).
    """
    if kind not in BrpKind.values:
        raise ValidationError({"kind": _("Onbekende soort inschrijving.")})
    if kind == BrpKind.BUITENLAND and municipality is not None:
        raise ValidationError({"municipality": _("Bij 'buitenland' hoort geen gemeente.")})
    if kind != BrpKind.BUITENLAND and municipality is None:
        raise ValidationError({"municipality": _("Kies de gemeente van inschrijving.")})
    not_in_future("valid_from", valid_from, _("De begindatum"))
    period_ordered("valid_from", valid_from, "valid_to", valid_to)
    if valid_from < client.birth_date:
        raise ValidationError({"valid_from": _("De begindatum ligt vóór de geboortedatum.")})
    _bump_version(client, expected_version)

    existing = BrpRegistration.objects.select_for_update().filter(client=client)
    open_before = existing.filter(valid_to__isnull=True, valid_from__lt=valid_from).first()
    if open_before:
        open_before.valid_to = valid_from - timedelta(days=1)
        open_before.save(update_fields=["valid_to"])
    overlap = existing.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from),
        **({"valid_from__lte": valid_to} if valid_to else {}),
    )
    if overlap.exists():
        first = overlap.order_by("valid_from").first()
        raise ValidationError(
            {
                "valid_from": _(
                    "Deze periode overlapt met de inschrijving vanaf %(start)s. "
                    "Een cliënt staat op één adres tegelijk ingeschreven."
                )
                % {"start": first.valid_from.strftime("%d-%m-%Y")}
            },
            code="overlap",
        )
    return BrpRegistration.objects.create(
        client=client,
        municipality=municipality,
        kind=kind,
        valid_from=valid_from,
        valid_to=valid_to,
    )
