"""Writes to a client's record: registration, personal data and BRP history."""

import logging
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bwmo.core.errors import StaleVersionError
from bwmo.core.validation import Refusals, not_in_future, period_ordered, required
from bwmo.messaging.services import requests_attach_client

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
from .models import (
    CONTACT_FIELDS,
    BrpKind,
    BrpRegistration,
    Client,
    ClientEvent,
    Gender,
    validate_bsn,
)


def _check_lengths(data: dict, errors: dict) -> None:
    for name, value in data.items():
        if name in MAX_LENGTH and isinstance(value, str) and len(value) > MAX_LENGTH[name]:
            errors.setdefault(name, too_long_message(name, len(value)))


def _clean_names(
    *, given_names: str, surname_prefix: str, surname: str, provisional: bool = False
) -> dict:
    """Trimmed names within the BRP's lengths; a longer one is refused, never cut.

    A provisional identity may go by a first name or nickname only.
    """
    data = {
        "given_names": " ".join(given_names.split()),
        "surname_prefix": " ".join(surname_prefix.split()),
        "surname": " ".join(surname.split()),
    }
    errors: dict = {}
    _check_lengths(data, errors)
    if provisional and not (data["surname"] or data["given_names"]):
        errors.setdefault(
            "surname", _("Vul de naam in zoals de persoon die opgeeft (achternaam of voornaam).")
        )
    elif not provisional and not data["surname"]:
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
    # Text fields and the house number (an int once cleaned): the values differ in type.
    data: dict[str, Any] = {name: contact.get(name) for name in CONTACT_FIELDS}
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


def _check_birth_date(birth_date: date) -> None:
    not_in_future("birth_date", birth_date, _("De geboortedatum"))
    if birth_date.year < 1900:
        raise ValidationError({"birth_date": _("De geboortedatum ligt vóór 1900.")})


def _check_personal_data(
    *, bsn: str | None, birth_date: date | None, exclude_pk: int | None = None
) -> None:
    """The BSN and the birth date are checked independently and refused together (a known BSN
    and a birth date in the future are both shown in one response)."""
    refusals = Refusals()
    if bsn is not None:
        try:
            validate_bsn(bsn)
        except ValidationError as error:
            refusals.add(None, ValidationError({"bsn": error.messages}))
        else:
            duplicates = Client.objects.filter(bsn=bsn)
            if exclude_pk:
                duplicates = duplicates.exclude(pk=exclude_pk)
            if duplicates.exists():
                refusals.add(
                    None,
                    ValidationError(
                        {
                            "bsn": _(
                                "Er is al een cliënt met dit BSN geregistreerd. Zoek de cliënt "
                                "op BSN; zo voorkomt u een dubbel dossier."
                            )
                        },
                        code="duplicate",
                    ),
                )
        if birth_date is None:
            refusals.add("birth_date", _("Vul de geboortedatum in."))
    # A provisional identity (no BSN yet) may have an unknown birth date.
    if birth_date is not None:
        refusals.check("birth_date", lambda: _check_birth_date(birth_date))
    refusals.raise_any()


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
    # The personal data, the names and the contact details are checked independently and
    # their refusals raised together.
    refusals = Refusals()
    refusals.check(None, lambda: _check_personal_data(bsn=bsn, birth_date=birth_date))
    names: dict = {}
    try:
        names = _clean_names(
            given_names=given_names, surname_prefix=surname_prefix, surname=surname
        )
    except ValidationError as error:
        refusals.add(None, error)
    try:
        contact = _clean_contact(contact)
    except ValidationError as error:
        refusals.add(None, error)
    refusals.raise_any()
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
    # A provider may have asked for this person before the registration (iWmo 315): the
    # request joins the dossier now, not when someone happens to open it.
    requests_attach_client(client=client)
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
    birth_date: date | None,
    **contact,
) -> Client:
    # The personal data, the names and the contact details are checked independently and
    # their refusals raised together.
    refusals = Refusals()
    refusals.check(
        None,
        lambda: _check_personal_data(bsn=client.bsn, birth_date=birth_date, exclude_pk=client.pk),
    )
    names: dict = {}
    try:
        names = _clean_names(
            given_names=given_names,
            surname_prefix=surname_prefix,
            surname=surname,
            provisional=client.is_provisional,
        )
    except ValidationError as error:
        refusals.add(None, error)
    if (
        client.is_provisional is False
        and birth_date is None
        and "birth_date" not in refusals.errors
    ):
        refusals.add("birth_date", _("Vul de geboortedatum in."))
    if (
        "street" in contact
        and " ".join((contact["street"] or "").split()) != client.street
        and contact.get("street_short", client.street_short) == client.street_short
    ):
        contact["street_short"] = ""  # a new street gets its own short form
    try:
        contact = _clean_contact({**client.contact_fields, **contact})
    except ValidationError as error:
        refusals.add(None, error)
    refusals.raise_any()
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
    # The municipality's rule and the dates' are independent: refused together.
    refusals = Refusals()
    if kind == BrpKind.BUITENLAND and municipality is not None:
        refusals.add("municipality", _("Bij 'buitenland' hoort geen gemeente."))
    # "Geen inschrijving" may name the municipality where the person was last known.
    if kind not in (BrpKind.BUITENLAND, BrpKind.GEEN) and municipality is None:
        refusals.add("municipality", _("Kies de gemeente van inschrijving."))
    refusals.check(
        "valid_from", lambda: not_in_future("valid_from", valid_from, _("De begindatum"))
    )
    refusals.check(
        "valid_to", lambda: period_ordered("valid_from", valid_from, "valid_to", valid_to)
    )
    if client.birth_date and valid_from and valid_from < client.birth_date:
        refusals.add("valid_from", _("De begindatum ligt vóór de geboortedatum."))
    refusals.raise_any()
    required(valid_from=valid_from)  # the overlap below needs it
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
    first = overlap.order_by("valid_from").first()
    if first is not None:
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


