"""iWmo message traffic: allocations sent, messages in and out, requests and declarations.

A message's XML holds personal data (BSN, name, address): it is only shown through the
messaging views, which check scope and write the access log.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    # Direction is where a message goes, not whether it has gone: an outbound message that
    # is still waiting is "Uitgaand", its status says "Klaar om te verzenden".
    IN = "in", _("Inkomend (van de aanbieder)")
    OUT = "uit", _("Uitgaand (naar de aanbieder)")


class MessageStatus(models.TextChoices):
    # outbound
    PENDING = "klaar", _("Klaar om te verzenden")
    SENT = "verzonden", _("Verzonden")
    # inbound
    ACCEPTED = "goedgekeurd", _("Goedgekeurd")
    PARTIAL = "deels", _("Deels afgekeurd")
    REJECTED = "afgekeurd", _("Afgekeurd")
    INVALID = "ongeldig", _("Ongeldig (XSD), niet verwerkt")


MESSAGE_TYPES = [
    ("WMO301", _("WMO301 Toewijzing")),
    ("WMO305", _("WMO305 Start zorg")),
    ("WMO306", _("WMO306 Retour start zorg")),
    ("WMO307", _("WMO307 Stop zorg")),
    ("WMO308", _("WMO308 Retour stop zorg")),
    ("WMO315", _("WMO315 Verzoek om toewijzing")),
    ("WMO316", _("WMO316 Retour verzoek om toewijzing")),
    ("WMO317", _("WMO317 Verzoek om wijziging")),
    ("WMO318", _("WMO318 Retour verzoek om wijziging")),
    ("WMO319", _("WMO319 Antwoord op verzoek")),
    ("WMO323", _("WMO323 Declaratie")),
    ("WMO325", _("WMO325 Declaratie-antwoord")),
    ("onbekend", _("Onbekend bericht")),
]


class Message(models.Model):
    """One iWmo file, in or out, with its processing outcome."""

    direction = models.CharField(_("richting"), max_length=3, choices=Direction.choices)
    message_type = models.CharField(_("bericht"), max_length=8, choices=MESSAGE_TYPES)
    status = models.CharField(_("status"), max_length=12, choices=MessageStatus.choices)
    municipality = models.ForeignKey(
        "organisations.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("gemeente"),
    )
    provider = models.ForeignKey(
        "organisations.Provider",
        on_delete=models.PROTECT,
        related_name="messages",
        null=True,
        blank=True,
        verbose_name=_("aanbieder"),
    )
    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("cliënt"),
    )
    sender = models.CharField(_("afzender"), max_length=8, blank=True)
    receiver = models.CharField(_("ontvanger"), max_length=8, blank=True)
    identification = models.CharField(_("berichtidentificatie"), max_length=12, blank=True)
    dated = models.DateField(_("dagtekening"), null=True, blank=True)
    filename = models.CharField(_("bestand"), max_length=255, blank=True)
    sha256 = models.CharField(
        max_length=64, blank=True, db_index=True, verbose_name=_("controlegetal (SHA-256)")
    )
    content = models.TextField(_("inhoud"), blank=True)
    errors = models.JSONField(_("bevindingen"), default=list, blank=True)
    retour_codes = models.JSONField(_("retourcodes"), default=list, blank=True)
    payload = models.JSONField(
        default=dict, blank=True, verbose_name=_("berichtgegevens")
    )  # what a pending message is built from
    reply_to = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        related_name="replies",
        null=True,
        blank=True,
        verbose_name=_("antwoord op"),
    )
    created_at = models.DateTimeField(_("aangemaakt"), default=timezone.now)
    processed_at = models.DateTimeField(_("verwerkt / verzonden"), null=True, blank=True)
    # The outbox: an outbound file (a 301/319, or the answer to a received file) is recorded
    # with its content, folder and file name in the transaction that made it; the file is
    # written after that commit, and ``written_at`` set. A run first writes what a crash left
    # recorded but unwritten. Empty ``folder``: kept for download only, never written.
    folder = models.CharField(_("uitwisselmap"), max_length=1024, blank=True)
    written_at = models.DateTimeField(_("in de map geschreven"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("ingelezen door"),
    )

    class Meta:
        verbose_name = _("iWmo-bericht")
        verbose_name_plural = _("iWmo-berichten")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["municipality", "direction", "created_at"]),
            models.Index(fields=["status", "direction"]),
            models.Index(fields=["sender", "message_type", "identification"]),
            models.Index(
                fields=["direction", "written_at"],
                condition=Q(direction="uit", written_at__isnull=True) & ~Q(folder=""),
                name="outbox_unwritten",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["sha256"],
                condition=Q(direction="in") & ~Q(sha256=""),
                name="inbound_file_once",
            ),
            models.UniqueConstraint(
                fields=["direction", "message_type", "sender", "identification"],
                condition=Q(direction="uit") & ~Q(identification=""),
                name="identification_unique_per_sender",
            ),
        ]
        permissions = [("exchange_iwmo", _("iWmo-berichten uitwisselen en inzien"))]

    def __str__(self) -> str:
        return f"{self.message_type} {self.identification or self.pk}"

    @property
    def awaiting_file(self) -> bool:
        """Recorded for the exchange folder, but the file is not there yet."""
        return self.direction == Direction.OUT and bool(self.folder) and self.written_at is None


class Allocation(models.Model):
    """The toewijzing of an indication at its provider; ToewijzingNummer = ``number``."""

    indication = models.OneToOneField(
        "care.Indication",
        on_delete=models.PROTECT,
        related_name="allocation",
        verbose_name=_("indicatie"),
    )
    number = models.PositiveIntegerField(_("toewijzingnummer"), unique=True)
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="+", verbose_name=_("cliënt")
    )
    municipality = models.ForeignKey(
        "organisations.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("gemeente"),
    )
    provider = models.ForeignKey(
        "organisations.Provider",
        on_delete=models.PROTECT,
        related_name="allocations",
        verbose_name=_("aanbieder"),
    )
    category = models.CharField(_("productcategorie"), max_length=2)
    product_code = models.CharField(_("productcode"), max_length=5)
    start = models.DateField(_("ingangsdatum"))
    end = models.DateField(_("einddatum"), null=True, blank=True)
    volume = models.PositiveIntegerField(_("volume"))
    unit = models.CharField(_("eenheid"), max_length=2)
    frequency = models.CharField(_("frequentie"), max_length=1)
    reason_change = models.CharField(_("reden wijziging"), max_length=2, blank=True)
    reference_provider = models.CharField(_("referentie aanbieder"), max_length=20, blank=True)
    allocated_at = models.DateTimeField(_("toewijzingsmoment"))
    changed_at = models.DateTimeField(default=timezone.now, verbose_name=_("gewijzigd op"))
    needs_sending = models.BooleanField(default=True, verbose_name=_("nog te verzenden"))
    last_message = models.ForeignKey(
        Message,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("laatste bericht"),
    )

    class Meta:
        verbose_name = _("toewijzing")
        verbose_name_plural = _("toewijzingen")
        ordering = ["number"]
        indexes = [models.Index(fields=["client", "provider"])]

    def __str__(self) -> str:
        return f"toewijzing {self.number}"

    @property
    def waiting_reason(self) -> str:
        """Why a changed allocation is not on its way to the provider ("" if it is)."""
        if self.needs_sending and not self.client.bsn:
            return str(_("BSN ontbreekt: de toewijzing wacht tot het BSN bekend is"))
        return ""


class DeliveryEvent(models.Model):
    """A start (305) or stop (307) of care the provider reported on an allocation."""

    class Kind(models.TextChoices):
        START = "start", _("Start zorg")
        STOP = "stop", _("Stop zorg")

    # Empty for care that started before the traffic went through bwmo (taken over history).
    message = models.ForeignKey(
        Message,
        on_delete=models.PROTECT,
        related_name="events",
        null=True,
        blank=True,
        verbose_name=_("bericht"),
    )
    allocation = models.ForeignKey(
        Allocation, on_delete=models.PROTECT, related_name="events", verbose_name=_("toewijzing")
    )
    kind = models.CharField(max_length=5, choices=Kind.choices, verbose_name=_("soort"))
    # Product and allocation start as the provider sent them: part of the key of a start that
    # its stop must repeat (TR382).
    category = models.CharField(max_length=2, blank=True, verbose_name=_("productcategorie"))
    product_code = models.CharField(max_length=5, blank=True, verbose_name=_("productcode"))
    allocation_start = models.DateField(
        null=True, blank=True, verbose_name=_("ingangsdatum toewijzing")
    )
    begin = models.DateField(_("begindatum"))
    end = models.DateField(_("einddatum"), null=True, blank=True)
    reason = models.CharField(_("reden beëindiging"), max_length=2, blank=True)
    status_aanlevering = models.CharField(max_length=1, verbose_name=_("status aanlevering"))
    withdrawn = models.BooleanField(default=False, verbose_name=_("ingetrokken"))

    class Meta:
        verbose_name = _("leveringsgebeurtenis")
        verbose_name_plural = _("leveringsgebeurtenissen")
        ordering = ["allocation", "begin", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.begin}"

    @property
    def reason_label(self) -> str:
        """``Overlijden (02)``: the end reason in words (WMO588), the code beside it."""
        from .codelists import meaning

        text = meaning("WMO588", self.reason) if self.reason else ""
        return f"{text} ({self.reason})" if text else self.reason


class AllocationRequest(models.Model):
    """A provider's request (315) or change request (317), in the access worker's work list."""

    class Kind(models.TextChoices):
        TOEWIJZING = "315", _("Verzoek om toewijzing")
        WIJZIGING = "317", _("Verzoek om wijziging")

    class Status(models.TextChoices):
        OPEN = "open", _("Nieuw")
        IN_ONDERZOEK = "onderzoek", _("In onderzoek")
        AFGEWEZEN = "afgewezen", _("Afgewezen")
        TOEGEWEZEN = "toegewezen", _("Toegewezen")

    class RejectionReason(models.TextChoices):
        NIEUWE_AANVRAAG = "1", _("Geen wijziging, maar nieuwe aanvraag")
        BUDGET = "2", _("Past niet binnen budget")
        GEEN_CONTRACT = "3", _("Geen contract")
        CONTRACT = "4", _("Past niet binnen contract")
        ANDERE_GEMEENTE = "5", _("Andere gemeente")
        STAPELING = "6", _("Stapeling")
        ZORGINHOUDELIJK = "7", _("Zorginhoudelijke afkeur")
        WOONPLAATSBEGINSEL = "8", _("Woonplaatsbeginsel")
        LEEFTIJD = "9", _("Leeftijdsgrens is bereikt")

    message = models.ForeignKey(
        Message, on_delete=models.PROTECT, related_name="requests", verbose_name=_("bericht")
    )
    kind = models.CharField(_("soort"), max_length=3, choices=Kind.choices)
    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("cliënt"),
    )
    bsn = models.CharField(_("BSN"), max_length=9)
    municipality = models.ForeignKey(
        "organisations.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("gemeente"),
    )
    provider = models.ForeignKey(
        "organisations.Provider", on_delete=models.PROTECT, verbose_name=_("aanbieder")
    )
    reference = models.CharField(_("referentie aanbieder"), max_length=20)
    reason = models.CharField(_("reden verzoek"), max_length=1, blank=True)
    products = models.JSONField(_("gevraagde producten"), default=list)
    received_on = models.DateField(_("ontvangen op"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    rejection_reason = models.CharField(
        _("reden afwijzing"), max_length=1, choices=RejectionReason.choices, blank=True
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("beantwoord door"),
    )
    answered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("beantwoord op"))
    version = models.PositiveIntegerField(default=1, verbose_name=_("versie"))

    class Meta:
        verbose_name = _("verzoek van aanbieder")
        verbose_name_plural = _("verzoeken van aanbieders")
        ordering = ["received_on", "pk"]
        indexes = [models.Index(fields=["municipality", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"


class Declaration(models.Model):
    """A provider's declaration (323) for one month, with what was approved (325)."""

    message = models.OneToOneField(
        Message, on_delete=models.PROTECT, related_name="declaration", verbose_name=_("bericht")
    )
    municipality = models.ForeignKey(
        "organisations.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("gemeente"),
    )
    provider = models.ForeignKey(
        "organisations.Provider",
        on_delete=models.PROTECT,
        related_name="declarations",
        verbose_name=_("aanbieder"),
    )
    number = models.CharField(_("declaratienummer"), max_length=12)
    period_start = models.DateField(_("periode vanaf"))
    period_end = models.DateField(_("periode tot en met"))
    submitted_cents = models.BigIntegerField(_("ingediend (cent)"))
    approved_cents = models.BigIntegerField(_("toegekend (cent)"))

    class Meta:
        verbose_name = _("declaratie")
        verbose_name_plural = _("declaraties")
        ordering = ["-period_start", "provider"]
        indexes = [
            models.Index(fields=["municipality", "period_start"]),
            models.Index(fields=["provider", "number"]),
        ]

    def __str__(self) -> str:
        return f"declaratie {self.number}"


