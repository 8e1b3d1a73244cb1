"""What the API returns: camelCase properties, ISO 8601 dates, codes instead of names where
the iWmo standard has them. Output only: the API reads."""

import re

from rest_framework import serializers

from bwmo.messaging.exchange.importer import max_file_bytes

from .scopes import client_fields

_NINE_DIGITS = re.compile(r"(?<!\d)\d{9}(?!\d)")


def masked(text: str) -> str:
    """A finding may quote a value from the file; a nine-digit number could be a BSN."""
    return _NINE_DIGITS.sub("*********", text)


class ClientSerializer(serializers.Serializer):
    """A client, with the properties the API client's scopes give (``scopes.client_fields``):
    a provider gets only those of ``CLIENT_FIELDS_PROVIDER``."""

    id = serializers.UUIDField(source="pseudonym", help_text="Pseudoniem van de cliënt.")
    bsn = serializers.CharField(
        allow_null=True, help_text="Burgerservicenummer (leeg: voorlopige identiteit)."
    )
    isProvisional = serializers.BooleanField(source="is_provisional")
    givenNames = serializers.CharField(source="given_names")
    surnamePrefix = serializers.CharField(source="surname_prefix")
    surname = serializers.CharField()
    birthDate = serializers.DateField(source="birth_date", allow_null=True)
    birthYear = serializers.IntegerField(source="birth_year", allow_null=True)
    gender = serializers.CharField()
    street = serializers.CharField(required=False)
    houseNumber = serializers.IntegerField(source="house_number", allow_null=True, required=False)
    houseLetter = serializers.CharField(source="house_letter", required=False)
    houseNumberAddition = serializers.CharField(source="house_number_addition", required=False)
    postcode = serializers.CharField(required=False)
    place = serializers.CharField(required=False)
    phone = serializers.CharField(required=False)
    relation = serializers.SerializerMethodField(
        help_text="De relatie van de API-client tot de cliënt."
    )

    def get_relation(self, client) -> str:
        return str(self.context["relations"][client.pk].value)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        relation = self.context["relations"][instance.pk]
        fields = client_fields(scopes=self.context["scopes"], provider=relation.name == "PROVIDER")
        return {k: v for k, v in data.items() if k in fields}


class ClientSearchSerializer(serializers.Serializer):
    bsn = serializers.RegexField(
        r"^\d{9}$",
        help_text="Het volledige BSN (negen cijfers).",
        error_messages={"invalid": "Verwacht een BSN van negen cijfers."},
    )


class ClientSearchResultSerializer(serializers.Serializer):
    results = ClientSerializer(many=True)


class CaseEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    action = serializers.CharField()
    fromStatus = serializers.CharField(source="from_status")
    toStatus = serializers.CharField(source="to_status")
    reason = serializers.CharField()


class MeldingSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    client = serializers.UUIDField(source="client.pseudonym")
    productKind = serializers.CharField(source="product_kind")
    status = serializers.CharField()
    receivedOn = serializers.DateField(source="received_on")
    appliedTo = serializers.CharField(source="applied_to_id", allow_null=True)
    responsibleMunicipality = serializers.CharField(
        source="responsible_municipality_id", allow_null=True
    )
    statusChangedAt = serializers.DateTimeField(source="status_changed_at", allow_null=True)


class MeldingDetailSerializer(MeldingSerializer):
    summary = serializers.CharField()
    events = CaseEventSerializer(many=True, source="events.all")


class IndicationSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    client = serializers.UUIDField(source="client.pseudonym")
    melding = serializers.IntegerField(source="melding_id", allow_null=True)
    productCode = serializers.CharField(source="product.code")
    productName = serializers.CharField(source="product.name")
    productKind = serializers.CharField(source="product.kind")
    financing = serializers.CharField()
    provider = serializers.CharField(source="provider.agb_code", allow_null=True, default=None)
    responsibleMunicipality = serializers.CharField(
        source="responsible_municipality_id", allow_null=True
    )
    validFrom = serializers.DateField(source="valid_from")
    validTo = serializers.DateField(source="valid_to", allow_null=True)
    startedOn = serializers.DateField(source="started_on", allow_null=True)


class StaySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    client = serializers.UUIDField(source="client.pseudonym")
    indication = serializers.IntegerField(source="indication_id", allow_null=True)
    provider = serializers.CharField(source="provider.agb_code", allow_null=True, default=None)
    productCode = serializers.CharField(source="product.code", allow_null=True, default=None)
    location = serializers.CharField(source="location_id", allow_null=True)
    start = serializers.DateField()
    end = serializers.DateField(allow_null=True)
    placementReason = serializers.CharField(source="placement_reason")


class AllocationSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    number = serializers.IntegerField(help_text="Toewijzingnummer.")
    client = serializers.UUIDField(source="client.pseudonym")
    indication = serializers.IntegerField(source="indication_id")
    municipality = serializers.CharField(source="municipality_id")
    provider = serializers.CharField(source="provider.agb_code")
    category = serializers.CharField()
    productCode = serializers.CharField(source="product_code")
    start = serializers.DateField()
    end = serializers.DateField(allow_null=True)
    volume = serializers.IntegerField()
    unit = serializers.CharField()
    frequency = serializers.CharField()
    reasonChange = serializers.CharField(source="reason_change")
    allocatedAt = serializers.DateTimeField(source="allocated_at")
    changedAt = serializers.DateTimeField(source="changed_at")
    needsSending = serializers.BooleanField(source="needs_sending")


