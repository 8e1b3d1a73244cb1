"""Screens of the message traffic: the contract manager's inbox and outbox and declarations,
and the access worker's requests from providers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from bwmo.audit.services import access_log_read
from bwmo.care import models as care_models
from bwmo.care import views as care_views
from bwmo.care.models import Product
from bwmo.clients.selectors import clients_visible_to
from bwmo.iwmo import parse_message
from bwmo.organisations.models import Provider
from bwmo.ui.forms import add_rule_refusals, add_service_errors

from . import exchange, selectors, services
from .codelists import meaning, product_label, retourcodes
from .forms import IndicationChangeForm, MessageFilterForm, RequestAnswerForm, UploadForm
from .models import AllocationRequest, DeclarationLine, Direction, Message, MessageStatus

WHY_CONTRACT = gettext_lazy("contractbeheer: iWmo-berichtenverkeer")
WHY_REQUEST = gettext_lazy("behandelaar van het verzoek van de aanbieder")


def _message_or_404(request, pk) -> Message:
    message = selectors.messages_visible_to(request.user).filter(pk=pk).first()
    if message is None:
        raise Http404
    return message


def _message_clients(message: Message) -> set:
    clients = {message.client} if message.client_id else set()
    declaration = getattr(message.reply_to or message, "declaration", None)
    if declaration is not None:
        clients |= {line.client for line in declaration.lines.select_related("client")}
    return {c for c in clients if c is not None}


def _may_download(request, message: Message) -> tuple[bool, set]:
    """The XML holds BSNs, names and addresses. Who read a file in may download it and its
    answer (they had it already); others only with the right to see personal data and every
    client in it within their scope."""
    clients = _message_clients(message)
    uploader = message.uploaded_by_id or (message.reply_to and message.reply_to.uploaded_by_id)
    if uploader == request.user.pk:
        return True, clients
    if not request.user.has_perm("clients.view_personal_data") or not clients:
        return False, clients
    return _visible_client_ids(request, clients) == {c.pk for c in clients}, clients


def _visible_client_ids(request, clients) -> set[int]:
    ids = [c.pk for c in clients if c is not None]
    if not ids:
        return set()
    return set(
        clients_visible_to(user=request.user).filter(pk__in=ids).values_list("pk", flat=True)
    )


@login_required
@permission_required("messaging.exchange_iwmo", raise_exception=True)
def inbox(request):
    visible = selectors.messages_visible_to(request.user)
    form = MessageFilterForm(request.GET or None)
    shown = visible
    if form.is_bound:
        # The valid filters apply; one that cannot is named with its reason, never ignored.
        form.is_valid()
        data = form.cleaned_data
        for name, errors in form.errors.items():
            messages.warning(
                request,
                _("Filter '%(field)s' is niet toegepast: %(why)s")
                % {"field": form.fields[name].label, "why": " ".join(errors)},
            )
        if data.get("richting"):
            shown = shown.filter(direction=data["richting"])
        if data.get("bericht"):
            shown = shown.filter(message_type=data["bericht"])
        if data.get("status"):
            shown = shown.filter(status=data["status"])
        if data.get("aanbieder"):
            shown = shown.filter(provider=data["aanbieder"])
    page = Paginator(shown.defer("content"), 50).get_page(request.GET.get("pagina"))
    # Each row names its message type and retour codes in words, as the detail page does.
    rows = [(msg, retourcodes(msg.retour_codes)) for msg in page.object_list]
    month_start = timezone.localdate().replace(day=1)
    query = request.GET.copy()
    query.pop("pagina", None)
    return render(
        request,
        "messaging/inbox.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "pending": visible.filter(
                direction=Direction.OUT, status=MessageStatus.PENDING
            ).count(),
            "not_built": visible.filter(direction=Direction.OUT, status=MessageStatus.PENDING)
            .exclude(errors=[])
            .count(),
            "rejected_month": visible.filter(
                direction=Direction.IN,
                status__in=[MessageStatus.REJECTED, MessageStatus.INVALID, MessageStatus.PARTIAL],
                created_at__date__gte=month_start,
            ).count(),
            "upload": UploadForm(),
        },
    )


@login_required
@permission_required("messaging.exchange_iwmo", raise_exception=True)
def message_detail(request, pk):
    message = _message_or_404(request, pk)
    client_visible = bool(message.client_id) and message.client_id in _visible_client_ids(
        request, [message.client]
    )
    # The page names no client (a pseudonym at most) and its findings are redacted: no
    # personal data, so no access-log entry. The XML itself is behind may_download.
    findings = [
        {**e, "meaning": meaning("WJ001", e.get("retourcode") or "")} for e in message.errors
    ]
    return render(
        request,
        "messaging/detail.html",
        {
            "message": message,
            "findings": findings,
            "codes": retourcodes(message.retour_codes),
            "replies": message.replies.all(),
            "client_visible": client_visible,
            "may_download": bool(message.content) and _may_download(request, message)[0],
            "events": message.events.select_related("allocation"),
            "requests": message.requests.all(),
            "declaration": getattr(message, "declaration", None),
        },
    )


@login_required
@permission_required("messaging.exchange_iwmo", raise_exception=True)
def message_download(request, pk):
    message = _message_or_404(request, pk)
    if not message.content:
        raise Http404
    allowed, clients = _may_download(request, message)
    if not allowed:
        raise PermissionDenied(
            _("Dit bericht bevat persoonsgegevens van cliënten die u niet mag inzien.")
        )
    access_log_read(request, clients, what="iWmo-bericht downloaden", why=WHY_CONTRACT)
    name = message.filename or f"{message.message_type}_{message.pk}.xml"
    response = HttpResponse(message.content, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _inbound_dir() -> Path:
    folder = settings.DATA_DIR / "iwmo" / "in"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@login_required
@permission_required("messaging.exchange_iwmo", raise_exception=True)
@require_POST
def upload(request):
    """Read one inbound file as ``bwmo iwmo import`` would; the answer is kept for download."""
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        for error in form.errors.get("bestand", []):
            messages.error(request, error)
        return redirect("messaging:inbox")
    upload = form.cleaned_data["bestand"]
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", upload.name)[-80:] or "bericht.xml"
    if not safe.lower().endswith(".xml"):
        safe += ".xml"
    target = _inbound_dir() / f"{stamp}_{safe}"
    with target.open("wb") as f:
        for chunk in upload.chunks():
            f.write(chunk)
    result = exchange.import_file(target, today=timezone.localdate(), uploaded_by=request.user)
    if result.outcome == exchange.Outcome.DUPLICATE:
        target.unlink(missing_ok=True)
        messages.warning(
            request,
            _("Dit bestand is al eerder ingelezen; het is niet opnieuw verwerkt."),
        )
        return redirect("messaging:inbox")
    if result.outcome == exchange.Outcome.SKIPPED:
        target.unlink(missing_ok=True)
        messages.error(
            request,
            _(
                "Dit is een %(type)s: een bericht dat de gemeente zelf verstuurt, "
                "geen bericht van een aanbieder."
            )
            % {"type": result.message_type},
        )
        return redirect("messaging:inbox")
    message = Message.objects.filter(direction=Direction.IN, filename=target.name).first()
    status = MessageStatus(result.status).label
    if result.status == MessageStatus.INVALID:
        # Not an iWmo message bwmo can read (encoding, DOCTYPE, not XML, XSD): say why.
        first = result.errors[0]["message"] if result.errors else ""
        messages.error(
            request,
            _("Het bestand is niet verwerkt: %(why)s") % {"why": first},
        )
    elif result.status == MessageStatus.ACCEPTED:
        messages.success(request, _("Het bestand is ingelezen: %(s)s.") % {"s": status})
    else:
        messages.warning(
            request,
            _("Het bestand is ingelezen: %(s)s. Zie de bevindingen hieronder.") % {"s": status},
        )
    return redirect("messaging:detail", pk=message.pk)


@login_required
@permission_required("messaging.exchange_iwmo", raise_exception=True)
@require_POST
def export(request):
    """Build every pending WMO301/319 of the user's municipalities; then downloadable."""
    folder = settings.DATA_DIR / "iwmo" / "uit"
    result = exchange.export_pending(
        municipality_codes=selectors.message_municipalities(request.user),
        out_dir=folder,
        today=timezone.localdate(),
        within=selectors.pending_exports_visible_to(request.user),
    )
    if result.written:
        n = len(result.written)
        text = ngettext(
            "%(n)s bericht aangemaakt; het staat als 'Verzonden' in de lijst en in de "
            "uitwisselmap.",
            "%(n)s berichten aangemaakt; ze staan als 'Verzonden' in de lijst en in de "
            "uitwisselmap.",
            n,
        ) % {"n": n}
        if request.user.is_staff:
            # Where the folder is, only for beheer: a contract manager needs no server path.
            text += " " + _(
                "De uitwisselmap is de map iwmo/uit onder BWMO_DATA_DIR (instelling DATA_DIR)."
            )
        messages.success(request, text)
    if result.failed:
        n = len(result.failed)
        messages.error(
            request,
            ngettext(
                "%(n)s bericht kon niet worden aangemaakt; het blijft klaarstaan. "
                "Zie de bevindingen bij het bericht.",
                "%(n)s berichten konden niet worden aangemaakt; ze blijven klaarstaan. "
                "Zie hun bevindingen.",
                n,
            )
            % {"n": n},
        )
    if not result.written and not result.failed:
        messages.info(request, _("Er stonden geen berichten klaar."))
    return redirect("messaging:inbox")


