"""The API's endpoints: thin. Each parses its query, reads through the owning app's selectors
with the API client's account as the user, and writes the access log for every client whose
data it returns."""

import re
from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from bwmo.audit.services import access_log_read
from bwmo.clients.models import Client
from bwmo.clients.selectors import (
    client_get_visible,
    client_relation,
    client_search,
    clients_visible_to,
    indications_visible_to,
    stays_visible_to,
)
from bwmo.finance.models import BudgetParameterSet
from bwmo.finance.services import finance_overview
from bwmo.messaging.exchange import Outcome
from bwmo.messaging.models import MessageStatus
from bwmo.messaging.portal.services import portal_file_submit
from bwmo.messaging.selectors import (
    allocations_visible_to,
    declarations_visible_to,
    messages_visible_to,
)
from bwmo.monitor.services import MonitorScope, monitor_document
from bwmo.monitor.views import audience_for
from bwmo.organisations.models import Municipality, Region
from bwmo.rules.suppression import mark_small
from bwmo.toegang.models import Melding
from bwmo.toegang.selectors import melding_get_visible, meldingen_visible_to

from . import serializers as out
from .models import ApiClient
from .pagination import Pagination
from .permissions import HasScope
from .problems import problem
from .scopes import AGGREGATES_READ, CLIENTS_READ, IWMO_READ, IWMO_WRITE
from .selectors import api_client_provider
from .throttling import ApiClientRateThrottle

API_VERSION = "1.0.0"

# Why the access log names the client of a file a provider sent through the API.
WHY_SENDER = gettext_lazy("iWmo-bericht van de aanbieder zelf")


class ApiSchema(AutoSchema):
    def get_operation_id(self) -> str:
        by_method = getattr(self.view, "operation_ids", {})
        if self.method in by_method:
            return by_method[self.method]
        return getattr(self.view, "operation_id", "") or super().get_operation_id()

    def _is_list_view(self, serializer=None) -> bool:
        # A paginated GET is a list: its answer is a page of the serializer's items.
        return self.method == "GET" and getattr(self.view, "pagination_class", None) is not None


class ApiView(GenericAPIView):
    # Bearer token, scope, rate limit; ``API-Version`` and ``no-store`` on every answer.

    permission_classes = [IsAuthenticated, HasScope]
    throttle_classes = [ApiClientRateThrottle]
    pagination_class: type[Pagination] | None = Pagination
    required_scope = ""
    operation_id = ""
    schema = ApiSchema()
    filters: type[serializers.Serializer] | None = None

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["API-Version"] = API_VERSION
        response["Cache-Control"] = "no-store, private"
        return response

    def query(self) -> dict:
        """The view's query parameters, checked: a value that cannot be used is a 400 that
        names it, never silently dropped."""
        if self.filters is None:
            return {}
        parsed = self.filters(data=self.request.query_params)
        parsed.is_valid(raise_exception=True)
        return dict(parsed.validated_data)

    def client_context(self, relations: dict) -> dict:
        """What ``ClientSerializer`` needs: the relation per client and the caller's scopes
        (which decide the fields)."""
        auth = self.request.auth
        scopes = auth.request_scopes if isinstance(auth, ApiClient) else []
        return {"relations": relations, "scopes": scopes}

    def log(self, clients, *, what: str) -> None:
        """One access-log entry per client shown, with the relation as the reason."""
        by_relation: dict = {}
        for client in {c.pk: c for c in clients}.values():
            relation = client_relation(user=self.request.user, client=client)
            if relation is not None:
                by_relation.setdefault(relation, []).append(client)
        for relation, group in by_relation.items():
            access_log_read(self.request, group, what=f"API: {what}", why=relation.value)

    def page_of(self, queryset: QuerySet, serializer_class, *, what: str, client_of=None):
        page = self.paginate_queryset(queryset) or []
        if client_of is not None:
            self.log([client_of(item) for item in page], what=what)
        return self.get_paginated_response(serializer_class(page, many=True).data)


class ClientFilters(serializers.Serializer):
    isProvisional = serializers.BooleanField(required=False, allow_null=True, default=None)


