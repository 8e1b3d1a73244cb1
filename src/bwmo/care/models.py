"""Products, contracts and tariffs (dated data), and a client's indications, stays and outflow."""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from bwmo.organisations.models import CurrentQuerySet, ProductKind
from bwmo.rules import contract_terms


def _period_constraint(name: str, start: str, end: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        name=name, condition=Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": F(start)})
    )


class Financing(models.TextChoices):
    ZIN = "ZIN", _("Zorg in natura (ZIN)")
    PGB = "PGB", _("Persoonsgebonden budget (PGB)")


class MoType(models.TextChoices):
    NACHTOPVANG = "nachtopvang", _("Nachtopvang")
    DAGOPVANG = "dagopvang", _("Dagopvang")
    CRISISOPVANG = "crisisopvang", _("Crisisopvang")
    TRAJECTPLAATS = "trajectplaats", _("Trajectplaats")


class Unit(models.TextChoices):
    WEEK = "week", _("per week")
    ETMAAL = "etmaal", _("per etmaal")


class Product(models.Model):
    """A product of the region's catalogue: a BW (tussen)vorm or an MO type."""

    class IwmoCategory(models.TextChoices):
        BESCHERMD_WONEN = "15", _("15 Beschermd wonen")
        OPVANG = "16", _("16 Opvang")
        SPOEDOPVANG = "17", _("17 Spoedopvang")
        OVERIG = "18", _("18 Overige beschermd wonen en opvang")

    code = models.CharField(_("productcode (iWmo)"), max_length=5)
    name = models.CharField(_("naam"), max_length=100)
    kind = models.CharField(_("domein"), max_length=2, choices=ProductKind.choices)
    counts_as_bw_by_law = models.BooleanField(
        _("telt wettelijk als beschermd wonen"),
        default=False,
        help_text=_(
            "Valt onder de wettelijke definitie van beschermd wonen (Wmo 2015 art. 1.1.1)."
        ),
    )
    mo_type = models.CharField(_("soort opvang"), max_length=20, choices=MoType.choices, blank=True)
    iwmo_category = models.CharField(
        _("productcategorie (iWmo)"), max_length=2, choices=IwmoCategory.choices
    )
    unit = models.CharField(_("eenheid"), max_length=10, choices=Unit.choices, default=Unit.WEEK)
    intensity_rank = models.PositiveSmallIntegerField(
        _("intensiteit"),
        default=0,
        help_text=_(
            "Hoger is intensiever; bepaalt of een productwissel afschalen of opschalen is."
        ),
    )
    valid_from = models.DateField(_("geldig vanaf"))
    valid_to = models.DateField(_("geldig tot en met"), null=True, blank=True)

    objects = CurrentQuerySet.as_manager()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("producten")
        ordering = ["kind", "-intensity_rank", "name"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="unique_product_code"),
            _period_constraint("product_period_ordered", "valid_from", "valid_to"),
        ]

    def __str__(self) -> str:
        return self.name


