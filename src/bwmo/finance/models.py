"""Budget parameter sets (one per circular, kept side by side) and non-client costs."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BudgetParameterSet(models.Model):
    """A circular's budget parameters (TOML), or a scenario derived from one."""

    name = models.CharField(_("naam"), max_length=150, unique=True)
    source_text = models.TextField(_("parameterbestand (TOML)"), blank=True)
    derived_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="scenarios",
        verbose_name=_("afgeleid van"),
    )
    delay_years = models.PositiveSmallIntegerField(
        _("ingroeipad later (jaren)"),
        default=0,
        help_text=_("Alleen bij een scenario: het ingroeipad start zoveel jaar later."),
    )
    description = models.CharField(_("omschrijving"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ingelezen door"),
    )
    uploaded_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("ingelezen op")
    )

    class Meta:
        verbose_name = _("budgetparameters")
        verbose_name_plural = _("budgetparameters")
        ordering = ["-uploaded_at", "name"]
        permissions = [("view_finance", _("Budget, kosten en financieel resultaat inzien"))]
        constraints = [
            models.CheckConstraint(
                name="parameter_set_has_source_or_base",
                condition=(models.Q(derived_from__isnull=True) & ~models.Q(source_text=""))
                | models.Q(derived_from__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def base(self) -> "BudgetParameterSet":
        return self.derived_from or self


class NonClientCost(models.Model):
    """Costs not bound to a client: access, contract management, a share of overhead."""

    class Kind(models.TextChoices):
        TOEGANG = "toegang", _("Toegang")
        CONTRACTBEHEER = "contractbeheer", _("Contractbeheer")
        OVERHEAD = "overhead", _("Aandeel regionale overhead")

    municipality = models.ForeignKey(
        "organisations.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("gemeente"),
    )
    year = models.PositiveSmallIntegerField(_("jaar"))
    kind = models.CharField(_("soort"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(_("bedrag (€)"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("niet-cliëntgebonden kosten")
        verbose_name_plural = _("niet-cliëntgebonden kosten")
        ordering = ["year", "municipality", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "year", "kind"], name="unique_non_client_cost"
            )
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.year} {self.get_kind_display()}"
