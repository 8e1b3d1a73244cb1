"""Clients and their BRP registration history.

A client is addressed in URLs, logs and exports by ``pseudonym`` only; the BSN and name
are shown on screens for users entitled to them (see ``bwmo.clients.selectors``).
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.nl import bsn as bsn_checker

from .address import HOUSE_NUMBER_MAX, HOUSE_NUMBER_MIN, MAX_LENGTH


def validate_bsn(value: str) -> None:
    if not value.isdigit() or len(value) != 9:
        raise ValidationError(_("Een BSN bestaat uit precies 9 cijfers."), code="bsn_format")
    if not bsn_checker.is_valid(value):
        raise ValidationError(
            _("Dit BSN is ongeldig: het voldoet niet aan de elfproef. Controleer de cijfers."),
            code="bsn_checksum",
        )


class Gender(models.TextChoices):
    ONBEKEND = "0", _("Onbekend")
    MAN = "1", _("Man")
    VROUW = "2", _("Vrouw")


class Client(models.Model):
    pseudonym = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, verbose_name=_("pseudoniem")
    )
    # Empty only for a provisional identity: a person who arrives without a BSN, or will not
    # give it, is registered as given and merged or completed once the BSN is known.
    bsn = models.CharField(
        _("BSN"), max_length=9, unique=True, null=True, blank=True, validators=[validate_bsn]
    )
    is_provisional = models.BooleanField(
        _("voorlopige identiteit (zonder BSN)"), default=False, db_index=True
    )
    # Lengths as the BRP keeps them (see address.py); longer input is refused, never cut.
    given_names = models.CharField(_("voornamen"), max_length=MAX_LENGTH["given_names"])
    surname_prefix = models.CharField(
        _("tussenvoegsel"), max_length=MAX_LENGTH["surname_prefix"], blank=True
    )
    surname = models.CharField(_("achternaam"), max_length=MAX_LENGTH["surname"], db_index=True)
    birth_date = models.DateField(_("geboortedatum"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("geboortejaar"), null=True, blank=True)
    identifying_notes = models.TextField(
        _("kenmerken ter herkenning"),
        blank=True,
        help_text=_("Bij een voorlopige identiteit: wat de persoon opgaf, bijnaam, herkomst."),
    )
    gender = models.CharField(
        _("geslacht"), max_length=1, choices=Gender.choices, default=Gender.ONBEKEND
    )
    # Contact details as the BRP gives them; the iWmo allocation (WMO301) needs an address
    # (house number and postcode) or a telephone number.
    street = models.CharField(
        _("straatnaam (openbare ruimte)"), max_length=MAX_LENGTH["street"], blank=True
    )
    # The 24-character form iWmo's Straatnaam carries; derived or filled in, never cut.
    street_short = models.CharField(
        _("straatnaam (NEN)"), max_length=MAX_LENGTH["street_short"], blank=True
    )
    house_number = models.PositiveIntegerField(
        _("huisnummer"),
        null=True,
        blank=True,
        validators=[MinValueValidator(HOUSE_NUMBER_MIN), MaxValueValidator(HOUSE_NUMBER_MAX)],
    )
    house_letter = models.CharField(
        _("huisletter"), max_length=MAX_LENGTH["house_letter"], blank=True
    )
    house_number_addition = models.CharField(
        _("huisnummertoevoeging"), max_length=MAX_LENGTH["house_number_addition"], blank=True
    )
    postcode = models.CharField(_("postcode"), max_length=6, blank=True)
    place = models.CharField(_("woonplaats"), max_length=MAX_LENGTH["place"], blank=True)
    phone = models.CharField(_("telefoonnummer"), max_length=15, blank=True)
    registered_by = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="registered_clients",
        verbose_name=_("geregistreerd door"),
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
        verbose_name=_("samengevoegd met"),
    )
    merged_at = models.DateTimeField(_("samengevoegd op"), null=True, blank=True)
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("aangemaakt op")
    )
    version = models.PositiveIntegerField(default=1, editable=False, verbose_name=_("versie"))
    # Made by ``bwmo generate`` (an invented person, never a real one). The generator refuses
    # a database holding any client without this mark.
    synthetic = models.BooleanField(_("synthetisch (gegenereerd)"), default=False, editable=False)

    class Meta:
        verbose_name = _("cliënt")
        verbose_name_plural = _("cliënten")
        permissions = [
            ("view_personal_data", _("Persoonsgegevens van cliënten inzien")),
            (
                "merge_client",
                _("Voorlopige identiteit samenvoegen of het BSN ervan vastleggen"),
            ),
        ]
        constraints = [
            # A BSN, or a provisional identity: never both, never neither.
            models.CheckConstraint(
                name="client_bsn_or_provisional",
                condition=models.Q(is_provisional=True, bsn__isnull=True)
                | models.Q(is_provisional=False, bsn__isnull=False),
            ),
            models.CheckConstraint(
                name="client_birth_date_unless_provisional",
                condition=models.Q(is_provisional=True) | models.Q(birth_date__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        # Never the name or BSN: __str__ ends up in logs and error reports.
        return f"cliënt {str(self.pseudonym)[:8]}"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.given_names, self.surname_prefix, self.surname) if p)

    @property
    def contact_fields(self) -> dict:
        return {name: getattr(self, name) for name in CONTACT_FIELDS}

    @property
    def short_pseudonym(self) -> str:
        return str(self.pseudonym)[:8]

    @property
    def birth_display(self) -> str:
        """The birth date, or for a provisional identity the year as given."""
        if self.birth_date:
            return self.birth_date.strftime("%d-%m-%Y")
        if self.birth_year:
            return _("geboortejaar %(year)s") % {"year": self.birth_year}
        return str(_("geboortedatum onbekend"))


CONTACT_FIELDS = (
    "gender",
    "street",
    "street_short",
    "house_number",
    "house_letter",
    "house_number_addition",
    "postcode",
    "place",
    "phone",
)


class BrpKind(models.TextChoices):
    WOONADRES = "woonadres", _("Woonadres")
    INSTELLING = "instelling", _("Instellingsadres")
    BRIEFADRES = "briefadres", _("Briefadres")
    BUITENLAND = "buitenland", _("Buitenland (geëmigreerd)")
    # Not in the BRP at all, or known there without a fixed address (GBA-V "geen vast
    # woonadres"): for the woonplaats rules the person is not registered in that period.
    GEEN = "geen", _("Geen inschrijving (niet in de BRP of geen vast woonadres)")


class BrpRegistration(models.Model):
    """One period of the client's registration in the BRP (population register)."""

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="brp_registrations", verbose_name=_("cliënt")
    )
    municipality = models.ForeignKey(
        "organisations.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("gemeente"),
        null=True,
        blank=True,
        help_text=_("Leeg bij 'buitenland'."),
    )
    kind = models.CharField(_("soort inschrijving"), max_length=20, choices=BrpKind.choices)
    valid_from = models.DateField(_("vanaf"))
    valid_to = models.DateField(_("tot en met"), null=True, blank=True)
    recorded_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("vastgelegd op")
    )

    class Meta:
        verbose_name = _("BRP-inschrijving")
        verbose_name_plural = _("BRP-inschrijvingen")
        ordering = ["client", "valid_from"]
        indexes = [models.Index(fields=["client", "valid_from"])]
        constraints = [
            models.CheckConstraint(
                name="brp_period_ordered",
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.valid_from}–{self.valid_to or ''}"


class ClientEvent(models.Model):
    """An appended line of a client's own history: provisional registration, BSN, merge."""

    class Action(models.TextChoices):
        PROVISIONAL = "voorlopig", _("Voorlopige identiteit geregistreerd")
        BSN_ASSIGNED = "bsn", _("BSN vastgelegd")
        MERGED_AWAY = "samengevoegd", _("Samengevoegd met een cliënt met BSN")
        MERGED_IN = "overgenomen", _("Gegevens van een voorlopige identiteit overgenomen")

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    other = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    details = models.TextField(_("toelichting"), blank=True)

    class Meta:
        verbose_name = _("cliëntgebeurtenis")
        verbose_name_plural = _("cliëntgebeurtenissen")
        ordering = ["client", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Client history is append-only; events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Client history is append-only; events cannot be deleted.")