@login_required
@permission_required("messaging.exchange_iwmo", raise_exception=True)
def declarations(request):
    asked = request.GET.get("jaar", "").strip()
    year = int(asked) if asked.isdigit() and 2000 <= int(asked) <= 2100 else None
    if asked and year is None:
        messages.warning(
            request,
            _("'%(year)s' is geen jaar: alle jaren zijn getoond. Geef een jaar als 2026.")
            % {"year": asked},
        )
    months = selectors.declaration_months(request.user, year=year)
    return render(request, "messaging/declarations.html", {"months": months, "year": year})


@dataclass
class _MonthLine:
    """A declaration line as the month page shows it."""

    line: DeclarationLine
    client_visible: bool
    code_meanings: list[tuple[str, str]]
    product_label: str


@login_required
@permission_required("messaging.exchange_iwmo", raise_exception=True)
def declaration_month(request, provider_id: int, month: str):
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise Http404 from None
    provider = Provider.objects.filter(pk=provider_id).first()
    lines = list(selectors.declaration_lines(request.user, provider_id=provider_id, month=first))
    if provider is None or not lines:
        raise Http404
    visible = _visible_client_ids(request, [line.client for line in lines])
    names = dict(Product.objects.values_list("code", "name"))
    shown = [
        _MonthLine(
            line,
            client_visible=line.client_id in visible,
            code_meanings=retourcodes(line.codes),
            product_label=product_label(line.category, line.product_code, names),
        )
        for line in lines
    ]
    access_log_read(
        request,
        {line.client for line in lines if line.client_id},
        what="declaratieregels",
        why=WHY_CONTRACT,
    )
    declared = sum(line.amount_cents for line in lines) / 100
    approved = sum(line.amount_cents for line in lines if line.approved) / 100
    return render(
        request,
        "messaging/declaration_month.html",
        {
            "provider": provider,
            "month": first,
            "lines": shown,
            "declared": declared,
            "approved": approved,
            "rejected": declared - approved,
        },
    )


