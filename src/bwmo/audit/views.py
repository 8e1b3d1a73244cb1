import re
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from bwmo.audit.services import access_log_read
from bwmo.clients.models import Client

from .excel import access_log_workbook, period_text
from .forms import ClientQuestionForm, UntilForm, UserQuestionForm
from .models import VerificationTrigger
from .selectors import (
    COLLAPSE_WINDOW,
    Period,
    access_log_collapsed,
    access_log_for_client,
    access_log_for_user,
    access_log_last_pk,
    last_anchor,
    last_verification,
)
from .services import access_log_verify_and_record

PER_PAGE = 50  # rows on screen (a collapsed row counts once)


@dataclass
class Answer:
    kind: str  # "client" or "user"
    question: str
    period: Period
    entries: object  # a queryset, newest first
    until_pk: int | None
    client: Client | None = None
    username: str = ""


def _forms(request):
    data = request.POST if request.method == "POST" else None
    client_form = ClientQuestionForm(data if data and "c-bsn" in data else None, prefix="c")
    user_form = UserQuestionForm(
        data if data and "u-gebruiker" in data else (request.GET or None), prefix="u"
    )
    return client_form, user_form


def _until(request) -> int | None:
    """The newest entry of an earlier answer (pagination, download), or the newest now."""
    form = UntilForm(request.POST if request.method == "POST" else request.GET)
    if form.is_valid() and form.cleaned_data["tot_regel"] is not None:
        return form.cleaned_data["tot_regel"]
    return None


def _answer(request, client_form, user_form, *, what: str) -> Answer | None:
    """The auditor's question as asked; a client question is logged as a read of that client."""
    if client_form.is_bound and client_form.is_valid():
        client = Client.objects.filter(bsn=client_form.cleaned_data["bsn"]).first()
        if client is None:
            client_form.add_error("bsn", _("Er staat geen cliënt met dit BSN in bwmo."))
            return None
        # The auditor's question is itself a read of that client's data.
        access_log_read(request, [client], what=what, why=gettext_lazy("auditor"))
        period = client_form.period
        until = _until(request) or access_log_last_pk()
        return Answer(
            "client",
            _("Wie keek naar cliënt %(p)s?") % {"p": client.short_pseudonym},
            period,
            access_log_for_client(client=client, period=period, until_pk=until),
            until,
            client=client,
        )
    if user_form.is_bound and user_form.is_valid():
        username = user_form.cleaned_data["gebruiker"]
        period = user_form.period
        until = _until(request) or access_log_last_pk()
        return Answer(
            "user",
            _("Wat bekeek gebruiker %(u)s?") % {"u": username},
            period,
            access_log_for_user(username=username, period=period, until_pk=until),
            until,
            username=username,
        )
    return None


def _render(request, client_form, user_form, answer, *, status=200):
    page = rows = None
    if answer is not None:
        rows = access_log_collapsed(answer.entries.iterator(), COLLAPSE_WINDOW)
        source = request.POST if answer.kind == "client" else request.GET
        number = source.get("pagina")
        page = Paginator(rows, PER_PAGE).get_page(number)
    user_query = ""
    if answer is not None and answer.kind == "user":
        query = request.GET.copy()
        query.pop("pagina", None)
        query["tot_regel"] = answer.until_pk or ""
        user_query = query.urlencode()
    return render(
        request,
        "audit/search.html",
        {
            "client_form": client_form,
            "user_form": user_form,
            "answer": answer,
            "page": page,
            "stored": sum(r.count for r in rows) if rows is not None else 0,
            "period_text": period_text(answer.period) if answer else "",
            "user_query": user_query,
            "window_minutes": int(COLLAPSE_WINDOW.total_seconds() // 60),
            "verification": last_verification(),
            "anchor": last_anchor(),
        },
        status=status,
    )


@login_required
@permission_required("audit.view_accesslogentry", raise_exception=True)
@require_http_methods(["GET", "POST"])
def search(request):
    """The auditor's two questions: who looked at client X, what did user Y look at."""
    client_form, user_form = _forms(request)
    answer = _answer(request, client_form, user_form, what="toegangslog cliënt")
    return _render(request, client_form, user_form, answer)


@login_required
@permission_required("audit.view_accesslogentry", raise_exception=True)
@require_POST
def download(request):
    """The answer on the screen as an Excel workbook; the download is logged per client."""
    client_form, user_form = _forms(request)
    answer = _answer(request, client_form, user_form, what="toegangslog cliënt (Excel)")
    if answer is None:
        if not client_form.is_bound and not user_form.is_bound:
            messages.error(
                request, _("Stel eerst een vraag; daarna kunt u het antwoord downloaden.")
            )
            return redirect("audit:search")
        return _render(request, client_form, user_form, None, status=400)
    entries = list(answer.entries)
    now = timezone.now()
    data = access_log_workbook(
        question=answer.question,
        period=answer.period,
        entries=entries,
        until_pk=answer.until_pk,
        made_by=request.user.get_username(),
        made_at=now,
    )
    if answer.kind == "user":
        # The workbook carries these clients' pseudonyms out of bwmo: one entry per client.
        # (An entry about the account itself, such as a single sign-on login, has none.)
        pseudonyms = {e.client_pseudonym for e in entries if e.client_pseudonym}
        clients = Client.objects.filter(pseudonym__in=pseudonyms).order_by("pk")
        access_log_read(
            request, clients, what="toegangslog gebruiker (Excel)", why=gettext_lazy("auditor")
        )
        subject = "gebruiker-" + re.sub(r"[^A-Za-z0-9._-]", "_", answer.username)[:40]
    else:
        subject = "client-" + answer.client.short_pseudonym
    filename = f"bwmo-toegangslog-{subject}-{timezone.localtime(now):%Y%m%d-%H%M}.xlsx"
    response = HttpResponse(
        data,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


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
