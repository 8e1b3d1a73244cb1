"""The provider portal's screens: allocations, clients, start and stop of care, requests,
declarations and answers. Thin: the selectors decide what the provider sees, the services
build the message and read it in through the import."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bwmo.audit.services import access_log_read
from bwmo.care.models import Product
from bwmo.clients.selectors import clients_visible_to
from bwmo.iwmo.build import IwmoBuildError
from bwmo.organisations.models import Municipality
from bwmo.ui.forms import add_service_errors

from .. import exchange
from ..codelists import meaning, product_label, retourcodes
from ..models import Allocation, Message, MessageStatus
from . import selectors, services
from .forms import (
    AllocationRequestForm,
    CareStartForm,
    CareStopForm,
    ChangeRequestForm,
    ClientSearchForm,
    DeclarationBuildForm,
    DeclarationUploadForm,
    NewClientRequestForm,
)
from .selectors import WHY_PROVIDER, AllocationFilters

PAGE_SIZE = 25


def _requested(data: dict, product: Product) -> dict:
    """The allocation a WMO315 form asks for, as the portal's request services take it."""
    return {
        "reference": data["reference"],
        "category": product.iwmo_category,
        "product_code": product.code,
        "start": data["start"],
        "end": data["end"],
        "volume": data["volume"],
        "frequency": data["frequency"],
    }


def _show_refusal(form, error: ValidationError | IwmoBuildError) -> None:
    """A refusal of the service on its fields; a file that cannot be built for the form."""
    if isinstance(error, ValidationError):
        add_service_errors(form, error)
    else:
        form.add_error(None, str(error))


def _provider_ids(request) -> frozenset[int]:
    ids = selectors.portal_provider_ids(request.user)
    if not ids:
        raise PermissionDenied(
            _("Het aanbiedersportaal is alleen voor medewerkers van aanbieders.")
        )
    return ids


def _product_names() -> dict[str, str]:
    return dict(Product.objects.values_list("code", "name"))


def _report(request, submitted: services.Submitted):
    """The outcome of a message read in, as the upload of a file reports it."""
    result = submitted.result
    if result.outcome == exchange.Outcome.SKIPPED:
        messages.error(
            request,
            _(
                "Dit is een %(type)s: een bericht dat de gemeente verstuurt, geen bericht van "
                "een aanbieder. Er is niets ingelezen."
            )
            % {"type": result.message_type},
        )
        return redirect("portaal:declarations")
    if submitted.message is None:
        messages.warning(
            request, _("Dit bericht is al eerder ingelezen; het is niet opnieuw verwerkt.")
        )
        return redirect("portaal:answers")
    status = MessageStatus(result.status).label if result.status else ""
    if result.status == MessageStatus.INVALID:
        first = result.errors[0]["message"] if result.errors else ""
        messages.error(request, _("Het bericht is niet verwerkt: %(why)s") % {"why": first})
    elif result.status == MessageStatus.ACCEPTED:
        messages.success(
            request,
            _("%(type)s verstuurd en verwerkt: %(s)s.")
            % {"type": submitted.message.message_type, "s": status},
        )
    else:
        messages.warning(
            request,
            _("%(type)s verstuurd: %(s)s. Hieronder staat wat er niet goed was.")
            % {"type": submitted.message.message_type, "s": status},
        )
    return redirect("portaal:answer", pk=submitted.message.pk)


# --- allocations ------------------------------------------------------------------------------


@login_required
def allocations(request):
    _provider_ids(request)
    today = timezone.localdate()
    products, municipalities = selectors.portal_allocation_options(user=request.user)
    filters = AllocationFilters.from_query(
        request.GET, products=set(products), municipalities={m.code for m in municipalities}
    )
    for text in filters.refused:
        messages.warning(request, text)
    qs = selectors.portal_allocations(user=request.user, today=today, filters=filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("pagina"))
    rows = list(page.object_list)
    visible = selectors.portal_visible_client_ids(
        user=request.user, client_ids=[a.client_id for a in rows]
    )
    access_log_read(
        request,
        {a.client for a in rows if a.client_id in visible},
        what="aanbiedersportaal: toewijzingen",
        why=WHY_PROVIDER,
    )
    names = _product_names()
    return render(
        request,
        "messaging/portal/allocations.html",
        {
            "page": page,
            "rows": [
                (a, a.client_id in visible, product_label(a.category, a.product_code, names))
                for a in rows
            ],
            "filters": filters,
            "states": [
                ("lopend", _("lopend")),
                ("te_starten", _("nog te starten")),
                ("gestart", _("zorg gestart")),
                ("beeindigd", _("beëindigd")),
            ],
            "products": [(code, names.get(code, code)) for code in products],
            "municipalities": municipalities,
            "query": urlencode(filters.as_query()),
            "today": today,
        },
    )