# --- provisional identities ------------------------------------------------------------------
# A person who arrives at a shelter without a BSN, or will not give it, is registered as
# given. Once the BSN is known the record is completed (client_assign_bsn) or, when bwmo
# already knows the person, merged into that client (client_merge). Both append history.

log = logging.getLogger(__name__)


def _check_birth_year(birth_year: int | None) -> None:
    if birth_year is None:
        return
    this_year = timezone.localdate().year
    if not 1900 <= birth_year <= this_year:
        raise ValidationError(
            {
                "birth_year": _("Een geboortejaar ligt tussen 1900 en %(year)d.")
                % {"year": this_year}
            }
        )


@transaction.atomic
def client_register_provisional(
    *,
    given_names: str = "",
    surname_prefix: str = "",
    surname: str = "",
    birth_date: date | None = None,
    birth_year: int | None = None,
    identifying_notes: str = "",
    organisation,
    by,
    brp: list[dict] | None = None,
    **contact,
) -> Client:
    """Register a person without BSN as a provisional identity, with what he or she gave."""
    _check_personal_data(bsn=None, birth_date=birth_date)
    _check_birth_year(birth_year)
    if birth_date and birth_year and birth_date.year != birth_year:
        raise ValidationError(
            {"birth_year": _("Het geboortejaar verschilt van het jaar van de geboortedatum.")}
        )
    names = _clean_names(
        given_names=given_names, surname_prefix=surname_prefix, surname=surname, provisional=True
    )
    contact = _clean_contact(contact)
    notes = identifying_notes.strip()
    if len(notes) > 2000:
        raise ValidationError(
            {"identifying_notes": _("De kenmerken zijn hoogstens 2000 tekens lang.")}
        )
    client = Client.objects.create(
        **contact,
        **names,
        bsn=None,
        is_provisional=True,
        birth_date=birth_date,
        birth_year=birth_year or (birth_date.year if birth_date else None),
        identifying_notes=notes,
        registered_by=organisation,
    )
    ClientEvent.objects.create(client=client, actor=by, action=ClientEvent.Action.PROVISIONAL)
    for period in brp or []:
        brp_registration_add(client=client, expected_version=client.version, **period)
        client.refresh_from_db(fields=["version"])
    log.info("provisional identity registered: %s", client)
    return client


def _require_provisional(client: Client, field: str = "bsn") -> None:
    if not client.is_provisional or client.merged_into_id:
        raise ValidationError(
            {
                field: _(
                    "Dit dossier is geen open voorlopige identiteit: het heeft al een BSN "
                    "of is al samengevoegd."
                )
            }
        )


def _requeue_waiting_allocations(client: Client) -> int:
    """Queue the WMO301s that waited for the BSN; returns how many indications."""
    from bwmo.care.models import Financing, Indication
    from bwmo.messaging.services import allocation_queue

    count = 0
    for indication in Indication.objects.filter(
        client=client, financing=Financing.ZIN, provider__isnull=False
    ).select_related("product", "client"):
        allocation = getattr(indication, "allocation", None)
        if allocation is not None and allocation.needs_sending:
            allocation_queue(indication=indication)
            count += 1
    return count


