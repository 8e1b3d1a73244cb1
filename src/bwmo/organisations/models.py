"""Municipalities, BW/MO regions, organisations, providers and mandates.

Everything here is dated where it can change (region membership, mandates), so that a
question about last year is answered with last year's arrangement.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

cbs_code_validator = RegexValidator(
    r"^GM\d{4}$", _("Een CBS-gemeentecode bestaat uit 'GM' en vier cijfers, bijvoorbeeld GM0106.")
)
agb_code_validator = RegexValidator(r"^\d{8}$", _("Een AGB-code bestaat uit acht cijfers."))


class ProductKind(models.TextChoices):
    BW = "BW", _("Beschermd Wonen")
    MO = "MO", _("Maatschappelijke Opvang")


def _validate_period(start, end):
    if start and end and end < start:
        raise ValidationError({"valid_to": _("De einddatum ligt vóór de begindatum.")})


class CurrentQuerySet(models.QuerySet):
    """Rows with ``valid_from``/``valid_to`` that are in force on a given day."""

    def valid_on(self, day: date):
        return self.filter(Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day))


class Municipality(models.Model):
    code = models.CharField(
        _("CBS-code"), max_length=6, primary_key=True, validators=[cbs_code_validator]
    )
    name = models.CharField(_("naam"), max_length=100)
    province = models.CharField(_("provincie"), max_length=50)
    inhabitants = models.PositiveIntegerField(
        _("inwonertal"),
        null=True,
        blank=True,
        help_text=_("Voor verevening naar inwonertal; bijvoorbeeld van CBS, 1 januari."),
    )

    class Meta:
        verbose_name = _("gemeente")
        verbose_name_plural = _("gemeenten")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def iwmo_code(self) -> str:
        """The four digits iWmo uses as sender/receiver code."""
        return self.code[2:]


class Region(models.Model):
    name = models.CharField(_("naam"), max_length=100, unique=True)
    centrumgemeente = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name=_("centrumgemeente")
    )
    valid_from = models.DateField(_("geldig vanaf"), default=date(2015, 1, 1))
    valid_to = models.DateField(_("geldig tot en met"), null=True, blank=True)
    # The through model is named by string (it is defined below), so mypy needs it spelled out.
    members: "models.ManyToManyField[Municipality, RegionMembership]" = models.ManyToManyField(
        Municipality,
        through="RegionMembership",
        related_name="regions",
        verbose_name=_("gemeenten"),
    )

    objects = CurrentQuerySet.as_manager()

    class Meta:
        verbose_name = _("BW/MO-regio")
        verbose_name_plural = _("BW/MO-regio's")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        _validate_period(self.valid_from, self.valid_to)


class RegionMembership(models.Model):
    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("regio")
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="region_memberships",
        verbose_name=_("gemeente"),
    )
    valid_from = models.DateField(_("geldig vanaf"), default=date(2015, 1, 1))
    valid_to = models.DateField(_("geldig tot en met"), null=True, blank=True)

    objects = CurrentQuerySet.as_manager()

    class Meta:
        verbose_name = _("regiolidmaatschap")
        verbose_name_plural = _("regiolidmaatschappen")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "municipality", "valid_from"], name="unique_region_membership"
            )
        ]

    def __str__(self) -> str:
        return f"{self.municipality} in {self.region}"

    def clean(self):
        _validate_period(self.valid_from, self.valid_to)


class Provider(models.Model):
    """A care provider (aanbieder), identified in iWmo by its AGB code."""

    name = models.CharField(_("naam"), max_length=150)
    agb_code = models.CharField(
        _("AGB-code"), max_length=8, unique=True, validators=[agb_code_validator]
    )
    kvk_number = models.CharField(_("KvK-nummer"), max_length=8, blank=True)
    is_opvanginstelling = models.BooleanField(_("opvanginstelling (MO)"), default=False)

    class Meta:
        verbose_name = _("aanbieder")
        verbose_name_plural = _("aanbieders")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    class Kind(models.TextChoices):
        GEMEENTE = "gemeente", _("Gemeente")
        TOEGANG = "toegang", _("Toegangsorganisatie (mandaat)")
        AANBIEDER = "aanbieder", _("Aanbieder")
        REGIO = "regio", _("Regio")

    name = models.CharField(_("naam"), max_length=150, unique=True)
    kind = models.CharField(_("soort"), max_length=20, choices=Kind.choices)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        verbose_name=_("gemeente"),
    )
    provider = models.OneToOneField(
        Provider,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisation",
        verbose_name=_("aanbieder"),
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        verbose_name=_("regio"),
    )

    class Meta:
        verbose_name = _("organisatie")
        verbose_name_plural = _("organisaties")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="organisation_kind_matches_link",
                condition=(
                    Q(kind="gemeente", municipality__isnull=False)
                    | Q(kind="aanbieder", provider__isnull=False)
                    | Q(kind="regio", region__isnull=False)
                    | Q(kind="toegang")
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        required = {
            self.Kind.GEMEENTE: ("municipality", _("Kies de gemeente van deze organisatie.")),
            self.Kind.AANBIEDER: ("provider", _("Kies de aanbieder van deze organisatie.")),
            self.Kind.REGIO: ("region", _("Kies de regio van deze organisatie.")),
        }
        if self.kind in required:
            field, message = required[self.kind]
            if getattr(self, f"{field}_id") is None:
                raise ValidationError({field: message})


class Mandate(models.Model):
    """A municipality lets another organisation decide on its behalf (for BW or MO)."""

    grantor = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="mandates_granted",
        verbose_name=_("mandaatgever"),
    )
    holder = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="mandates_held",
        verbose_name=_("mandaathouder"),
    )
    product_kind = models.CharField(_("voor"), max_length=2, choices=ProductKind.choices)
    valid_from = models.DateField(_("geldig vanaf"))
    valid_to = models.DateField(_("geldig tot en met"), null=True, blank=True)
    description = models.CharField(_("omschrijving"), max_length=200, blank=True)

    objects = CurrentQuerySet.as_manager()

    class Meta:
        verbose_name = _("mandaat")
        verbose_name_plural = _("mandaten")
        ordering = ["grantor", "holder"]

    def __str__(self) -> str:
        return f"{self.grantor} → {self.holder} ({self.product_kind})"

    def clean(self):
        _validate_period(self.valid_from, self.valid_to)
