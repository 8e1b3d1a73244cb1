"""Responsibility: which municipality decides and pays for a case, under which rule set, why.

Rule sets are dated data per region (a region can compare the planned start date with a
postponed one). Every decision is stored with the rule set it used and its trace; a new
computation appends a decision and marks it current, so history is kept.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RuleSetVersion(models.Model):
    region = models.ForeignKey(
        "organisations.Region",
        on_delete=models.PROTECT,
        related_name="woonplaats_rule_sets",
        verbose_name=_("regio"),
    )
    version = models.CharField(_("versie"), max_length=50)
    start_date = models.DateField(
        _("ingangsdatum woonplaatsbeginsel"),
        help_text=_("Vanaf deze datum geldt het woonplaatsbeginsel (Kamerstuk 36 288)."),
    )
    lookback_months = models.PositiveSmallIntegerField(_("terugkijktermijn (maanden)"), default=12)
    effective_from = models.DateField(
        _("vastgesteld per"),
        null=True,
        blank=True,
        help_text=_("Leeg: een variant om mee te rekenen, niet (nog) vastgesteld."),
    )
    description = models.CharField(_("omschrijving"), max_length=200, blank=True)
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("aangemaakt op")
    )

    class Meta:
        verbose_name = _("regelset woonplaatsbeginsel")
        verbose_name_plural = _("regelsets woonplaatsbeginsel")
        ordering = ["region", "-effective_from", "version"]
        constraints = [
            models.UniqueConstraint(fields=["region", "version"], name="unique_rule_set_version")
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.version} (start {self.start_date:%d-%m-%Y})"


class ResponsibilityDecision(models.Model):
    class Category(models.TextChoices):
        OVERGANGSCLIENT = "overgangsclient", _("overgangscliënt")
        NIEUWE_CLIENT = "nieuwe_client", _("nieuwe cliënt")
        MO = "mo", _("maatschappelijke opvang")

    melding = models.ForeignKey(
        "toegang.Melding",
        on_delete=models.PROTECT,
        related_name="responsibility_decisions",
        verbose_name=_("melding"),
    )
    rule_set = models.ForeignKey(
        RuleSetVersion, on_delete=models.PROTECT, related_name="+", verbose_name=_("regelset")
    )
    computed_at = models.DateTimeField(default=timezone.now, verbose_name=_("berekend op"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("berekend door"),
    )
    responsible = models.ForeignKey(
        "organisations.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("verantwoordelijke gemeente"),
    )
    category = models.CharField(_("categorie"), max_length=20, choices=Category.choices)
    rule = models.CharField(_("regel"), max_length=2)
    basis = models.CharField(_("grondslag"), max_length=200)
    woonplaats_onbekend = models.BooleanField(_("woonplaats onbekend"), default=False)
    trace = models.JSONField(_("onderbouwing"), default=list)
    # bwmo.rules.woonplaats.decision_digest of the fields above: a recompute compares it
    # instead of the whole trace. Empty for a decision stored without one (then computed).
    digest = models.CharField(_("kenmerk"), max_length=32, blank=True, default="", editable=False)
    is_current = models.BooleanField(default=True, verbose_name=_("geldend"))

    class Meta:
        verbose_name = _("verantwoordelijkheidsbesluit")
        verbose_name_plural = _("verantwoordelijkheidsbesluiten")
        ordering = ["melding", "-computed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["melding"],
                condition=Q(is_current=True),
                name="one_current_decision_per_melding",
            )
        ]

    def __str__(self) -> str:
        return f"{self.responsible} ({self.rule})"


class Dispute(models.Model):
    """A disagreement between municipalities about who is responsible for a case."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open: in overleg tussen gemeenten")
        VOORGELEGD = "voorgelegd", _("Voorgelegd aan de Geschillencommissie")
        BINDEND_ADVIES = "bindend_advies", _("Bindend advies ontvangen")
        INGETROKKEN = "ingetrokken", _("Ingetrokken / opgelost in overleg")

    melding = models.ForeignKey(
        "toegang.Melding",
        on_delete=models.PROTECT,
        related_name="disputes",
        verbose_name=_("melding"),
    )
    claimant = models.ForeignKey(
        "organisations.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("gemeente die het geschil start"),
    )
    respondent = models.ForeignKey(
        "organisations.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("andere partij"),
    )
    opened_on = models.DateField(_("geschil ontstaan op"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    advice_responsible = models.ForeignKey(
        "organisations.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("verantwoordelijk volgens bindend advies"),
    )
    advice_date = models.DateField(_("datum bindend advies"), null=True, blank=True)
    note = models.TextField(_("toelichting"), blank=True)

    class Meta:
        verbose_name = _("geschil")
        verbose_name_plural = _("geschillen")
        ordering = ["-opened_on"]
        constraints = [
            models.CheckConstraint(
                name="binding_advice_complete",
                condition=~Q(status="bindend_advies")
                | (Q(advice_responsible__isnull=False) & Q(advice_date__isnull=False)),
            )
        ]

    def __str__(self) -> str:
        return f"geschil {self.claimant} – {self.respondent} ({self.get_status_display()})"