@transaction.atomic
def client_assign_bsn(
    *, client: Client, bsn: str, birth_date: date | None, by, expected_version: int
) -> Client:
    """Complete a provisional identity with its BSN (no client with that BSN exists yet).

    Allocations that waited for the BSN are queued for the provider.
    """
    from bwmo.audit.services import access_log_record

    _require_provisional(client)
    bsn = (bsn or "").strip()
    birth_date = birth_date or client.birth_date
    _check_personal_data(bsn=bsn, birth_date=birth_date, exclude_pk=client.pk)
    _bump_version(client, expected_version)
    assert birth_date is not None  # _check_personal_data refuses a BSN without a birth date
    Client.objects.filter(pk=client.pk).update(
        bsn=bsn, is_provisional=False, birth_date=birth_date, birth_year=birth_date.year
    )
    client.refresh_from_db()
    ClientEvent.objects.create(client=client, actor=by, action=ClientEvent.Action.BSN_ASSIGNED)
    _requeue_waiting_allocations(client)
    access_log_record(
        user=by, clients=[client], what="BSN vastgelegd", why="voorlopige identiteit aangevuld"
    )
    log.info("BSN recorded for provisional identity %s", client)
    return client


def _reverse_client_relations():
    """Every one-to-many relation to Client that belongs to the client's case, so a merge
    moves it; the access log stays as written (it is a legal record)."""
    for relation in Client._meta.related_objects:
        model = relation.related_model
        if not relation.one_to_many or model is Client or model is ClientEvent:
            continue
        if model._meta.label in {"audit.AccessLogEntry", "clients.BrpRegistration"}:
            continue
        yield model, relation.field.name


@dataclass(frozen=True)
class MergeResult:
    client: Client
    moved: dict[str, int]
    brp_kept_apart: int


@transaction.atomic
def client_merge(*, provisional: Client, into: Client, by) -> MergeResult:
    """Move everything of a provisional identity to the client with BSN it turned out to be.

    Meldingen, indications, stays, allocations and messages move; BRP periods move unless
    they overlap the real client's BRP history (the BRP is leading: such a period stays on
    the closed provisional record, where it remains readable). The provisional record is
    closed (``merged_into``), both histories get an event, every moved melding a case event,
    and the access log records the merge for both. Waiting allocations are queued.
    """
    from bwmo.audit.services import access_log_record
    from bwmo.toegang.models import CaseEvent, Melding

    _require_provisional(provisional)
    if into.pk == provisional.pk or into.is_provisional or into.merged_into_id or not into.bsn:
        raise ValidationError(
            {"bsn": _("Voeg samen met een cliënt die een BSN heeft (niet met zichzelf).")}
        )
    locked = {
        c.pk: c for c in Client.objects.select_for_update().filter(pk__in=[provisional.pk, into.pk])
    }
    if (
        locked[provisional.pk].merged_into_id
        or locked[provisional.pk].version != provisional.version
    ):
        raise StaleVersionError()

    melding_ids = list(Melding.objects.filter(client=provisional).values_list("pk", flat=True))
    moved: dict[str, int] = {}
    for model, field in _reverse_client_relations():
        count = model.objects.filter(**{field: provisional}).update(**{field: into})
        if count:
            moved[model._meta.label] = moved.get(model._meta.label, 0) + count

    into_periods = list(BrpRegistration.objects.filter(client=into))
    kept_apart = 0
    for period in BrpRegistration.objects.filter(client=provisional):
        end = period.valid_to or date.max
        overlaps = any(
            p.valid_from <= end and (p.valid_to or date.max) >= period.valid_from
            for p in into_periods
        )
        if overlaps:
            kept_apart += 1
            continue
        BrpRegistration.objects.filter(pk=period.pk).update(client=into)
        into_periods.append(period)
        moved["clients.BrpRegistration"] = moved.get("clients.BrpRegistration", 0) + 1

    now = timezone.now()
    Client.objects.filter(pk=provisional.pk).update(
        merged_into=into, merged_at=now, version=F("version") + 1
    )
    Client.objects.filter(pk=into.pk).update(version=F("version") + 1)
    summary = ", ".join(f"{label}: {count}" for label, count in sorted(moved.items()))
    ClientEvent.objects.create(
        client=provisional,
        actor=by,
        action=ClientEvent.Action.MERGED_AWAY,
        other=into,
        details=summary,
        at=now,
    )
    ClientEvent.objects.create(
        client=into,
        actor=by,
        action=ClientEvent.Action.MERGED_IN,
        other=provisional,
        details=summary,
        at=now,
    )
    for melding in Melding.objects.filter(pk__in=melding_ids):
        CaseEvent.objects.create(
            melding=melding,
            actor=by,
            action="samengevoegd",
            from_status=melding.status,
            to_status=melding.status,
            reason=_(
                "Overgezet van een voorlopige identiteit (dossier %(old)s) naar de cliënt met BSN."
            )
            % {"old": provisional.short_pseudonym},
            at=now,
        )
    into.refresh_from_db()
    provisional.refresh_from_db()
    _requeue_waiting_allocations(into)
    access_log_record(
        user=by,
        clients=[provisional, into],
        what="voorlopige identiteit samengevoegd",
        why="samenvoegen na vaststellen BSN",
    )
    log.info("provisional identity %s merged into %s", provisional, into)
    return MergeResult(client=into, moved=moved, brp_kept_apart=kept_apart)