@extend_schema(tags=["clients"], summary="Cliënten die de API-client mag zien")
class ClientList(ApiView):
    operation_id = "listClients"
    required_scope = CLIENTS_READ
    filters = ClientFilters
    serializer_class = out.ClientSerializer

    @extend_schema(parameters=[ClientFilters])
    def get(self, request: Request) -> Response:
        query = self.query()
        clients = clients_visible_to(user=request.user).order_by("pk")
        if query.get("isProvisional") is not None:
            clients = clients.filter(is_provisional=query["isProvisional"])
        page = self.paginate_queryset(clients) or []
        relations = {c.pk: client_relation(user=request.user, client=c) for c in page}
        page = [c for c in page if relations[c.pk] is not None]
        self.log(page, what="cliënten")
        data = out.ClientSerializer(page, many=True, context=self.client_context(relations)).data
        return self.get_paginated_response(data)


@extend_schema(tags=["clients"], summary="Eén cliënt")
class ClientDetail(ApiView):
    operation_id = "getClient"
    required_scope = CLIENTS_READ
    serializer_class = out.ClientSerializer
    pagination_class = None

    def get(self, request: Request, pseudonym) -> Response:
        try:
            visible = client_get_visible(user=request.user, pseudonym=pseudonym)
        except Client.DoesNotExist:
            raise exceptions.NotFound("Geen cliënt met dit id die u mag zien.") from None
        access_log_read(request, [visible.client], what="API: cliënt", why=visible.relation.value)
        context = self.client_context({visible.client.pk: visible.relation})
        return Response(out.ClientSerializer(visible.client, context=context).data)


@extend_schema(tags=["clients"], summary="Cliënt zoeken op BSN (het BSN staat nooit in een URL)")
class ClientSearch(ApiView):
    operation_id = "searchClients"
    required_scope = CLIENTS_READ
    serializer_class = out.ClientSearchSerializer
    pagination_class = None

    @extend_schema(request=out.ClientSearchSerializer, responses=out.ClientSearchResultSerializer)
    def post(self, request: Request) -> Response:
        form = out.ClientSearchSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        found = client_search(user=request.user, query=form.validated_data["bsn"])
        relations = {c.pk: client_relation(user=request.user, client=c) for c in found}
        found = [c for c in found if relations[c.pk] is not None]
        self.log(found, what="zoeken op BSN")
        data = out.ClientSerializer(found, many=True, context=self.client_context(relations)).data
        return Response({"results": data})


class MeldingFilters(serializers.Serializer):
    client = serializers.UUIDField(required=False)
    status = serializers.CharField(required=False, max_length=30)
    productKind = serializers.ChoiceField(choices=["BW", "MO"], required=False)
    responsibleMunicipality = serializers.RegexField(r"^GM\d{4}$", required=False)
    receivedFrom = serializers.DateField(required=False)
    receivedTo = serializers.DateField(required=False)


@extend_schema(tags=["meldingen"], summary="Meldingen van de cliënten die de API-client ziet")
class MeldingList(ApiView):
    operation_id = "listMeldingen"
    required_scope = CLIENTS_READ
    filters = MeldingFilters
    serializer_class = out.MeldingSerializer

    @extend_schema(parameters=[MeldingFilters])
    def get(self, request: Request) -> Response:
        q = self.query()
        meldingen = meldingen_visible_to(user=request.user).select_related("client")
        if "client" in q:
            meldingen = meldingen.filter(client__pseudonym=q["client"])
        if "status" in q:
            meldingen = meldingen.filter(status=q["status"])
        if "productKind" in q:
            meldingen = meldingen.filter(product_kind=q["productKind"])
        if "responsibleMunicipality" in q:
            meldingen = meldingen.filter(responsible_municipality_id=q["responsibleMunicipality"])
        if "receivedFrom" in q:
            meldingen = meldingen.filter(received_on__gte=q["receivedFrom"])
        if "receivedTo" in q:
            meldingen = meldingen.filter(received_on__lte=q["receivedTo"])
        return self.page_of(
            meldingen.order_by("-received_on", "-pk"),
            out.MeldingSerializer,
            what="meldingen",
            client_of=lambda m: m.client,
        )


@extend_schema(tags=["meldingen"], summary="Eén melding met haar gebeurtenissen")
class MeldingDetail(ApiView):
    operation_id = "getMelding"
    required_scope = CLIENTS_READ
    serializer_class = out.MeldingDetailSerializer
    pagination_class = None

    def get(self, request: Request, pk: int) -> Response:
        try:
            visible = melding_get_visible(user=request.user, pk=pk)
        except Melding.DoesNotExist:
            raise exceptions.NotFound("Geen melding met dit id die u mag zien.") from None
        melding = visible.melding
        access_log_read(request, [melding.client], what="API: melding", why=visible.relation.value)
        return Response(out.MeldingDetailSerializer(melding).data)


