"""Writes to a client's record: registration, personal data and BRP history."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from bwmo.core.errors import StaleVersionError
from bwmo.core.validation import not_in_future, period_ordered

from .models import BrpKind, BrpRegistration, Client, validate_bsn


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
) -> Client:
    bsn = bsn.strip()
    _check_personal_data(bsn=bsn, birth_date=birth_date)
    client = Client.objects.create(
        bsn=bsn,
        given_names=given_names.strip(),
        surname_prefix=surname_prefix.strip(),
        surname=surname.strip(),
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
) -> Client:
    _check_personal_data(bsn=client.bsn, birth_date=birth_date, exclude_pk=client.pk)
    _bump_version(client, expected_version)
    Client.objects.filter(pk=client.pk).update(
        given_names=given_names.strip(),
        surname_prefix=surname_prefix.strip(),
        surname=surname.strip(),
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