# --- requests from providers, for the access worker ------------------------------------------


def _client_from_message(request_obj: AllocationRequest):
    """Name and birth date as the provider sent them, for a client not (yet) in bwmo."""
    try:
        bericht = parse_message(request_obj.message.content.encode())
    except Exception:
        return None
    client = getattr(bericht, "client", None)
    if client is None:
        return None
    naam = client.naam
    return {
        "naam": " ".join(
            p
            for p in (naam.voornamen, naam.geslachtsnaam.voorvoegsel, naam.geslachtsnaam.naam)
            if p
        ),
        "geboortedatum": client.geboortedatum.datum,
    }


def _answer(data: dict, req: AllocationRequest, user) -> AllocationRequest:
    return services.request_answer(
        request=req,
        user=user,
        expected_version=data["version"],
        answer=data["answer"],
        rejection_reason=data["rejection_reason"],
    )


@login_required
@permission_required("toegang.process_melding", raise_exception=True)
@require_http_methods(["GET", "POST"])
def request_detail(request, pk):
    req = selectors.requests_visible_to(request.user).filter(pk=pk).first()
    if req is None:
        raise Http404
    form = RequestAnswerForm(request.POST or None, initial={"version": req.version})
    if request.method == "POST" and request.POST.get("action") == "toekennen":
        try:
            services.change_request_grant(
                request=req, user=request.user, expected_version=int(request.POST["version"])
            )
        except (ValidationError, KeyError, ValueError) as error:
            for text in getattr(error, "messages", [_("Het formulier is onvolledig.")]):
                messages.error(request, text)
        else:
            messages.success(
                request, _("De wijziging is toegekend; de nieuwe toewijzing (WMO301) staat klaar.")
            )
            return redirect("messaging:request", pk=req.pk)
    elif request.method == "POST" and form.is_valid():
        try:
            _answer(dict(form.cleaned_data), req, request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Het antwoord (WMO319) staat klaar voor de aanbieder."))
            return redirect("messaging:request", pk=req.pk)
    elif request.method == "POST":
        # The request's rules (already answered, a reason) show with the field errors.
        add_rule_refusals(
            form,
            lambda data: _answer(data, AllocationRequest.objects.get(pk=req.pk), request.user),
        )
    client_visible = bool(req.client_id) and req.client_id in _visible_client_ids(
        request, [req.client]
    )
    if req.client_id:
        access_log_read(request, [req.client], what="verzoek van aanbieder", why=WHY_REQUEST)
    answers = Message.objects.filter(reply_to=req.message, message_type="WMO319").order_by("pk")
    names = dict(Product.objects.values_list("code", "name"))
    products = [
        {
            **p,
            "label": product_label(p.get("categorie") or "", p.get("code") or "", names),
            **{
                k: date.fromisoformat(p[k])
                for k in ("ingangsdatum", "einddatum")
                if isinstance(p.get(k), str)
            },
        }
        for p in req.products
    ]
    return render(
        request,
        "messaging/request.html",
        {
            "req": req,
            "products": products,
            "form": form,
            "client_visible": client_visible,
            "sent": None if req.client_id else _client_from_message(req),
            "open": req.status
            in (AllocationRequest.Status.OPEN, AllocationRequest.Status.IN_ONDERZOEK),
            "reason_meaning": meaning("WJ758", req.reason) if req.reason else "",
            "answers": answers,
        },
    )


@login_required
@permission_required("toegang.process_melding", raise_exception=True)
@require_http_methods(["GET", "POST"])
def indication_change(request, pk):
    """Shorten, end or correct an indication; the provider gets a new WMO301.

    Served as ``care:indication_change`` (``bwmo/urls.py`` adds it to care's pages).

    What may change is decided by the service; an ended indication gets no form, only why.
    """
    indication = care_views.in_scope(
        request, care_models.Indication.objects.select_related("client", "product", "provider"), pk
    )
    visible = care_views.editable(request, indication.client)
    ended = (
        services.indication_ended_message(indication=indication)
        if selectors.indication_has_ended(indication=indication)
        else ""
    )
    opened = indication.valid_to.isoformat() if indication.valid_to else ""
    form = IndicationChangeForm(
        request.POST or None,
        initial={"valid_to": indication.valid_to, "opened_with": opened},
        reasons=selectors.indication_change_reasons(indication=indication),
    )

    def run(data: dict, indication: care_models.Indication = indication) -> object:
        seen = data["opened_with"]
        return services.indication_change_end(
            indication=indication,
            valid_to=data["valid_to"],
            reason_change=data["reason"],
            opened_with=date.fromisoformat(seen) if seen else None,
            past_end_confirmed=data["past_end_confirmed"],
        )

    if request.method == "POST" and not form.is_valid() and not ended:
        # The change's rules (dates, the confirmation) show with the field errors.
        add_rule_refusals(
            form, lambda data: run(data, care_models.Indication.objects.get(pk=indication.pk))
        )
    elif request.method == "POST" and form.is_valid():
        try:
            run(dict(form.cleaned_data))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if indication.financing == "ZIN" and indication.provider_id:
                messages.success(
                    request,
                    _("De indicatie is gewijzigd; de toewijzing (WMO301) staat klaar voor %(p)s.")
                    % {"p": indication.provider},
                )
            else:
                messages.success(request, _("De indicatie is gewijzigd."))
            return redirect("clients:detail", pseudonym=indication.client.pseudonym)
    access_log_read(
        request, [indication.client], what="indicatie wijzigen", why=visible.relation.value
    )
    return render(
        request,
        "messaging/indication_change.html",
        {
            "form": form,
            "indication": indication,
            "client": indication.client,
            "ended": ended,
            "warnings": []
            if ended
            else selectors.indication_change_warnings(indication=indication, user=request.user),
        },
    )