class CareFilters(serializers.Serializer):
    client = serializers.UUIDField(required=False)
    current = serializers.BooleanField(required=False, allow_null=True, default=None)


def _care_filter(queryset: QuerySet, q: dict, *, end: str) -> QuerySet:
    if "client" in q:
        queryset = queryset.filter(client__pseudonym=q["client"])
    if q.get("current") is not None:
        today = timezone.localdate()
        running = Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": today})
        queryset = queryset.filter(running) if q["current"] else queryset.exclude(running)
    return queryset


@extend_schema(tags=["care"], summary="Indicaties")
class IndicationList(ApiView):
    operation_id = "listIndications"
    required_scope = CLIENTS_READ
    filters = CareFilters
    serializer_class = out.IndicationSerializer

    @extend_schema(parameters=[CareFilters])
    def get(self, request: Request) -> Response:
        indications = indications_visible_to(user=request.user).select_related(
            "client", "product", "provider"
        )
        indications = _care_filter(indications, self.query(), end="valid_to")
        return self.page_of(
            indications.order_by("pk"),
            out.IndicationSerializer,
            what="indicaties",
            client_of=lambda i: i.client,
        )


@extend_schema(tags=["care"], summary="Verblijven")
class StayList(ApiView):
    operation_id = "listStays"
    required_scope = CLIENTS_READ
    filters = CareFilters
    serializer_class = out.StaySerializer

    @extend_schema(parameters=[CareFilters])
    def get(self, request: Request) -> Response:
        stays = stays_visible_to(user=request.user).select_related("client", "product", "provider")
        stays = _care_filter(stays, self.query(), end="end")
        return self.page_of(
            stays.order_by("pk"),
            out.StaySerializer,
            what="verblijven",
            client_of=lambda s: s.client,
        )


@extend_schema(tags=["iwmo"], summary="Toewijzingen (iWmo)")
class AllocationList(ApiView):
    operation_id = "listAllocations"
    required_scope = CLIENTS_READ
    filters = CareFilters
    serializer_class = out.AllocationSerializer

    @extend_schema(parameters=[CareFilters])
    def get(self, request: Request) -> Response:
        allocations = allocations_visible_to(user=request.user).select_related("client", "provider")
        allocations = _care_filter(allocations, self.query(), end="end")
        return self.page_of(
            allocations.order_by("pk"),
            out.AllocationSerializer,
            what="toewijzingen",
            client_of=lambda a: a.client,
        )


class MessageFilters(serializers.Serializer):
    messageType = serializers.RegexField(r"^WMO\d{3}$", required=False)
    direction = serializers.ChoiceField(choices=["in", "uit"], required=False)
    status = serializers.CharField(required=False, max_length=12)