def _allocation_page(request, allocation: Allocation, forms: dict, status: int = 200):
    today = timezone.localdate()
    start = selectors.allocation_last_start(allocation=allocation)
    names = _product_names()
    access_log_read(
        request, [allocation.client], what="aanbiedersportaal: toewijzing", why=WHY_PROVIDER
    )
    return render(
        request,
        "messaging/portal/allocation.html",
        {
            "allocation": allocation,
            "client_name": " ".join(
                p
                for p in (
                    allocation.client.given_names,
                    allocation.client.surname_prefix,
                    allocation.client.surname,
                )
                if p
            ),
            "product": product_label(allocation.category, allocation.product_code, names),
            "unit": meaning("WJ756", allocation.unit),
            "frequency": meaning("WMO757", allocation.frequency),
            "last_start": start,
            "events": allocation.events.order_by("begin", "pk"),
            "start_form": forms.get("start")
            or CareStartForm(initial={"begin": today}, prefix="start"),
            "stop_form": forms.get("stop")
            or CareStopForm(
                initial={"end": today}, prefix="stop", reason_change=allocation.reason_change
            ),
            "change_form": forms.get("wijziging")
            or ChangeRequestForm(
                initial={
                    "volume": allocation.volume,
                    "frequency": allocation.frequency,
                    "end": allocation.end,
                    # Before today a change starts when the allocation did (TR357).
                    "wanted_from": allocation.start,
                },
                prefix="wijziging",
            ),
            "open_form": next(iter(forms), ""),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def allocation_detail(request, number: int):
    """One allocation: what it says, the starts and stops, and the forms that send a start
    (WMO305), a stop (WMO307) or a request for change (WMO317)."""
    _provider_ids(request)
    today = timezone.localdate()
    try:
        allocation = selectors.portal_allocation_for_action(
            user=request.user, number=number, today=today
        )
    except Allocation.DoesNotExist:
        raise Http404 from None
    if request.method == "GET":
        return _allocation_page(request, allocation, {})
    action = request.POST.get("action", "")
    try:
        if action == "start":
            form = CareStartForm(request.POST, prefix="start")
            if form.is_valid():
                return _report(
                    request,
                    services.portal_care_start(
                        user=request.user, allocation=allocation, begin=form.cleaned_data["begin"]
                    ),
                )
            return _allocation_page(request, allocation, {"start": form}, status=400)
        if action == "stop":
            form = CareStopForm(request.POST, prefix="stop", reason_change=allocation.reason_change)
            start = selectors.allocation_last_start(allocation=allocation)
            if start is None:
                form.add_error(
                    None,
                    _(
                        "Van deze toewijzing is geen start van de zorg bekend: meld eerst de "
                        "start, dan pas de stop."
                    ),
                )
            if form.is_valid() and start is not None:
                return _report(
                    request,
                    services.portal_care_stop(
                        user=request.user,
                        allocation=allocation,
                        begin=start.begin,
                        end=form.cleaned_data["end"],
                        reason=form.cleaned_data["reason"],
                    ),
                )
            return _allocation_page(request, allocation, {"stop": form}, status=400)
        if action == "wijziging":
            form = ChangeRequestForm(request.POST, prefix="wijziging")
            if form.is_valid():
                data = form.cleaned_data
                return _report(
                    request,
                    services.portal_request_change(
                        user=request.user,
                        allocation=allocation,
                        others=selectors.portal_client_allocations(
                            user=request.user, client_id=allocation.client_id, today=today
                        ),
                        reference=data["reference"],
                        reason=data["reason"],
                        wanted_from=data["wanted_from"],
                        end=data["end"],
                        volume=data["volume"],
                        frequency=data["frequency"],
                    ),
                )
            return _allocation_page(request, allocation, {"wijziging": form}, status=400)
    except (ValidationError, IwmoBuildError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect("portaal:allocation", number=number)
    raise Http404


# --- clients ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def clients(request):
    """Every client with a current allocation to the provider, paged; a search (name or BSN)
    is sent by POST, so no BSN appears in a URL."""
    _provider_ids(request)
    today = timezone.localdate()
    form = ClientSearchForm(request.POST or None)
    query = form.cleaned_data["zoek"] if request.method == "POST" and form.is_valid() else ""
    found = selectors.portal_clients(user=request.user, today=today, query=query)
    page = Paginator(found, PAGE_SIZE).get_page(
        request.POST.get("pagina") if request.method == "POST" else request.GET.get("pagina")
    )
    shown = list(page.object_list)
    if shown:
        access_log_read(
            request,
            list(
                clients_visible_to(user=request.user).filter(
                    pseudonym__in=[c.pseudonym for c in shown]
                )
            ),
            what="aanbiedersportaal: cliënten" + (" (zoeken)" if query else ""),
            why=WHY_PROVIDER,
        )
    names = _product_names()
    return render(
        request,
        "messaging/portal/clients.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "rows": [
                (
                    c,
                    [(a, product_label(a.category, a.product_code, names)) for a in c.allocations],
                )
                for c in shown
            ],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def allocation_request(request, pseudonym):
    """A request for an allocation (WMO315) for a client of the provider."""
    ids = _provider_ids(request)
    today = timezone.localdate()
    client = clients_visible_to(user=request.user).filter(pseudonym=pseudonym).first()
    current = (
        selectors.portal_client_allocations(user=request.user, client_id=client.pk, today=today)
        if client is not None
        else []
    )
    if client is None or not current:
        raise Http404
    provider = current[0].provider
    assert provider.pk in ids
    names = _product_names()
    products = [
        (code, f"{name} ({code})")
        for code, name in Product.objects.filter(tariffs__contract__provider=provider)
        .values_list("code", "name")
        .distinct()
        .order_by("code")
    ]
    form = AllocationRequestForm(request.POST or None, products=products)
    municipality = current[0].municipality
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        product = Product.objects.filter(code=data["product"]).first()
        if product is None:  # pragma: no cover - the form's choices come from products
            raise Http404
        try:
            submitted = services.portal_request_allocation(
                user=request.user,
                provider=provider,
                client=client,
                municipality=municipality,
                **_requested(data, product),
            )
        except (ValidationError, IwmoBuildError) as error:
            _show_refusal(form, error)
        else:
            return _report(request, submitted)
    access_log_read(
        request, [client], what="aanbiedersportaal: verzoek om toewijzing", why=WHY_PROVIDER
    )
    return render(
        request,
        "messaging/portal/request.html",
        {
            "form": form,
            "client": client,
            "municipality": municipality,
            "current": [(a, product_label(a.category, a.product_code, names)) for a in current],
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _contract_products(provider) -> list[tuple[str, str]]:
    return [
        (code, f"{name} ({code})")
        for code, name in Product.objects.filter(tariffs__contract__provider=provider)
        .values_list("code", "name")
        .distinct()
        .order_by("code")
    ]


@login_required
@require_http_methods(["GET", "POST"])
def new_client_request(request):
    """A request for an allocation (WMO315) for someone bwmo does not know yet: the provider
    types the personal data the message needs; it goes through the same import."""
    _provider_ids(request)
    provider = selectors.portal_providers(request.user).first()
    assert provider is not None
    today = timezone.localdate()
    municipalities = selectors.portal_request_municipalities(provider=provider, today=today)
    form = NewClientRequestForm(
        request.POST or None,
        products=_contract_products(provider),
        municipalities=[(mun.code, mun.name) for mun in municipalities],
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        product = Product.objects.filter(code=data["product"]).first()
        municipality = next(mun for mun in municipalities if mun.code == data["municipality"])
        if product is None:  # pragma: no cover - the form's choices come from products
            raise Http404
        try:
            basis = services.new_client_basis(
                bsn=data["bsn"],
                birth_date=data["birth_date"],
                gender=data["gender"],
                surname=data["surname"],
                surname_prefix=data["surname_prefix"],
                given_names=data["given_names"],
            )
            submitted = services.portal_request_allocation_for(
                user=request.user,
                provider=provider,
                basis=basis,
                municipality=municipality,
                **_requested(data, product),
            )
        except (ValidationError, IwmoBuildError) as error:
            _show_refusal(form, error)
        else:
            return _report(request, submitted)
    return render(
        request,
        "messaging/portal/new_client_request.html",
        {"form": form, "provider": provider},
        status=400 if form.is_bound and form.errors else 200,
    )


# --- declarations -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def declarations(request):
    """Send a declaration (WMO323): a file, or one built from the allocations for a month."""
    _provider_ids(request)
    provider = selectors.portal_providers(request.user).first()
    assert provider is not None
    _, municipalities = selectors.portal_allocation_options(user=request.user)
    choices = [(m.code, m.name) for m in municipalities]
    action = request.POST.get("action", "") if request.method == "POST" else ""
    upload = DeclarationUploadForm(
        request.POST if action == "bestand" else None,
        request.FILES if action == "bestand" else None,
    )
    build = DeclarationBuildForm(
        request.POST if action == "opbouwen" else None, municipalities=choices
    )
    if action == "bestand" and upload.is_valid():
        f = upload.cleaned_data["bestand"]
        try:
            submitted = services.portal_file_submit(
                user=request.user,
                provider=provider,
                content=b"".join(f.chunks()),
                filename=f.name,
                today=timezone.localdate(),
            )
        except ValidationError as error:
            add_service_errors(upload, error)
        else:
            return _report(request, submitted)
    if action == "opbouwen" and build.is_valid():
        municipality = Municipality.objects.get(code=build.cleaned_data["municipality"])
        try:
            submitted, draft = services.portal_declaration_submit(
                user=request.user,
                provider=provider,
                municipality=municipality,
                month=build.cleaned_data["month"],
            )
        except ValidationError as error:
            add_service_errors(build, error)
        else:
            for text in draft.left_out:
                messages.warning(request, text)
            return _report(request, submitted)
    return render(
        request,
        "messaging/portal/declarations.html",
        {"upload": upload, "build": build, "provider": provider},
        status=400 if (upload.errors or build.errors) else 200,
    )


# --- answers ----------------------------------------------------------------------------------


@login_required
def answers(request):
    """Every message the provider sent, with its answer (retour message or WMO325)."""
    _provider_ids(request)
    only_findings = request.GET.get("bevindingen") == "1"
    qs = (
        selectors.portal_messages_with_findings(user=request.user)
        if only_findings
        else selectors.portal_messages(user=request.user)
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("pagina"))
    rows = []
    for msg in page.object_list:
        reply = next(iter(msg.replies.all()), None)
        rows.append((msg, reply, retourcodes(reply.retour_codes) if reply else []))
    return render(
        request,
        "messaging/portal/answers.html",
        {"page": page, "rows": rows, "only_findings": only_findings},
    )


@login_required
def answer_detail(request, pk: int):
    """One message the provider sent and its answer, each finding in words: the rule, where
    in the message, what was expected, and the retour code's meaning (WJ001)."""
    _provider_ids(request)
    try:
        message = selectors.portal_message_get(user=request.user, pk=pk)
    except Message.DoesNotExist:
        raise Http404 from None
    reply = message.replies.order_by("pk").first()
    findings = [
        {**e, "meaning": meaning("WJ001", e.get("retourcode") or "")} for e in message.errors
    ]
    declaration = getattr(message, "declaration", None)
    names = _product_names()
    lines = (
        [
            {
                "line": line,
                "product": product_label(line.category, line.product_code, names),
                "codes": retourcodes(line.codes),
                "findings": line.findings,
            }
            for line in declaration.lines.order_by("approved", "pk")
        ]
        if declaration is not None
        else []
    )
    # The page names no client (allocation numbers and references only) and findings are
    # stored without values from the message: no personal data, so no access-log entry.
    return render(
        request,
        "messaging/portal/answer.html",
        {
            "message": message,
            "reply": reply,
            "codes": retourcodes(reply.retour_codes) if reply else [],
            "findings": findings,
            "declaration": declaration,
            "declared": declaration.submitted_cents / 100 if declaration else None,
            "approved": declaration.approved_cents / 100 if declaration else None,
            "lines": lines,
            "events": message.events.select_related("allocation"),
            "requests": message.requests.all(),
        },
    )