class FindingSerializer(serializers.Serializer):
    code = serializers.CharField()
    path = serializers.CharField()
    message = serializers.CharField()


class MessageSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    direction = serializers.CharField()
    messageType = serializers.CharField(source="message_type")
    status = serializers.CharField()
    municipality = serializers.CharField(source="municipality_id", allow_null=True)
    provider = serializers.CharField(source="provider.agb_code", allow_null=True, default=None)
    identification = serializers.CharField()
    dated = serializers.DateField(allow_null=True, help_text="Dagtekening.")
    createdAt = serializers.DateTimeField(source="created_at")
    processedAt = serializers.DateTimeField(source="processed_at", allow_null=True)
    retourCodes = serializers.ListField(child=serializers.CharField(), source="retour_codes")
    findings = serializers.SerializerMethodField()

    def get_findings(self, message) -> list[dict[str, str]]:
        findings = []
        for error in message.errors or []:
            if not isinstance(error, dict):
                error = {"message": str(error)}
            findings.append(
                {
                    "code": masked(str(error.get("code", ""))),
                    "path": masked(str(error.get("path", ""))),
                    "message": masked(str(error.get("message", ""))),
                }
            )
        return findings


class DeclarationSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    number = serializers.CharField(help_text="Declaratienummer.")
    municipality = serializers.CharField(source="municipality_id")
    provider = serializers.CharField(source="provider.agb_code")
    periodStart = serializers.DateField(source="period_start")
    periodEnd = serializers.DateField(source="period_end")
    submittedCents = serializers.IntegerField(source="submitted_cents")
    approvedCents = serializers.IntegerField(source="approved_cents")


class MonitorFiguresSerializer(serializers.Serializer):
    region = serializers.CharField(help_text="CBS-code van de centrumgemeente.")
    municipality = serializers.CharField(allow_null=True)
    periodStart = serializers.DateField(
        help_text=(
            "Begin van de periode van de cijfers. Voor 'external' (cijfers die over meer dan "
            "de eigen gemeente gaan) de eerste dag van een kwartaal: de gevraagde periode "
            "wordt verruimd tot hele kwartalen."
        )
    )
    periodEnd = serializers.DateField(
        help_text=(
            "Einde van de periode van de cijfers. Voor 'external' de laatste dag van een "
            "afgesloten kwartaal: nooit later dan het laatste kwartaal dat voorbij is."
        )
    )
    audience = serializers.ChoiceField(choices=["internal", "external"])
    figures = serializers.DictField(
        help_text="De cijfers van de monitor, afgeschermde aantallen als '×'."
    )


class BudgetRowSerializer(serializers.Serializer):
    municipality = serializers.CharField(source="code")
    name = serializers.CharField()
    year = serializers.IntegerField()
    budget = serializers.DecimalField(max_digits=14, decimal_places=2)
    realised = serializers.DecimalField(max_digits=14, decimal_places=2)
    committed = serializers.DecimalField(max_digits=14, decimal_places=2)
    nonClient = serializers.DecimalField(source="non_client", max_digits=14, decimal_places=2)
    result = serializers.DecimalField(max_digits=14, decimal_places=2)
    declared = serializers.DecimalField(max_digits=14, decimal_places=2)
    clients = serializers.CharField(help_text="Aantal cliënten; een afgeschermd aantal als '×'.")


class BudgetSerializer(serializers.Serializer):
    region = serializers.CharField()
    parameterSet = serializers.CharField()
    years = serializers.ListField(child=serializers.IntegerField())
    results = BudgetRowSerializer(many=True)


class IwmoFileSerializer(serializers.Serializer):
    """An iWmo file a provider sends: the XML as text (UTF-8), as it would lie in the inbox."""

    fileName = serializers.RegexField(
        r"^[A-Za-z0-9._-]{1,80}$",
        required=False,
        help_text="Naam van het bestand (letters, cijfers, punt, streep, liggend streepje).",
        error_messages={
            "invalid": "Verwacht een bestandsnaam van 1–80 letters, cijfers, '.', '-' of '_'."
        },
    )
    content = serializers.CharField(
        trim_whitespace=False,
        help_text="Het iWmo-bericht (WMO305, 307, 315, 317 of 323) als XML-tekst.",
    )

    def validate_content(self, value: str) -> str:
        try:
            size = len(value.encode("utf-8"))
        except UnicodeEncodeError:
            raise serializers.ValidationError("Verwacht tekst in UTF-8.") from None
        if size > max_file_bytes():
            raise serializers.ValidationError(
                f"Het bestand is groter dan {max_file_bytes()} bytes, de grens voor één "
                "iWmo-bestand."
            )
        return value


class IwmoFileRefusedSerializer(serializers.Serializer):
    """The problem details of a file that was read in but refused (RFC 9457, with the
    recorded message and its findings)."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField()
    message = MessageSerializer(help_text="Het vastgelegde bericht met zijn bevindingen.")
    findings = FindingSerializer(many=True)