class Contract(models.Model):
    provider = models.ForeignKey(
        "organisations.Provider",
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("aanbieder"),
    )
    region = models.ForeignKey(
        "organisations.Region",
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("regio"),
    )
    reference = models.CharField(_("kenmerk"), max_length=50, unique=True)
    valid_from = models.DateField(_("ingangsdatum"))
    valid_to = models.DateField(_("einddatum (zonder verlenging)"))
    extension_options = models.PositiveSmallIntegerField(_("aantal verlengingsopties"), default=2)
    extension_years = models.PositiveSmallIntegerField(_("jaren per verlenging"), default=2)
    extensions_used = models.PositiveSmallIntegerField(_("gebruikte verlengingen"), default=0)
    notice_months = models.PositiveSmallIntegerField(
        _("besluittermijn verlenging (maanden)"),
        default=6,
        help_text=_(
            "Zoveel maanden vóór de einddatum moet het besluit over de volgende "
            "verlengingsoptie genomen zijn."
        ),
    )
    products = models.ManyToManyField(
        Product, related_name="contracts", blank=True, verbose_name=_("producten")
    )

    objects = CurrentQuerySet.as_manager()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracten")
        ordering = ["provider", "valid_from"]
        constraints = [_period_constraint("contract_period_ordered", "valid_from", "valid_to")]

    def __str__(self) -> str:
        return f"{self.reference} ({self.provider})"

    def clean(self):
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("De einddatum ligt vóór de ingangsdatum.")})
        if self.extensions_used > self.extension_options:
            raise ValidationError(
                {"extensions_used": _("Er zijn meer verlengingen gebruikt dan er opties zijn.")}
            )

    def terms(self) -> "contract_terms.Terms":
        """The contract's terms with its recorded extension decisions (reads ``extensions``;
        prefetch it for a list)."""
        by_option = {e.option: contract_terms.Decision(e.decision) for e in self.extensions.all()}
        return contract_terms.Terms(
            initial_end=self.valid_to,
            options=self.extension_options,
            years_per_option=self.extension_years,
            notice_months=self.notice_months,
            decisions=tuple(
                by_option.get(o, contract_terms.Decision.OPEN)
                for o in range(1, self.extension_options + 1)
            ),
        )

    def terms_state(self) -> "contract_terms.TermsState":
        return contract_terms.terms_state(self.terms())

    @property
    def latest_possible_end(self):
        """The last day with every option that can still be taken taken."""
        return self.terms_state().latest_possible_end


class ContractExtension(models.Model):
    """The decision about one extension option of a contract (option 1, 2, …)."""

    class Decision(models.TextChoices):
        OPEN = contract_terms.Decision.OPEN.value, _("open")
        VERLENGD = contract_terms.Decision.VERLENGD.value, _("verlengd")
        NIET_VERLENGD = contract_terms.Decision.NIET_VERLENGD.value, _("niet verlengd")

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="extensions", verbose_name=_("contract")
    )
    option = models.PositiveSmallIntegerField(_("verlengingsoptie"))
    decision = models.CharField(_("besluit"), max_length=20, choices=Decision.choices)
    decided_on = models.DateField(_("besloten op"), null=True, blank=True)
    note = models.CharField(_("toelichting"), max_length=300, blank=True)
    recorded_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("vastgelegd op")
    )
    recorded_by = models.CharField(_("vastgelegd door"), max_length=150, blank=True, editable=False)

    class Meta:
        verbose_name = _("verlengingsbesluit")
        verbose_name_plural = _("verlengingsbesluiten")
        ordering = ["contract", "option"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "option"], name="unique_contract_extension_option"
            )
        ]

    def __str__(self) -> str:
        return _("optie %(option)s: %(decision)s") % {
            "option": self.option,
            "decision": self.get_decision_display(),
        }


class ProviderLocation(models.Model):
    """A place where a provider delivers care: a municipality, as stays record it."""

    provider = models.ForeignKey(
        "organisations.Provider",
        on_delete=models.PROTECT,
        related_name="locations",
        verbose_name=_("aanbieder"),
    )
    municipality = models.ForeignKey(
        "organisations.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("gemeente"),
    )
    name = models.CharField(_("naam van de locatie"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("locatie van een aanbieder")
        verbose_name_plural = _("locaties van aanbieders")
        ordering = ["provider", "municipality"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "municipality"], name="unique_provider_location"
            )
        ]

    def __str__(self) -> str:
        place = self.municipality.name
        return (
            f"{self.provider} – {self.name} ({place})"
            if self.name
            else f"{self.provider} – {place}"
        )


