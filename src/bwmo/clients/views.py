from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from bwmo.audit.services import access_log_read
from bwmo.care.models import WlzApplication
from bwmo.clients.selectors import client_get_for_change_or_404, client_get_visible_or_404
from bwmo.messaging.selectors import indication_has_ended
from bwmo.ui.forms import add_rule_refusals, add_service_errors
from bwmo.woonplaats.models import ResponsibilityDecision

from . import services
from .forms import (
    BrpRegistrationForm,
    ClientEditForm,
    ClientRegisterForm,
    ClientSearchForm,
    MergeForm,
    ProvisionalRegisterForm,
)
from .models import CONTACT_FIELDS, BrpKind, Client
from .selectors import (
    WLZ_APPLICATION_KIND,
    client_merged_target,
    client_search,
    clients_visible_to,
    dossier_records,
)

BRP_FIELD_NAMES = {
    "municipality": "brp_municipality",
    "kind": "brp_kind",
    "valid_from": "brp_valid_from",
}


def _renamed_brp_errors(error: ValidationError) -> ValidationError:
    if hasattr(error, "error_dict"):
        return ValidationError({BRP_FIELD_NAMES.get(k, k): v for k, v in error.error_dict.items()})
    return error


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

    def run(data: dict) -> Client:
        try:
            return services.client_register(
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
            raise _renamed_brp_errors(error) from None

    if request.method == "POST" and form.is_valid():
        try:
            client = run(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("De cliënt is geregistreerd."))
            return redirect("clients:detail", pseudonym=client.pseudonym)
    elif request.method == "POST":
        # The registration's rules (a BSN already known, the BRP period) show with the field
        # errors, not one submit later.
        add_rule_refusals(form, run)
    return render(request, "clients/register.html", {"form": form, "BrpKind": BrpKind})


@login_required
@permission_required("clients.add_client", raise_exception=True)
@require_http_methods(["GET", "POST"])
def register_provisional(request):
    """A person without BSN: a provisional identity, merged or completed later."""
    form = ProvisionalRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        brp = []
        if data["brp_kind"]:
            brp.append(
                {
                    "municipality": data["brp_municipality"],
                    "kind": data["brp_kind"],
                    "valid_from": data["brp_valid_from"] or timezone.localdate(),
                }
            )
        try:
            client = services.client_register_provisional(
                given_names=data["given_names"],
                surname_prefix=data["surname_prefix"],
                surname=data["surname"],
                birth_date=data["birth_date"],
                birth_year=data["birth_year"],
                identifying_notes=data["identifying_notes"],
                organisation=_primary_organisation(request),
                by=request.user,
                brp=brp,
                gender=data["gender"],
                phone=data["phone"],
            )
        except ValidationError as error:
            add_service_errors(form, _renamed_brp_errors(error))
        else:
            messages.success(
                request,
                _(
                    "De persoon is geregistreerd met een voorlopige identiteit (zonder BSN). "
                    "Leg het BSN vast zodra het bekend is."
                ),
            )
            if request.user.has_perm("toegang.register_mo_intake"):
                return redirect("toegang:mo_intake", pseudonym=client.pseudonym)
            return redirect("clients:detail", pseudonym=client.pseudonym)
    return render(request, "clients/register_provisional.html", {"form": form})


@login_required
@permission_required("clients.view_personal_data", raise_exception=True)
def detail(request, pseudonym):
    target = client_merged_target(user=request.user, pseudonym=pseudonym)
    if target is not None:
        # A merged provisional identity: its old links lead to the client it became.
        messages.info(
            request,
            _("Deze voorlopige identiteit is samengevoegd; u ziet het dossier van de cliënt."),
        )
        return redirect("clients:detail", pseudonym=target.pseudonym)
    visible = client_get_visible_or_404(user=request.user, pseudonym=pseudonym)
    client, relation = visible.client, visible.relation
    access_log_read(request, [client], what="dossier", why=relation.value)
    today = timezone.localdate()
    # What of the dossier this user sees is decided by the selectors: a provider its own
    # indications and stays, a mandate for one kind that kind only.
    records = dossier_records(user=request.user, client=client, today=today)
    indications = records.indications.select_related(
        "product", "provider", "responsible_municipality", "allocation__last_message"
    )
    stays = records.stays.select_related("product", "provider", "location").prefetch_related(
        "outflows"
    )
    meldingen = []
    if relation.sees_access_process:
        meldingen = (
            records.meldingen.select_related(
                "applied_to", "responsible_municipality", "organisation", "mo_intake"
            )
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
    # Records without a product of their own belong to a kind too (docs/security.md): a Wlz
    # application to BW, the client's own history to whoever sees the client in full.
    wlz = list(records.wlz_applications.order_by("-applied_on"))
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
            "client_events": records.client_events.select_related("actor", "other"),
            "can_record_wlz": can_edit and records.sight.sees(WLZ_APPLICATION_KIND),
            "today": today,
        },
    )


def _editable_client(request, pseudonym):
    visible = client_get_for_change_or_404(user=request.user, pseudonym=pseudonym)
    if not visible.relation.may_edit:
        raise PermissionDenied(_("U mag dit dossier alleen inzien, niet wijzigen."))
    return visible


