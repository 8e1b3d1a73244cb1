"""A stored forecast run: everything needed to reproduce it exactly, and its results."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ForecastRun(models.Model):
    """One forecast of a region: its inputs (aggregates only), parameters and results.

    ``inputs`` holds the monthly counts the model read (``rules.forecast.History``, no
    person in it) and ``inputs_digest`` their fingerprint; with the parameters, the scenario,
    the seed and ``code_version`` that reproduces ``results`` exactly."""

    class Status(models.TextChoices):
        PENDING = "pending", _("In de wachtrij")
        RUNNING = "running", _("Bezig")
        DONE = "done", _("Klaar")
        FAILED = "failed", _("Mislukt")

    region = models.ForeignKey(
        "organisations.Region",
        on_delete=models.PROTECT,
        related_name="forecast_runs",
        verbose_name=_("regio"),
    )
    cutoff = models.DateField(_("gegevens tot (peildatum)"))
    years = models.PositiveSmallIntegerField(_("jaren vooruit"))
    runs = models.PositiveIntegerField(_("aantal simulaties"))
    seed = models.BigIntegerField(_("startwaarde toeval (seed)"))
    indexation_pct = models.FloatField(_("tariefindexatie per jaar (%)"), default=0.0)
    with_backtest = models.BooleanField(_("met backtest"), default=False)
    scenario = models.JSONField(_("scenario"), default=dict)
    parameter_set = models.ForeignKey(
        "finance.BudgetParameterSet",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("budgetparameters"),
    )
    places = models.JSONField(
        _("gecontracteerde plaatsen"),
        default=list,
        help_text=_(
            "Per product en jaar de bekende plaatsen bij de start: [product, jaar, plaatsen]."
        ),
    )
    code_version = models.CharField(_("versie van de rekenregels"), max_length=60)
    inputs = models.BinaryField(_("invoer (geaggregeerde tellingen)"))
    inputs_digest = models.CharField(_("vingerafdruk van de invoer"), max_length=64)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    error = models.TextField(_("foutmelding"), blank=True)
    results = models.JSONField(_("uitkomsten"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gestart door"),
    )
    created_at = models.DateTimeField(_("gestart op"), default=timezone.now, editable=False)
    finished_at = models.DateTimeField(_("klaar op"), null=True, blank=True)
    seconds = models.FloatField(_("rekentijd (s)"), null=True, blank=True)

    class Meta:
        verbose_name = _("prognose")
        verbose_name_plural = _("prognoses")
        ordering = ["-created_at", "-pk"]
        permissions = [("view_forecast", _("De prognose inzien en berekenen"))]

    def __str__(self) -> str:
        name = (self.scenario or {}).get("name", "basis")
        return f"{self.region} {self.cutoff} ({name})"