class ContractCapacity(models.Model):
    """Contracted places of one product at one location of the contract's provider, for a
    period. A change of places from a date is a new row; the earlier one is closed the day
    before, never overwritten (``bwmo.care.services.contract_capacity_record``)."""

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="capacities", verbose_name=_("contract")
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="capacities", verbose_name=_("product")
    )
    location = models.ForeignKey(
        ProviderLocation,
        on_delete=models.PROTECT,
        related_name="capacities",
        verbose_name=_("locatie"),
    )
    places = models.PositiveIntegerField(_("aantal plaatsen"))
    valid_from = models.DateField(_("geldig vanaf"))
    valid_to = models.DateField(_("geldig tot en met"), null=True, blank=True)
    recorded_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("vastgelegd op")
    )
    recorded_by = models.CharField(_("vastgelegd door"), max_length=150, blank=True, editable=False)

    objects = CurrentQuerySet.as_manager()

    class Meta:
        verbose_name = _("gecontracteerde capaciteit")
        verbose_name_plural = _("gecontracteerde capaciteit")
        ordering = ["contract", "location", "product", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "product", "location", "valid_from"],
                name="unique_capacity_start",
            ),
            _period_constraint("capacity_period_ordered", "valid_from", "valid_to"),
        ]

    def __str__(self) -> str:
        return _("%(places)s plaatsen %(product)s vanaf %(start)s") % {
            "places": self.places,
            "product": self.product,
            "start": self.valid_from.strftime("%d-%m-%Y"),
        }


class Tariff(models.Model):
    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="tariffs", verbose_name=_("contract")
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="tariffs", verbose_name=_("product")
    )
    amount = models.DecimalField(
        _("bedrag (€)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    unit = models.CharField(_("eenheid"), max_length=10, choices=Unit.choices)
    valid_from = models.DateField(_("geldig vanaf"))
    valid_to = models.DateField(_("geldig tot en met"), null=True, blank=True)

    objects = CurrentQuerySet.as_manager()

    class Meta:
        verbose_name = _("tarief")
        verbose_name_plural = _("tarieven")
        ordering = ["contract", "product", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "product", "valid_from"], name="unique_tariff_start"
            ),
            _period_constraint("tariff_period_ordered", "valid_from", "valid_to"),
        ]

    def __str__(self) -> str:
        # "€ 900,00 per week" on the Dutch screens, not Python's "900.00".
        amount = number_format(self.amount, 2, use_l10n=True, force_grouping=True)
        return f"{self.product} € {amount} {self.get_unit_display()}"

    def clean(self):
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError(
                {"valid_to": _("De einddatum van het tarief ligt vóór de ingangsdatum.")}
            )


class Indication(models.Model):
    """A granted provision (maatwerkvoorziening): the result of a toekenning."""

    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.PROTECT,
        related_name="indications",
        verbose_name=_("cliënt"),
    )
    melding = models.ForeignKey(
        "toegang.Melding",
        on_delete=models.PROTECT,
        related_name="indications",
        verbose_name=_("melding"),
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="indications", verbose_name=_("product")
    )
    financing = models.CharField(_("financiering"), max_length=3, choices=Financing.choices)
    provider = models.ForeignKey(
        "organisations.Provider",
        on_delete=models.PROTECT,
        related_name="indications",
        null=True,
        blank=True,
        verbose_name=_("aanbieder"),
    )
    responsible_municipality = models.ForeignKey(
        "organisations.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("verantwoordelijke gemeente"),
    )
    valid_from = models.DateField(_("ingangsdatum"))
    valid_to = models.DateField(_("einddatum"), null=True, blank=True)
    started_on = models.DateField(_("verzilverd op"), null=True, blank=True)
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("aangemaakt op")
    )

    objects = CurrentQuerySet.as_manager()

    class Meta:
        verbose_name = _("indicatie")
        verbose_name_plural = _("indicaties")
        ordering = ["client", "valid_from"]
        indexes = [
            models.Index(fields=["provider", "valid_to"]),
            models.Index(fields=["responsible_municipality", "valid_from"]),
        ]
        constraints = [_period_constraint("indication_period_ordered", "valid_from", "valid_to")]

    def __str__(self) -> str:
        return f"{self.product} {self.valid_from}–{self.valid_to or ''}"


