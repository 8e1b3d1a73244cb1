from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bwmo.audit.services import access_log_read
from bwmo.clients.models import Client
from bwmo.clients.selectors import (
    WLZ_APPLICATION_KIND,
    client_get_for_change_or_404,
    client_sight,
    indications_visible_to,
    stays_visible_to,
)
from bwmo.ui.forms import add_rule_refusals, add_service_errors

from . import services
from .forms import StayEndForm, StayStartForm, WlzApplicationForm
from .models import Indication, Stay


def editable(request, client):
    """The client's dossier, when this user may change it (else PermissionDenied)."""
    visible = client_get_for_change_or_404(user=request.user, pseudonym=client.pseudonym)
    if not visible.relation.may_edit:
        raise PermissionDenied(_("U mag dit dossier alleen inzien, niet wijzigen."))
    return visible


def in_scope(request, queryset, pk):
    """The object of this queryset with this pk, when the user may see it (its client in
    scope and, under a mandate for one kind, of that kind)."""
    visible = (
        indications_visible_to(user=request.user)
        if queryset.model is Indication
        else stays_visible_to(user=request.user)
    )
    obj = queryset.filter(pk__in=visible.values("pk"), pk=pk).first()
    if obj is None:
        raise Http404
    return obj


@login_required
@permission_required("care.add_stay", raise_exception=True)
@require_http_methods(["GET", "POST"])
def stay_start(request, pk):
    indication = in_scope(
        request, Indication.objects.select_related("client", "product", "provider"), pk
    )
    visible = editable(request, indication.client)
    form = StayStartForm(
        request.POST or None,
        initial={"start": timezone.localdate()},
        provider=indication.provider,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.stay_start(indication=indication, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Het verblijf is gestart; de indicatie is verzilverd."))
            return redirect("clients:detail", pseudonym=indication.client.pseudonym)
    elif request.method == "POST":
        # The stay's rules show with the field errors, not one submit later.
        add_rule_refusals(
            form,
            lambda data: services.stay_start(
                indication=Indication.objects.get(pk=indication.pk), **data
            ),
        )
    access_log_read(
        request, [indication.client], what="verblijf starten", why=visible.relation.value
    )
    return render(
        request,
        "care/stay_start.html",
        {"form": form, "indication": indication, "client": indication.client},
    )


@login_required
@permission_required("care.change_stay", raise_exception=True)
@require_http_methods(["GET", "POST"])
def stay_end(request, pk):
    stay = in_scope(request, Stay.objects.select_related("client", "product", "provider"), pk)
    visible = editable(request, stay.client)
    form = StayEndForm(
        request.POST or None, initial={"version": stay.version, "end": timezone.localdate()}
    )

    def run(data: dict, stay: Stay = stay) -> object:
        return services.stay_end(stay=stay, expected_version=data.pop("version"), **data)

    if request.method == "POST" and form.is_valid():
        try:
            run(dict(form.cleaned_data))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Het verblijf is beëindigd en de uitstroom vastgelegd."))
            return redirect("clients:detail", pseudonym=stay.client.pseudonym)
    elif request.method == "POST":
        # The stay's rules show with the field errors, not one submit later.
        add_rule_refusals(form, lambda data: run(data, Stay.objects.get(pk=stay.pk)))
    access_log_read(request, [stay.client], what="verblijf beëindigen", why=visible.relation.value)
    return render(
        request, "care/stay_end.html", {"form": form, "stay": stay, "client": stay.client}
    )


@login_required
@permission_required("care.add_wlzapplication", raise_exception=True)
@require_http_methods(["GET", "POST"])
def wlz_add(request, pseudonym):
    visible = client_get_for_change_or_404(user=request.user, pseudonym=pseudonym)
    if not visible.relation.may_edit:
        raise PermissionDenied
    client = visible.client
    if not client_sight(user=request.user, client=client).sees(WLZ_APPLICATION_KIND):
        # A Wlz application is a BW record: a mandate for MO only does not record one.
        raise PermissionDenied(
            _(
                "Een Wlz-aanvraag hoort bij beschermd wonen (BW). U ziet het BW-deel van dit "
                "dossier niet en kunt er daarom geen vastleggen."
            )
        )
    form = WlzApplicationForm(request.POST or None, initial={"applied_on": timezone.localdate()})
    if request.method == "POST" and not form.is_valid():
        # The rules (dates) show with the field errors, not one submit later.
        add_rule_refusals(
            form,
            lambda data: services.wlz_application_record(
                client=Client.objects.get(pk=client.pk), **data
            ),
        )
    elif request.method == "POST":
        try:
            services.wlz_application_record(client=client, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("De Wlz-aanvraag is vastgelegd."))
            return redirect("clients:detail", pseudonym=client.pseudonym)
    access_log_read(request, [client], what="Wlz-aanvraag vastleggen", why=visible.relation.value)
    return render(request, "care/wlz_add.html", {"form": form, "client": client})