@extend_schema(tags=["iwmo"])
class MessageList(ApiView):
    operation_id = "listIwmoMessages"
    operation_ids = {"POST": "sendIwmoFile"}
    required_scope = IWMO_READ
    filters = MessageFilters
    serializer_class = out.MessageSerializer

    def scope_for(self, request: Request) -> str:
        return IWMO_WRITE if request.method == "POST" else IWMO_READ

    @extend_schema(summary="iWmo-berichten met hun bevindingen", parameters=[MessageFilters])
    def get(self, request: Request) -> Response:
        q = self.query()
        messages = messages_visible_to(request.user)
        if "messageType" in q:
            messages = messages.filter(message_type=q["messageType"])
        if "direction" in q:
            messages = messages.filter(direction=q["direction"])
        if "status" in q:
            messages = messages.filter(status=q["status"])
        return self.page_of(messages.order_by("-pk"), out.MessageSerializer, what="iWmo-berichten")

    @extend_schema(
        summary="Een iWmo-bestand van de eigen aanbieder versturen",
        description=(
            "Het bestand (WMO305, 307, 315, 317 of 323) gaat door dezelfde inlees als een "
            "bestand in de uitwisselmap of het portaal: XSD, de regels van de standaard en de "
            "controles tegen bwmo, alles of niets per bestand, met een retourbericht of "
            "WMO325 als antwoord. Alleen als de eigen aanbieder (Afzender = de AGB-code van "
            "de organisatie van de API-client). 201: het bericht is ingelezen (goedgekeurd "
            "of deels afgekeurd); 422: het bestand is ingelezen maar geweigerd (ongeldig of "
            "afgekeurd), met de bevindingen; 409: hetzelfde bestand is al eerder ingelezen."
        ),
        request=out.IwmoFileSerializer,
        parameters=[
            OpenApiParameter(
                "Location",
                location=OpenApiParameter.HEADER,
                response=[201],
                description="Het adres van het vastgelegde bericht.",
            )
        ],
        responses={
            201: out.MessageSerializer,
            409: OpenApiResponse(description="Dit bestand is al eerder ingelezen."),
            422: OpenApiResponse(
                out.IwmoFileRefusedSerializer,
                description="Ingelezen maar geweigerd: het bericht en zijn bevindingen.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        form = out.IwmoFileSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        api_client = request.auth
        assert isinstance(api_client, ApiClient)  # HasScope let only an API client through
        provider = api_client_provider(api_client=api_client)
        if provider is None:
            raise exceptions.PermissionDenied(
                "Deze API-client hoort niet bij een aanbieder; alleen een aanbieder verstuurt "
                "iWmo-bestanden."
            )
        content = form.validated_data["content"].encode("utf-8")
        try:
            submitted = portal_file_submit(
                user=request.user,
                provider=provider,
                content=content,
                filename=form.validated_data.get("fileName") or "bericht.xml",
                today=timezone.localdate(),
            )
        except DjangoValidationError as error:
            # Another provider's file: refused before anything is read in.
            raise exceptions.PermissionDenied(" ".join(error.messages)) from None
        result, message = submitted.result, submitted.message
        if result.outcome == Outcome.SKIPPED:
            raise exceptions.ValidationError(
                {
                    "content": [
                        f"Dit is een {result.message_type}: een bericht dat de gemeente "
                        "verstuurt, geen bericht van een aanbieder. Er is niets ingelezen."
                    ]
                }
            )
        if message is None:
            return problem(
                status_code=409,
                detail="Dit bestand is al eerder ingelezen; het is niet opnieuw verwerkt.",
                instance=request.path,
            )
        if message.client is not None:
            access_log_read(
                request, [message.client], what="API: iWmo-bestand verstuurd", why=WHY_SENDER
            )
        data = out.MessageSerializer(message).data
        if message.status in (MessageStatus.INVALID, MessageStatus.REJECTED):
            refused = problem(
                status_code=422,
                detail=(
                    f"Het bestand is ingelezen en geweigerd ({message.get_status_display()}); "
                    "zie findings."
                ),
                instance=request.path,
            )
            assert isinstance(refused.data, dict)
            refused.data.update({"message": data, "findings": data["findings"]})
            return refused
        location = reverse("api:message", kwargs={"pk": message.pk})
        return Response(data, status=201, headers={"Location": location})


@extend_schema(tags=["iwmo"], summary="Eén iWmo-bericht met zijn bevindingen")
class MessageDetail(ApiView):
    operation_id = "getIwmoMessage"
    required_scope = IWMO_READ
    serializer_class = out.MessageSerializer
    pagination_class = None

    def get(self, request: Request, pk: int) -> Response:
        message = messages_visible_to(request.user).filter(pk=pk).first()
        if message is None:
            raise exceptions.NotFound("Geen bericht met dit id dat u mag zien.")
        return Response(out.MessageSerializer(message).data)


class DeclarationFilters(serializers.Serializer):
    provider = serializers.RegexField(r"^\d{8}$", required=False, help_text="AGB-code.")
    year = serializers.IntegerField(required=False, min_value=2015, max_value=2100)


@extend_schema(tags=["iwmo"], summary="Declaraties (WMO323) met het toegekende bedrag")
class DeclarationList(ApiView):
    operation_id = "listDeclarations"
    required_scope = IWMO_READ
    filters = DeclarationFilters
    serializer_class = out.DeclarationSerializer

    @extend_schema(parameters=[DeclarationFilters])
    def get(self, request: Request) -> Response:
        q = self.query()
        declarations = declarations_visible_to(user=request.user).select_related("provider")
        if "provider" in q:
            declarations = declarations.filter(provider__agb_code=q["provider"])
        if "year" in q:
            declarations = declarations.filter(period_start__year=q["year"])
        return self.page_of(
            declarations.order_by("-period_start", "pk"),
            out.DeclarationSerializer,
            what="declaraties",
        )


_WORD = re.compile(r"_([a-z0-9])")


def camel(value):
    """The monitor document with camelCase keys (keys that are codes stay as they are)."""
    if isinstance(value, dict):
        return {
            (_WORD.sub(lambda m: m.group(1).upper(), k) if isinstance(k, str) else k): camel(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [camel(v) for v in value]
    return value


class MonitorFilters(serializers.Serializer):
    region = serializers.RegexField(r"^GM\d{4}$", help_text="CBS-code van de centrumgemeente.")
    municipality = serializers.RegexField(r"^GM\d{4}$", required=False)
    periodStart = serializers.DateField(required=False)
    periodEnd = serializers.DateField(required=False)

    def validate(self, attrs: dict) -> dict:
        today = timezone.localdate()
        attrs.setdefault("periodStart", date(today.year - 1, 1, 1))
        attrs.setdefault("periodEnd", today)
        if attrs["periodStart"] > attrs["periodEnd"]:
            raise serializers.ValidationError({"periodEnd": "Ligt voor periodStart."})
        if attrs["periodStart"].year < 2015 or attrs["periodEnd"].year > 2100:
            raise serializers.ValidationError({"periodStart": "Kies een periode in 2015–2100."})
        return attrs


@extend_schema(tags=["aggregates"], summary="Monitorcijfers van een regio of gemeente")
class MonitorFigures(ApiView):
    operation_id = "getMonitorFigures"
    required_scope = AGGREGATES_READ
    filters = MonitorFilters
    serializer_class = out.MonitorFiguresSerializer
    pagination_class = None

    @extend_schema(parameters=[MonitorFilters])
    def get(self, request: Request) -> Response:
        q = self.query()
        region = Region.objects.filter(centrumgemeente_id=q["region"]).first()
        if region is None:
            raise exceptions.NotFound("Geen regio met deze centrumgemeente.")
        municipality = None
        if "municipality" in q:
            municipality = Municipality.objects.filter(code=q["municipality"]).first()
            if municipality is None or municipality.code not in MonitorScope(region, None).codes:
                raise exceptions.ValidationError(
                    {"municipality": ["Deze gemeente hoort niet bij de regio."]}
                )
        scope = MonitorScope(region, municipality)
        audience = audience_for(request.user, list(scope.codes))
        document = monitor_document(
            scope=scope, start=q["periodStart"], end=q["periodEnd"], audience=audience
        )
        meta = {k: document.pop(k) for k in ("region", "municipality", "audience")}
        # The period of the figures: for an outside audience whole, closed quarters, which
        # may be wider or earlier than the one asked (rules.monitor.periods).
        shown_start, shown_end = document.pop("from"), document.pop("to")
        return Response(
            {
                **meta,
                "periodStart": shown_start,
                "periodEnd": shown_end,
                "figures": camel(document),
            }
        )


class BudgetFilters(serializers.Serializer):
    region = serializers.RegexField(r"^GM\d{4}$", help_text="CBS-code van de centrumgemeente.")
    year = serializers.IntegerField(required=False, min_value=2015, max_value=2100)


@extend_schema(tags=["aggregates"], summary="Budget en kosten per gemeente en jaar")
class Budgets(ApiView):
    operation_id = "listBudgets"
    required_scope = AGGREGATES_READ
    filters = BudgetFilters
    serializer_class = out.BudgetSerializer
    pagination_class = None

    @extend_schema(parameters=[BudgetFilters])
    def get(self, request: Request) -> Response:
        q = self.query()
        region = Region.objects.filter(centrumgemeente_id=q["region"]).first()
        if region is None:
            raise exceptions.NotFound("Geen regio met deze centrumgemeente.")
        parameter_set = BudgetParameterSet.objects.order_by("pk").first()
        if parameter_set is None:
            raise exceptions.NotFound("Er zijn nog geen budgetparameters vastgelegd.")
        try:
            overview = finance_overview(
                region=region, parameter_set=parameter_set, today=timezone.localdate()
            )
        except DjangoValidationError as error:
            raise exceptions.ValidationError({"region": error.messages}) from None
        rows = [r for r in overview.rows if "year" not in q or r.year == q["year"]]
        for row in rows:
            row.clients = mark_small(row.clients)
        return Response(
            {
                "region": region.centrumgemeente_id,
                "parameterSet": parameter_set.name,
                "years": overview.years,
                "results": out.BudgetRowSerializer(rows, many=True).data,
            }
        )


@extend_schema(exclude=True)
class NotFoundView(ApiView):
    """Any other path under /api/v1/ (also one with a trailing slash): a 404 problem."""

    permission_classes = [AllowAny]
    throttle_classes = []
    authentication_classes = []

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise exceptions.NotFound("Dit endpoint bestaat niet.")

    get = post = put = patch = delete = head = options = http_method_not_allowed