class Stay(models.Model):
    """A period in which a client actually stays with a provider (at a location)."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="stays", verbose_name=_("cliënt")
    )
    indication = models.ForeignKey(
        Indication,
        on_delete=models.PROTECT,
        related_name="stays",
        null=True,
        blank=True,
        verbose_name=_("indicatie"),
    )
    provider = models.ForeignKey(
        "organisations.Provider",
        on_delete=models.PROTECT,
        related_name="stays",
        verbose_name=_("aanbieder"),
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="stays", verbose_name=_("product")
    )
    location = models.ForeignKey(
        "organisations.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("locatie (gemeente)"),
    )
    start = models.DateField(_("begindatum"))
    end = models.DateField(_("einddatum"), null=True, blank=True)
    placement_reason = models.CharField(
        _("motivering plaatsing buiten de regio"),
        max_length=300,
        blank=True,
        help_text=_("Waarom deze plek buiten de regio de beste plek voor herstel is."),
    )
    version = models.PositiveIntegerField(default=1, editable=False, verbose_name=_("versie"))

    class Meta:
        verbose_name = _("verblijf")
        verbose_name_plural = _("verblijven")
        ordering = ["client", "start"]
        indexes = [
            models.Index(fields=["client", "start"]),
            models.Index(fields=["location", "end"]),
        ]
        constraints = [_period_constraint("stay_period_ordered", "start", "end")]

    def __str__(self) -> str:
        return f"{self.product} {self.start}–{self.end or ''}"

    @property
    def outflow(self) -> "Outflow | None":
        """The outflow that ended this stay; a withdrawn one (the end was taken back) is
        kept as history but no longer counts. Reads ``outflows`` (prefetch it for a list)."""
        return next((o for o in self.outflows.all() if o.withdrawn_at is None), None)


class OutflowReason(models.TextChoices):
    ZELFSTANDIG = "zelfstandig", _("Zelfstandig wonen")
    AFSCHALEN = "afschalen", _("Naar een lichtere vorm (afschalen)")
    OPSCHALEN = "opschalen", _("Naar een zwaardere vorm (opschalen)")
    WLZ = "wlz", _("Naar de Wlz")
    NAAR_MO = "naar_mo", _("Naar de maatschappelijke opvang")
    NAAR_BW = "naar_bw", _("Naar beschermd wonen")
    VERHUISD = "verhuisd", _("Verhuisd buiten de regio")
    DETENTIE = "detentie", _("Detentie")
    OVERLEDEN = "overleden", _("Overleden")
    ONBEKEND = "onbekend", _("Onbekend / uit beeld")


class OutflowQuerySet(models.QuerySet):
    def current(self) -> "OutflowQuerySet":
        """Outflow that counts: not withdrawn."""
        return self.filter(withdrawn_at__isnull=True)


class Outflow(models.Model):
    """A stay ended, with its reason. Never deleted: an end that is taken back (a provider
    withdraws its stop) is marked withdrawn, and a stay has at most one outflow that is not."""

    stay = models.ForeignKey(
        Stay, on_delete=models.PROTECT, related_name="outflows", verbose_name=_("verblijf")
    )
    date = models.DateField(_("datum uitstroom"))
    reason = models.CharField(_("reden"), max_length=20, choices=OutflowReason.choices)
    recorded_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("vastgelegd op")
    )
    withdrawn_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True, editable=False)
    withdrawn_by = models.CharField(
        _("ingetrokken door"), max_length=100, blank=True, editable=False
    )

    objects = OutflowQuerySet.as_manager()

    class Meta:
        verbose_name = _("uitstroom")
        verbose_name_plural = _("uitstroom")
        constraints = [
            models.UniqueConstraint(
                fields=["stay"],
                condition=Q(withdrawn_at__isnull=True),
                name="outflow_one_current_per_stay",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} {self.date}"


class WlzApplication(models.Model):
    """An application for the Wlz; while pending the Wmo indication continues."""

    class Status(models.TextChoices):
        AANGEVRAAGD = "aangevraagd", _("Aangevraagd, besluit CIZ volgt")
        TOEGEKEND = "toegekend", _("Toegekend")
        AFGEWEZEN = "afgewezen", _("Afgewezen")

    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.PROTECT,
        related_name="wlz_applications",
        verbose_name=_("cliënt"),
    )
    applied_on = models.DateField(_("aangevraagd op"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    decided_on = models.DateField(_("besluit op"), null=True, blank=True)

    class Meta:
        verbose_name = _("Wlz-aanvraag")
        verbose_name_plural = _("Wlz-aanvragen")
        ordering = ["client", "applied_on"]

    def __str__(self) -> str:
        return f"Wlz {self.get_status_display()} {self.applied_on}"
