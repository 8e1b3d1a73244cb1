"""The access process: melding → onderzoek → advies → aanvraag → beschikking, and MO intake.

The melding is the case; its ``status`` only changes through the workflow service and every
change is an appended ``CaseEvent``.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bwmo.care.models import Financing, MoType
from bwmo.core.append_only import AppendOnlyModel
from bwmo.organisations.models import ProductKind
from bwmo.rules.deadlines import beschikking_deadline, onderzoek_deadline

from .workflow import Status


class Melding(models.Model):
    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.PROTECT,
        related_name="meldingen",
        verbose_name=_("cliënt"),
    )
    product_kind = models.CharField(_("domein"), max_length=2, choices=ProductKind.choices)
    applied_to = models.ForeignKey(
        "organisations.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("gemeld bij gemeente"),
    )
    responsible_municipality = models.ForeignKey(
        "organisations.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("verantwoordelijke gemeente"),
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="meldingen",
        verbose_name=_("behandelende organisatie"),
    )
    received_on = models.DateField(_("datum melding"))
    summary = models.TextField(_("hulpvraag"), blank=True)
    status = models.CharField(
        _("status"), max_length=30, choices=Status.choices, default=Status.GEMELD
    )
    status_changed_at = models.DateTimeField(
        default=timezone.now, verbose_name=_("status gewijzigd op")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        verbose_name=_("aangemaakt door"),
    )
    version = models.PositiveIntegerField(default=1, editable=False, verbose_name=_("versie"))
    # Who works on it now; changed only by ``melding_assign``, which appends an Assignment.
    # Not part of ``version``: handing a case to a colleague must not invalidate a step form
    # someone has open, and a step never writes this field.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assigned_meldingen",
        null=True,
        blank=True,
        verbose_name=_("toegewezen aan"),
    )

    class Meta:
        verbose_name = _("melding")
        verbose_name_plural = _("meldingen")
        ordering = ["-received_on"]
        permissions = [
            ("process_melding", _("Meldingen BW behandelen (onderzoek tot beschikking)")),
            ("register_mo_intake", _("MO-intake registreren en besluiten onder mandaat")),
        ]
        indexes = [
            models.Index(fields=["responsible_municipality", "status"]),
            models.Index(fields=["status", "received_on"]),
        ]

    def __str__(self) -> str:
        return f"melding {self.pk} ({self.product_kind}, {self.get_status_display()})"

    @property
    def onderzoek_deadline(self):
        return onderzoek_deadline(self.received_on)

    @property
    def beschikking_deadline(self):
        aanvraag = getattr(self, "aanvraag", None)
        return beschikking_deadline(aanvraag.received_on) if aanvraag else None


class Onderzoek(models.Model):
    melding = models.OneToOneField(
        Melding, on_delete=models.PROTECT, related_name="onderzoek", verbose_name=_("melding")
    )
    started_on = models.DateField(_("onderzoek gestart op"))
    conversation_on = models.DateField(_("datum keukentafelgesprek"), null=True, blank=True)
    findings = models.TextField(_("bevindingen"), blank=True)
    completed_on = models.DateField(_("onderzoek afgerond op"), null=True, blank=True)

    class Meta:
        verbose_name = _("onderzoek")
        verbose_name_plural = _("onderzoeken")

    def __str__(self) -> str:
        return f"onderzoek {self.started_on}"


class Advies(models.Model):
    melding = models.OneToOneField(
        Melding, on_delete=models.PROTECT, related_name="advies", verbose_name=_("melding")
    )
    issued_on = models.DateField(_("datum advies"))
    advised_product = models.ForeignKey(
        "care.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("geadviseerd product"),
    )
    text = models.TextField(_("advies"))
    signed_by_client = models.BooleanField(_("door cliënt ondertekend"), default=False)
    signed_on = models.DateField(_("ondertekend op"), null=True, blank=True)

    class Meta:
        verbose_name = _("advies")
        verbose_name_plural = _("adviezen")

    def __str__(self) -> str:
        return f"advies {self.issued_on}"


class Aanvraag(models.Model):
    melding = models.OneToOneField(
        Melding, on_delete=models.PROTECT, related_name="aanvraag", verbose_name=_("melding")
    )
    received_on = models.DateField(_("datum aanvraag"))

    class Meta:
        verbose_name = _("aanvraag")
        verbose_name_plural = _("aanvragen")

    def __str__(self) -> str:
        return f"aanvraag {self.received_on}"


class Decision(models.TextChoices):
    TOEKENNING = "toekenning", _("Toekenning")
    AFWIJZING = "afwijzing", _("Afwijzing")


class Beschikking(models.Model):
    aanvraag = models.OneToOneField(
        Aanvraag, on_delete=models.PROTECT, related_name="beschikking", verbose_name=_("aanvraag")
    )
    decision = models.CharField(_("besluit"), max_length=20, choices=Decision.choices)
    decided_on = models.DateField(_("datum beschikking"))
    product = models.ForeignKey(
        "care.Product", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("product")
    )
    financing = models.CharField(
        _("financiering"), max_length=3, choices=Financing.choices, blank=True
    )
    provider = models.ForeignKey(
        "organisations.Provider",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("aanbieder"),
    )
    valid_from = models.DateField(_("ingangsdatum"), null=True, blank=True)
    valid_to = models.DateField(_("einddatum"), null=True, blank=True)
    motivation = models.TextField(_("motivering"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        verbose_name=_("besloten door"),
    )

    class Meta:
        verbose_name = _("beschikking")
        verbose_name_plural = _("beschikkingen")

    def __str__(self) -> str:
        return f"{self.get_decision_display()} {self.decided_on}"


class Leefgebied(models.TextChoices):
    """The life domains of the Zelfredzaamheid-Matrix that the MO assessment looks at."""

    FINANCIEN = "financien", _("Financiën")
    DAGBESTEDING = "dagbesteding", _("Werk, opleiding en dagbesteding")
    HUISVESTING = "huisvesting", _("Huisvesting")
    HUISELIJKE_RELATIES = "huiselijke_relaties", _("Huiselijke relaties")
    GEESTELIJKE_GEZONDHEID = "geestelijke_gezondheid", _("Geestelijke gezondheid")
    LICHAMELIJKE_GEZONDHEID = "lichamelijke_gezondheid", _("Lichamelijke gezondheid")
    MIDDELENGEBRUIK = "middelengebruik", _("Middelengebruik")
    ADL = "adl", _("Algemene dagelijkse levensverrichtingen")
    SOCIAAL_NETWERK = "sociaal_netwerk", _("Sociaal netwerk")
    PARTICIPATIE = "participatie", _("Maatschappelijke participatie")
    JUSTITIE = "justitie", _("Justitie")


class MoIntake(models.Model):
    """The standard assessment of an MO intake and the decision under mandate."""

    class Answer(models.TextChoices):
        JA = "ja", _("Ja")
        NEE = "nee", _("Nee")
        ONBEKEND = "onbekend", _("Onbekend")

    melding = models.OneToOneField(
        Melding, on_delete=models.PROTECT, related_name="mo_intake", verbose_name=_("melding")
    )
    provider = models.ForeignKey(
        "organisations.Provider", on_delete=models.PROTECT, verbose_name=_("opvanginstelling")
    )
    intake_on = models.DateField(_("datum intake"))
    mo_type = models.CharField(_("soort opvang"), max_length=20, choices=MoType.choices)
    # The standard assessment: homeless, unable to cope alone, and the problem areas.
    dakloos = models.CharField(
        _("feitelijk of residentieel dakloos"), max_length=10, choices=Answer.choices
    )
    zelfredzaam = models.CharField(
        _("kan zich zelfstandig handhaven"), max_length=10, choices=Answer.choices
    )
    regiobinding = models.CharField(
        _("binding met de regio"), max_length=10, choices=Answer.choices
    )
    # Codes of Leefgebied, comma-separated; older intakes may hold free text (shown as is).
    problem_areas = models.CharField(_("leefgebieden met problemen"), max_length=200, blank=True)
    decision = models.CharField(_("besluit"), max_length=20, choices=Decision.choices)
    motivation = models.TextField(_("motivering"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        verbose_name=_("besloten door"),
    )

    class Meta:
        verbose_name = _("MO-intake")
        verbose_name_plural = _("MO-intakes")

    def __str__(self) -> str:
        return f"MO-intake {self.intake_on}"

    @property
    def problem_area_codes(self) -> list[str]:
        return [p.strip() for p in self.problem_areas.split(",") if p.strip()]

    @property
    def problem_area_labels(self) -> list[str]:
        """The stored leefgebieden in words, in the order of the matrix."""
        labels = dict(Leefgebied.choices)
        codes = self.problem_area_codes
        known = [str(labels[c]) for c in Leefgebied.values if c in codes]
        return known + [c for c in codes if c not in labels]


class CaseEvent(AppendOnlyModel):
    """An appended line of a case's history: who changed what, when and why.

    Append-only in the ORM and in the database (triggers, migration 0002_caseevent_append_only).
    """

    append_only_message = "Dossier history is append-only: events cannot be changed or deleted."

    melding = models.ForeignKey(
        Melding, on_delete=models.PROTECT, related_name="events", verbose_name=_("melding")
    )
    at = models.DateTimeField(default=timezone.now, verbose_name=_("tijdstip"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        verbose_name=_("door"),
    )
    action = models.CharField(max_length=30, verbose_name=_("handeling"))
    from_status = models.CharField(
        max_length=30, choices=Status.choices, blank=True, verbose_name=_("van status")
    )
    to_status = models.CharField(
        max_length=30, choices=Status.choices, verbose_name=_("naar status")
    )
    reason = models.TextField(_("toelichting"), blank=True)

    class Meta:
        verbose_name = _("dossiergebeurtenis")
        verbose_name_plural = _("dossiergebeurtenissen")
        ordering = ["melding", "at", "pk"]
        indexes = [models.Index(fields=["melding", "at"])]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"


class Assignment(AppendOnlyModel):
    """An appended line of who a melding was handed to, by whom and when (None: nobody).

    Append-only in the ORM and in the database (triggers, migration 0003_melding_assignment).
    """

    append_only_message = "Assignment history is append-only: entries cannot be changed."

    melding = models.ForeignKey(Melding, on_delete=models.PROTECT, related_name="assignments")
    at = models.DateTimeField(default=timezone.now)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("toewijzing van een melding")
        verbose_name_plural = _("toewijzingen van meldingen")
        ordering = ["melding", "at", "pk"]
        indexes = [models.Index(fields=["melding", "at"])]

    def __str__(self) -> str:
        return f"melding {self.melding_id} → {self.assigned_to_id or '—'}"
