"""Clients and their BRP registration history.

A client is addressed in URLs, logs and exports by ``pseudonym`` only; the BSN and name
are shown on screens for users entitled to them (see ``bwmo.clients.selectors``).
"""

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.nl import bsn as bsn_checker


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
    bsn = models.CharField(_("BSN"), max_length=9, unique=True, validators=[validate_bsn])
    given_names = models.CharField(_("voornamen"), max_length=200)
    surname_prefix = models.CharField(_("tussenvoegsel"), max_length=20, blank=True)
    surname = models.CharField(_("achternaam"), max_length=200, db_index=True)
    birth_date = models.DateField(_("geboortedatum"))
    gender = models.CharField(
        _("geslacht"), max_length=1, choices=Gender.choices, default=Gender.ONBEKEND
    )
    # Contact details as the BRP gives them; the iWmo allocation (WMO301) needs an address
    # (house number and postcode) or a telephone number.
    street = models.CharField(_("straat"), max_length=24, blank=True)
    house_number = models.PositiveIntegerField(_("huisnummer"), null=True, blank=True)
    house_letter = models.CharField(_("huisletter"), max_length=1, blank=True)
    postcode = models.CharField(_("postcode"), max_length=6, blank=True)
    place = models.CharField(_("woonplaats"), max_length=24, blank=True)
    phone = models.CharField(_("telefoonnummer"), max_length=15, blank=True)
    registered_by = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="registered_clients",
        verbose_name=_("geregistreerd door"),
    )
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("aangemaakt op")
    )
    version = models.PositiveIntegerField(default=1, editable=False, verbose_name=_("versie"))

    class Meta:
        verbose_name = _("cliënt")
        verbose_name_plural = _("cliënten")
        permissions = [("view_personal_data", _("Persoonsgegevens van cliënten inzien"))]

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


CONTACT_FIELDS = ("gender", "street", "house_number", "house_letter", "postcode", "place", "phone")


class BrpKind(models.TextChoices):
    WOONADRES = "woonadres", _("Woonadres")
    INSTELLING = "instelling", _("Instellingsadres")
    BRIEFADRES = "briefadres", _("Briefadres")
    BUITENLAND = "buitenland", _("Buitenland (geëmigreerd)")


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
