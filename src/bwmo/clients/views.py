from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from bwmo.audit.services import access_log_read
from bwmo.care.models import Indication, Stay, WlzApplication
from bwmo.clients.selectors import client_get_visible_or_404
from bwmo.messaging.selectors import indication_has_ended
from bwmo.toegang.models import Melding
from bwmo.ui.forms import add_service_errors
from bwmo.woonplaats.models import ResponsibilityDecision

from . import services
from .forms import BrpRegistrationForm, ClientEditForm, ClientRegisterForm, ClientSearchForm
from .models import CONTACT_FIELDS, BrpKind
from .selectors import Relation, client_search


@login_required
@permission_required("clients.view_personal_data", raise_exception=True)
@require_http_methods(["GET", "POST"])
def search(request):
    # The query is POSTed, so a BSN never ends up in a URL, a server log or browser history.
    form = ClientSearchForm(request.POST or None)
    results = None
    if request.method == "POST" and form.is_valid():
        results = client_search(user=request.user, query=form.cleaned_data["q"])
        access_log_read(
            request, results, what="zoekresultaat", why=gettext_lazy("zoeken naar cliënt")
        )
    # With htmx the results update while typing; without JavaScript the form posts as usual.
    template = "clients/_search_results.html" if request.htmx else "clients/search.html"
    return render(request, template, {"form": form, "results": results})


def _primary_organisation(request):
    organisation = request.user.organisations.first()
    if organisation is None:
        raise PermissionDenied(_("Uw account is aan geen organisatie gekoppeld."))
    return organisation


@login_required
@permission_required("clients.add_client", raise_exception=True)
@require_http_methods(["GET", "POST"])
def register(request):
    form = ClientRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            client = services.client_register(
                bsn=data["bsn"],
                given_names=data["given_names"],
                surname_prefix=data["surname_prefix"],
                surname=data["surname"],
                birth_date=data["birth_date"],
                organisation=_primary_organisation(request),
                **{name: data[name] for name in CONTACT_FIELDS},
                brp=[
                    {
                        "municipality": data["brp_municipality"],
                        "kind": data["brp_kind"],
                        "valid_from": data["brp_valid_from"],
                    }
                ],
            )
        except ValidationError as error:
            renamed = error
            if hasattr(error, "error_dict"):
                mapping = {
                    "municipality": "brp_municipality",
                    "kind": "brp_kind",
                    "valid_from": "brp_valid_from",
                }
                renamed = ValidationError(
                    {mapping.get(k, k): v for k, v in error.error_dict.items()}
                )
            add_service_errors(form, renamed)
        else:
            messages.success(request, _("De cliënt is geregistreerd."))
            return redirect("clients:detail", pseudonym=client.pseudonym)
    return render(request, "clients/register.html", {"form": form, "BrpKind": BrpKind})


@login_required
@permission_required("clients.view_personal_data", raise_exception=True)
def detail(request, pseudonym):
    visible = client_get_visible_or_404(user=request.user, pseudonym=pseudonym)
    client, relation = visible.client, visible.relation
    access_log_read(request, [client], what="dossier", why=relation.value)
    today = timezone.localdate()
    indications = Indication.objects.filter(client=client).select_related(
        "product", "provider", "responsible_municipality", "allocation__last_message"
    )
    stays = (
        Stay.objects.filter(client=client)
        .select_related("product", "provider", "location")
        .prefetch_related("outflows")
    )
    if relation is Relation.PROVIDER:
        provider_ids = {o.provider_id for o in request.user.organisations.all() if o.provider_id}
        indications = indications.filter(provider_id__in=provider_ids)
        stays = stays.filter(provider_id__in=provider_ids)
    meldingen = []
    if relation.sees_access_process:
        meldingen = (
            Melding.objects.filter(client=client)
            .select_related("applied_to", "responsible_municipality", "organisation")
            .prefetch_related(
                "events__actor",
                Prefetch(
                    "responsibility_decisions",
                    queryset=ResponsibilityDecision.objects.filter(is_current=True).select_related(
                        "responsible", "rule_set"
                    ),
                    to_attr="current_decisions",
                ),
            )
            .order_by("-received_on", "-pk")
        )
        for melding in meldingen:
            melding.current_decision = next(iter(melding.current_decisions), None)
    running = set(stays.filter(end__isnull=True).values_list("indication_id", flat=True))
    indications = list(indications)
    for indication in indications:
        indication.can_start_stay = (
            indication.provider_id is not None
            and indication.pk not in running
            and (indication.valid_to is None or indication.valid_to >= today)
        )
        # An ended indication cannot be changed (a new beschikking is needed): no action.
        indication.has_ended = indication_has_ended(indication=indication, today=today)
    wlz = WlzApplication.objects.filter(client=client).order_by("-applied_on")
    can_edit = relation.may_edit
    return render(
        request,
        "clients/detail.html",
        {
            "client": client,
            "relation": relation,
            "can_edit": can_edit,
            "brp": client.brp_registrations.select_related("municipality").order_by("-valid_from"),
            "meldingen": meldingen,
            "indications": indications,
            "stays": stays,
            "wlz": wlz,
            "wlz_pending": any(w.status == WlzApplication.Status.AANGEVRAAGD for w in wlz),
            "today": today,
        },
    )


def _editable_client(request, pseudonym):
    visible = client_get_visible_or_404(user=request.user, pseudonym=pseudonym)
    if not visible.relation.may_edit:
        raise PermissionDenied(_("U mag dit dossier alleen inzien, niet wijzigen."))
    return visible


@login_required
@permission_required("clients.change_client", raise_exception=True)
@require_http_methods(["GET", "POST"])
def edit(request, pseudonym):
    visible = _editable_client(request, pseudonym)
    client = visible.client
    if request.method == "POST":
        form = ClientEditForm(request.POST)
        if form.is_valid():
            try:
                services.client_update(
                    client=client,
                    expected_version=form.cleaned_data["version"],
                    given_names=form.cleaned_data["given_names"],
                    surname_prefix=form.cleaned_data["surname_prefix"],
                    surname=form.cleaned_data["surname"],
                    birth_date=form.cleaned_data["birth_date"],
                    **{name: form.cleaned_data[name] for name in CONTACT_FIELDS},
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("De persoonsgegevens zijn bijgewerkt."))
                return redirect("clients:detail", pseudonym=client.pseudonym)
    else:
        form = ClientEditForm(
            initial={
                "version": client.version,
                "given_names": client.given_names,
                "surname_prefix": client.surname_prefix,
                "surname": client.surname,
                "birth_date": client.birth_date,
                **client.contact_fields,
            }
        )
    access_log_read(request, [client], what="persoonsgegevens wijzigen", why=visible.relation.value)
    return render(request, "clients/edit.html", {"form": form, "client": client})


@login_required
@permission_required("clients.add_brpregistration", raise_exception=True)
@require_http_methods(["GET", "POST"])
def brp_add(request, pseudonym):
    visible = _editable_client(request, pseudonym)
    client = visible.client
    form = BrpRegistrationForm(request.POST or None, initial={"version": client.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.brp_registration_add(
                client=client,
                expected_version=data["version"],
                municipality=data["municipality"],
                kind=data["kind"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("De BRP-inschrijving is toegevoegd."))
            return redirect("clients:detail", pseudonym=client.pseudonym)
    access_log_read(
        request, [client], what="BRP-inschrijving toevoegen", why=visible.relation.value
    )
    return render(request, "clients/brp_add.html", {"form": form, "client": client})