class DeclarationLine(models.Model):
    """One Prestatie of a declaration, with its outcome."""

    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="lines", verbose_name=_("declaratie")
    )
    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("cliënt"),
    )
    allocation = models.ForeignKey(
        Allocation,
        on_delete=models.PROTECT,
        related_name="lines",
        null=True,
        blank=True,
        verbose_name=_("toewijzing"),
    )
    allocation_number = models.PositiveIntegerField(_("toewijzingnummer"))
    reference = models.CharField(_("referentienummer"), max_length=20)
    previous_reference = models.CharField(
        max_length=20, blank=True, verbose_name=_("vorige referentie")
    )
    category = models.CharField(max_length=2, verbose_name=_("productcategorie"))
    product_code = models.CharField(max_length=5, verbose_name=_("productcode"))
    period_start = models.DateField(verbose_name=_("periode vanaf"))
    period_end = models.DateField(verbose_name=_("periode tot en met"))
    volume = models.PositiveIntegerField(verbose_name=_("volume"))
    unit = models.CharField(max_length=2, verbose_name=_("eenheid"))
    tariff_cents = models.BigIntegerField(null=True, blank=True, verbose_name=_("tarief (cent)"))
    amount_cents = models.BigIntegerField(_("bedrag (cent, credit negatief)"))
    approved = models.BooleanField(_("toegekend"))
    codes = models.JSONField(_("retourcodes"), default=list)
    findings = models.JSONField(_("bevindingen"), default=list)

    class Meta:
        verbose_name = _("declaratieregel")
        verbose_name_plural = _("declaratieregels")
        ordering = ["declaration", "pk"]
        indexes = [
            models.Index(fields=["reference"]),
            models.Index(fields=["allocation_number"]),
        ]

    def __str__(self) -> str:
        return f"prestatie {self.reference}"

    @property
    def amount(self) -> Decimal:
        return Decimal(self.amount_cents) / 100
