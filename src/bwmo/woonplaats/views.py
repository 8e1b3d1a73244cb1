from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bwmo.audit.services import access_log_read
from bwmo.toegang.models import Melding
from bwmo.toegang.views import melding_for_action
from bwmo.ui.forms import add_rule_refusals, add_service_errors

from . import services
from .forms import DisputeForm, DisputeUpdateForm
from .models import Dispute


@login_required
@permission_required("woonplaats.add_dispute", raise_exception=True)
@require_http_methods(["GET", "POST"])
def dispute_add(request, pk):
    melding, relation = melding_for_action(request, pk)
    form = DisputeForm(
        request.POST or None,
        initial={"claimant": melding.responsible_municipality, "opened_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.dispute_record(melding=melding, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Het geschil is vastgelegd."))
            return redirect("toegang:detail", pk=melding.pk)
    elif request.method == "POST":
        # The dispute's rules (two municipalities, the date) show with the field errors.
        add_rule_refusals(
            form,
            lambda data: services.dispute_record(
                melding=Melding.objects.get(pk=melding.pk), user=request.user, **data
            ),
        )
    access_log_read(request, [melding.client], what="geschil vastleggen", why=relation.value)
    return render(
        request,
        "woonplaats/dispute_form.html",
        {
            "form": form,
            "melding": melding,
            "client": melding.client,
            "title": _("Geschil over de verantwoordelijkheid vastleggen"),
        },
    )


@login_required
@permission_required("woonplaats.change_dispute", raise_exception=True)
@require_http_methods(["GET", "POST"])
def dispute_update(request, pk):
    dispute = get_object_or_404(Dispute, pk=pk)
    melding, relation = melding_for_action(request, dispute.melding_id)
    form = DisputeUpdateForm(
        request.POST or None,
        initial={
            "status": dispute.status,
            "advice_responsible": dispute.advice_responsible,
            "advice_date": dispute.advice_date,
            "note": dispute.note,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.dispute_update(dispute=dispute, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Het geschil is bijgewerkt; de verantwoordelijkheid is opnieuw bepaald.")
            )
            return redirect("toegang:detail", pk=melding.pk)
    elif request.method == "POST":
        # The advice's rules show with the field errors, not one submit later.
        add_rule_refusals(
            form,
            lambda data: services.dispute_update(
                dispute=Dispute.objects.get(pk=dispute.pk), user=request.user, **data
            ),
        )
    access_log_read(request, [melding.client], what="geschil bijwerken", why=relation.value)
    return render(
        request,
        "woonplaats/dispute_form.html",
        {
            "form": form,
            "melding": melding,
            "client": melding.client,
            "dispute": dispute,
            "title": _("Geschil bijwerken"),
        },
    )
