from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from bwmo.audit.services import access_log_read
from bwmo.clients.models import Client
from bwmo.ui.forms import BwmoForm

from .models import VerificationTrigger
from .selectors import access_log_for_client, access_log_for_user, last_anchor, last_verification
from .services import access_log_verify_and_record


class ClientQuestionForm(BwmoForm):
    bsn = forms.CharField(
        label=gettext_lazy("BSN van de cliënt"),
        min_length=9,
        max_length=9,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class UserQuestionForm(BwmoForm):
    gebruiker = forms.CharField(label=gettext_lazy("Gebruikersnaam"), max_length=150)


@login_required
@permission_required("audit.view_accesslogentry", raise_exception=True)
@require_http_methods(["GET", "POST"])
def search(request):
    """The auditor's two questions: who looked at client X, what did user Y look at."""
    client_form = ClientQuestionForm(request.POST or None, prefix="c")
    user_form = UserQuestionForm(request.GET or None, prefix="u")
    entries, question = None, ""
    if request.method == "POST" and client_form.is_valid():
        client = Client.objects.filter(bsn=client_form.cleaned_data["bsn"]).first()
        if client is None:
            client_form.add_error("bsn", _("Er staat geen cliënt met dit BSN in bwmo."))
        else:
            # The auditor's question is itself a read of that client's data.
            access_log_read(
                request, [client], what="toegangslog cliënt", why=gettext_lazy("auditor")
            )
            entries = access_log_for_client(client=client)
            question = _("Wie heeft cliënt %(p)s ingezien?") % {"p": client.short_pseudonym}
    elif request.method == "GET" and user_form.is_valid():
        username = user_form.cleaned_data["gebruiker"].strip()
        entries = access_log_for_user(username=username)
        question = _("Wat heeft gebruiker %(u)s ingezien?") % {"u": username}
    page = None
    if entries is not None:
        # A client question is a POST (no BSN in the URL): its answer is one long page.
        per_page = 500 if request.method == "POST" else 50
        page = Paginator(entries, per_page).get_page(request.GET.get("pagina"))
    return render(
        request,
        "audit/search.html",
        {
            "client_form": client_form,
            "user_form": user_form,
            "page": page,
            "question": question,
            "verification": last_verification(),
            "anchor": last_anchor(),
        },
    )


@login_required
@permission_required("audit.view_accesslogentry", raise_exception=True)
@require_POST
def verify(request):
    """The auditor's "Nu controleren": recompute the chain against the anchors, keep the result."""
    report, _record = access_log_verify_and_record(
        by=request.user.get_username(), trigger=VerificationTrigger.SCREEN
    )
    if report.ok:
        messages.success(
            request,
            ngettext(
                "Het toegangslog is in orde: %(n)s regel gecontroleerd.",
                "Het toegangslog is in orde: %(n)s regels gecontroleerd.",
                report.entries_checked,
            )
            % {"n": report.entries_checked},
        )
    else:
        messages.error(
            request,
            _("Het toegangslog is NIET in orde: de keten is gebroken bij regel %(id)s.")
            % {"id": report.first_broken_id},
        )
    return redirect("audit:search")