@login_required
@permission_required("clients.change_client", raise_exception=True)
@require_http_methods(["GET", "POST"])
def edit(request, pseudonym):
    visible = _editable_client(request, pseudonym)
    client = visible.client

    def run(data: dict, client: Client = client) -> object:
        return services.client_update(
            client=client,
            expected_version=data["version"],
            given_names=data["given_names"],
            surname_prefix=data["surname_prefix"],
            surname=data["surname"],
            birth_date=data["birth_date"],
            **{name: data[name] for name in CONTACT_FIELDS},
        )

    if request.method == "POST":
        form = ClientEditForm(request.POST, provisional=client.is_provisional)
        if form.is_valid():
            try:
                run(form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("De persoonsgegevens zijn bijgewerkt."))
                return redirect("clients:detail", pseudonym=client.pseudonym)
        else:
            # The rules show with the field errors, not one submit later.
            add_rule_refusals(form, lambda data: run(data, Client.objects.get(pk=client.pk)))
    else:
        form = ClientEditForm(
            provisional=client.is_provisional,
            initial={
                "version": client.version,
                "given_names": client.given_names,
                "surname_prefix": client.surname_prefix,
                "surname": client.surname,
                "birth_date": client.birth_date,
                **client.contact_fields,
            },
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

    def run(data: dict, client: Client = client) -> object:
        return services.brp_registration_add(
            client=client,
            expected_version=data["version"],
            municipality=data["municipality"],
            kind=data["kind"],
            valid_from=data["valid_from"],
            valid_to=data["valid_to"],
        )

    if request.method == "POST" and not form.is_valid():
        # The BRP rules (periods that overlap) show with the field errors.
        add_rule_refusals(form, lambda data: run(data, Client.objects.get(pk=client.pk)))
    elif request.method == "POST":
        try:
            run(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("De BRP-inschrijving is toegevoegd."))
            return redirect("clients:detail", pseudonym=client.pseudonym)
    access_log_read(
        request, [client], what="BRP-inschrijving toevoegen", why=visible.relation.value
    )
    return render(request, "clients/brp_add.html", {"form": form, "client": client})


@login_required
@permission_required("clients.merge_client", raise_exception=True)
@require_http_methods(["GET", "POST"])
def merge(request, pseudonym):
    """Record the BSN of a provisional identity, or merge it into the client with that BSN.

    A known BSN is merged only into a client the user may see, and only after the user
    confirmed, with both records side by side, that they are the same person.
    """
    visible = _editable_client(request, pseudonym)
    provisional = visible.client
    if not provisional.is_provisional:
        raise PermissionDenied(_("Dit dossier heeft al een BSN."))
    form = MergeForm(request.POST or None, initial={"version": provisional.version})
    target = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        existing = Client.objects.filter(bsn=data["bsn"]).first()
        if existing is None:
            try:
                services.client_assign_bsn(
                    client=provisional,
                    bsn=data["bsn"],
                    birth_date=data["birth_date"],
                    by=request.user,
                    expected_version=data["version"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Het BSN is vastgelegd; dit dossier is geen voorlopige identiteit meer."),
                )
                return redirect("clients:detail", pseudonym=provisional.pseudonym)
        else:
            target = clients_visible_to(user=request.user).filter(pk=existing.pk).first()
            if target is None:
                # Said as the registration form says it: the BSN exists, nothing more.
                form.add_error(
                    "bsn",
                    _(
                        "Er is al een cliënt met dit BSN, maar dat dossier valt buiten uw "
                        "bevoegdheid. Vraag de toegangsmedewerker van de verantwoordelijke "
                        "gemeente om de voorlopige identiteit samen te voegen."
                    ),
                )
            else:
                access_log_read(
                    request,
                    [target],
                    what="samenvoegen: cliënt met BSN",
                    why=gettext_lazy("samenvoegen van een voorlopige identiteit"),
                )
                if data["confirm"] and data["confirm_into"] == target.pseudonym:
                    if data["version"] != provisional.version:
                        form.add_error(
                            None, _("Het dossier is intussen gewijzigd. Probeer het opnieuw.")
                        )
                    else:
                        try:
                            result = services.client_merge(
                                provisional=provisional, into=target, by=request.user
                            )
                        except ValidationError as error:
                            add_service_errors(form, error)
                        else:
                            text = _("De voorlopige identiteit is samengevoegd met deze cliënt.")
                            if result.brp_kept_apart:
                                text += " " + ngettext(
                                    "%(n)d BRP-periode overlapte met de BRP van de cliënt en "
                                    "is bij de gesloten voorlopige registratie bewaard.",
                                    "%(n)d BRP-perioden overlapten met de BRP van de cliënt en "
                                    "zijn bij de gesloten voorlopige registratie bewaard.",
                                    result.brp_kept_apart,
                                ) % {"n": result.brp_kept_apart}
                            messages.success(request, text)
                            return redirect("clients:detail", pseudonym=target.pseudonym)
                elif data["confirm_into"] == target.pseudonym:
                    form.add_error("confirm", _("Bevestig dat het om dezelfde persoon gaat."))
                form.data = form.data.copy()
                form.data["confirm_into"] = str(target.pseudonym)
    access_log_read(
        request, [provisional], what="voorlopige identiteit: BSN", why=visible.relation.value
    )
    return render(
        request,
        "clients/merge.html",
        {"form": form, "client": provisional, "target": target},
    )
