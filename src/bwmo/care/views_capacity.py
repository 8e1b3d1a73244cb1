"""The contract manager's screens: occupancy against places with the waiting list, and the
contracts whose end or extension decision comes up. Aggregates only (no client data)."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from bwmo.accounts.models import User
from bwmo.rules import capacity as capacity_rules
from bwmo.rules.contract_terms import DueKind
from bwmo.rules.dates import add_months
from bwmo.ui.charts import Series, grouped_bars
from bwmo.ui.excel import About, workbook_bytes
from bwmo.ui.forms import add_service_errors

from . import selectors, services
from .forms import CapacityFilterForm, ContractCapacityForm, ContractExtensionForm
from .models import Contract

DUE_WITHIN_MONTHS = 6
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _region(request: HttpRequest):
    regions = selectors.regions_for(user=request.user)
    if not regions:
        raise PermissionDenied(_("Uw account hoort bij geen regio; vraag de beheerder."))
    wanted = request.GET.get("regio")
    return next((r for r in regions if str(r.pk) == wanted), regions[0]), regions


def band_labels() -> list[str]:
    return [
        _("korter dan 1 maand"),
        _("1 tot 3 maanden"),
        _("3 tot 6 maanden"),
        _("6 maanden of langer"),
    ]


def _month(day: date) -> str:
    return date_format(day, "M Y")


def _percentage(cell: capacity_rules.Occupancy) -> object:
    return cell.percentage if cell.percentage is not None else "—"


def _over(cell: capacity_rules.Occupancy) -> str:
    if cell.over_capacity is None:
        return _("afgeschermd")
    return _("ja") if cell.over_capacity else _("nee")


@login_required
@permission_required("care.view_contract", raise_exception=True)
@require_GET
def occupancy(request: HttpRequest) -> HttpResponse:
    region, regions = _region(request)
    today = timezone.localdate()
    initial = {"van": add_months(today.replace(day=1), -11), "tot": today}
    form = CapacityFilterForm(request.GET or None, initial=initial)
    start, end = initial["van"], initial["tot"]
    if request.GET and form.is_valid():
        start, end = form.cleaned_data["van"], form.cleaned_data["tot"]
    document = selectors.capacity_document(region=region, start=start, end=end, on=today)
    if request.GET.get("formaat") == "xlsx":
        return _workbook(request, document)
    totals = document.totals
    chart = grouped_bars(
        categories=[_month(m) for m in document.months],
        series=[
            Series(
                _("bezette plaatsen"), "bar--realised", [_chart_value(c.occupied) for c in totals]
            ),
            Series(
                _("gecontracteerde plaatsen"),
                "bar--budget",
                [_chart_value(c.places) for c in totals],
            ),
        ],
        unit="count",
    )
    over = [line for line in document.lines if line.latest.over_capacity]
    query = request.GET.copy()
    query["formaat"] = "xlsx"
    return render(
        request,
        "care/occupancy.html",
        {
            "form": form,
            "region": region,
            "regions": regions,
            "document": document,
            "chart": chart,
            "over": over,
            "bands": band_labels(),
            "month_labels": [_month(m) for m in document.months],
            "latest_month": document.months[-1],
            "excel_query": query.urlencode(),
        },
    )


def _chart_value(value):
    from decimal import Decimal

    return value if isinstance(value, str) else Decimal(value)


def _workbook(request: HttpRequest, document: selectors.CapacityDocument) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # login_required
    occupancy_rows = [
        [
            line.provider,
            line.location_name,
            line.product_name,
            _month(month),
            cell.places,
            cell.occupied,
            _percentage(cell),
            _over(cell),
        ]
        for line in document.lines
        for month, cell in zip(document.months, line.cells, strict=True)
    ]
    region_rows = [
        [_month(month), cell.places, cell.occupied, _percentage(cell), _over(cell)]
        for month, cell in zip(document.months, document.totals, strict=True)
    ]
    labels = band_labels()
    waiting_rows = [[w.product_name, w.provider, *w.bands, w.total] for w in document.waiting] + [
        [_("Totaal"), "", *document.waiting_bands, document.waiting_total]
    ]
    about = About(
        title=_("Bezetting tegenover capaciteit en wachtlijst"),
        period=_("%(start)s t/m %(end)s; wachtlijst op %(on)s")
        % {
            "start": _month(document.months[0]),
            "end": _month(document.months[-1]),
            "on": date_format(document.on, "j F Y"),
        },
        filters=[(_("Regio"), str(document.region))],
        audience=_("buiten de gemeente: kleine aantallen (1–4) afgeschermd als ×"),
        made_by=user.get_full_name() or user.get_username(),
        organisation=", ".join(o.name for o in user.organisations.order_by("name")),
        notes=[
            (_("Bezetting"), _("verblijven die op de eerste dag van de maand lopen")),
            (
                _("Wachtlijst"),
                _(
                    "toegekende indicaties zorg in natura, nog niet verzilverd en zonder "
                    "verblijf; wachttijd vanaf de ingangsdatum"
                ),
            ),
        ],
    )
    body = workbook_bytes(
        [
            (
                _("Bezetting"),
                [
                    _("Aanbieder"),
                    _("Locatie"),
                    _("Product"),
                    _("Maand"),
                    _("Plaatsen"),
                    _("Bezet"),
                    _("Bezetting (%)"),
                    _("Boven capaciteit"),
                ],
                occupancy_rows,
                set(),
            ),
            (
                _("Regio per maand"),
                [_("Maand"), _("Plaatsen"), _("Bezet"), _("Bezetting (%)"), _("Boven capaciteit")],
                region_rows,
                set(),
            ),
            (
                _("Wachtlijst"),
                [_("Product"), _("Aanbieder"), *labels, _("Totaal")],
                waiting_rows,
                set(),
            ),
        ],
        about=about,
    )
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="bwmo-bezetting.xlsx"'
    return response


@login_required
@permission_required("care.view_contract", raise_exception=True)
@require_GET
def contracts(request: HttpRequest) -> HttpResponse:
    region, regions = _region(request)
    today = timezone.localdate()
    due = selectors.contracts_due(region=region, on=today, within_months=DUE_WITHIN_MONTHS)
    rows = []
    for contract in selectors.contracts_of_region(region=region):
        rows.append({"contract": contract, "state": contract.terms_state()})
    return render(
        request,
        "care/contracts.html",
        {
            "region": region,
            "regions": regions,
            "due": due,
            "rows": rows,
            "within": DUE_WITHIN_MONTHS,
            "today": today,
            "END": DueKind.END,
        },
    )


@login_required
@permission_required("care.view_contract", raise_exception=True)
@require_http_methods(["GET", "POST"])
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    regions = selectors.regions_for(user=request.user)
    contract = (
        Contract.objects.filter(pk=pk, region__in=regions)
        .select_related("provider", "region")
        .first()
    )
    if contract is None:
        raise Http404
    action = request.POST.get("actie") if request.method == "POST" else None
    capacity_form = ContractCapacityForm(
        request.POST if action == "plaatsen" else None, contract=contract, prefix="plaatsen"
    )
    extension_form = ContractExtensionForm(
        request.POST if action == "verlenging" else None, contract=contract, prefix="verlenging"
    )
    by = request.user.get_username()
    if action == "plaatsen":
        if not request.user.has_perm("care.add_contractcapacity"):
            raise PermissionDenied
        if capacity_form.is_valid():
            try:
                services.contract_capacity_record(
                    contract=contract, recorded_by=by, **capacity_form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(capacity_form, error)
            else:
                messages.success(request, _("De plaatsen zijn vastgelegd."))
                return redirect("care:contract_detail", pk=contract.pk)
    elif action == "verlenging":
        if not request.user.has_perm("care.add_contractextension"):
            raise PermissionDenied
        if extension_form.is_valid():
            try:
                services.contract_extension_decide(
                    contract=contract, recorded_by=by, **extension_form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(extension_form, error)
            else:
                messages.success(request, _("Het besluit over de verlenging is vastgelegd."))
                return redirect("care:contract_detail", pk=contract.pk)
    elif request.method == "POST":
        raise Http404
    return render(
        request,
        "care/contract_detail.html",
        {
            "contract": contract,
            "state": contract.terms_state(),
            "extensions": list(contract.extensions.all()),
            "capacities": list(
                contract.capacities.select_related("product", "location__municipality").order_by(
                    "location__municipality__name", "product__name", "valid_from"
                )
            ),
            "capacity_form": capacity_form,
            "extension_form": extension_form,
            "today": timezone.localdate(),
            "END": DueKind.END,
        },
    )
