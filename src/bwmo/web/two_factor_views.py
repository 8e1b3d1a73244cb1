"""Two-factor login (the code step after the password, setting up the app) and the
password reset by e-mail."""

import base64
from datetime import datetime
from typing import cast

import segno
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from bwmo.accounts.forms import SecondFactorForm, TotpConfirmForm
from bwmo.accounts.models import User
from bwmo.accounts.selectors import recovery_codes_left, totp_device_for, two_factor_required
from bwmo.accounts.services import (
    password_reset_reserve,
    recovery_codes_replace,
    second_factor_check,
    totp_enrolment_confirm,
    totp_new_secret,
)

PENDING_KEY = "bwmo_totp_pending"


def _user(request: HttpRequest) -> User:
    """The logged-in user (the views are behind ``login_required``)."""
    return cast(User, request.user)


def _verified(request: HttpRequest) -> bool:
    """Has this session given the second factor? (django-otp's middleware sets it.)"""
    return bool(getattr(request.user, "is_verified", lambda: False)())


def _next(request: HttpRequest) -> str:
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _throttled(retry_at: datetime) -> str:
    return _(
        "Te veel mislukte inlogpogingen vanaf dit apparaat. U kunt om %(time)s opnieuw proberen."
    ) % {"time": formats.time_format(timezone.localtime(retry_at), "H:i")}


@login_required
def login_code(request: HttpRequest) -> HttpResponse:
    """Second step of the login: the code from the app (or a recovery code)."""
    user = _user(request)
    if _verified(request) or totp_device_for(user=user) is None:
        return redirect(_next(request) or "web:home")
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = second_factor_check(
            user=user, code=form.cleaned_data["code"], address=request.META.get("REMOTE_ADDR", "")
        )
        if outcome.device is not None:
            otp_login(request, outcome.device)
            if outcome.recovery_code_used:
                request.session["bwmo_recovery_code_used"] = True
                return redirect("two_factor")
            return redirect(_next(request) or "web:home")
        form.add_error(
            "code",
            _throttled(outcome.retry_at)
            if outcome.retry_at
            else _(
                "Deze code klopt niet of is verlopen. Vul de 6 cijfers in die de app nu toont "
                "(de code verandert elke 30 seconden), of een herstelcode die u nog niet "
                "gebruikt hebt."
            ),
        )
    return render(request, "registration/login_code.html", {"form": form, "next": _next(request)})


def _qr_data_uri(url: str) -> str:
    """The QR code as an SVG data URI, made here (no outside service sees the secret)."""
    return str(
        segno.make(url, error="m").svg_data_uri(scale=4, border=4, dark="#000", light="#fff")
    )


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Set up two-factor login (or see that it is on, and get new recovery codes)."""
    user = _user(request)
    device = totp_device_for(user=user)
    if device is not None:
        if request.method == "POST" and "new_codes" in request.POST:
            codes = recovery_codes_replace(user=user)
            return render(request, "registration/recovery_codes.html", {"codes": codes})
        context = {
            "enabled": True,
            "recovery_codes_left": recovery_codes_left(user=user),
            "recovery_code_used": request.session.pop("bwmo_recovery_code_used", False),
        }
        return render(request, "registration/two_factor.html", context)
    key = request.session.get(PENDING_KEY) or totp_new_secret()
    request.session[PENDING_KEY] = key
    form = TotpConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome, codes = totp_enrolment_confirm(
            user=user,
            key=key,
            code=form.cleaned_data["code"],
            address=request.META.get("REMOTE_ADDR", ""),
        )
        if outcome.device is not None:
            otp_login(request, outcome.device)
            del request.session[PENDING_KEY]
            return render(
                request,
                "registration/recovery_codes.html",
                {"codes": codes, "next": _next(request)},
            )
        form.add_error(
            "code",
            _throttled(outcome.retry_at)
            if outcome.retry_at
            else _(
                "Deze code klopt niet. Vul de 6 cijfers in die de app nu toont; controleer dat "
                "de tijd op uw telefoon goed staat."
            ),
        )
    pending = TOTPDevice(user=user, name="bwmo", key=key)  # not saved: only for its URL
    secret = base64.b32encode(pending.bin_key).decode().rstrip("=")
    context = {
        "enabled": False,
        "required": two_factor_required(user=user),
        "form": form,
        "qr": _qr_data_uri(pending.config_url),
        "secret": _grouped(secret),
        "next": _next(request),
    }
    return render(request, "registration/two_factor.html", context)


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link by e-mail: the same answer whether the address exists, throttled."""

    template_name = "registration/bwmo_password_reset_form.html"
    email_template_name = "registration/bwmo_password_reset_email.txt"
    subject_template_name = "registration/bwmo_password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        reservation = password_reset_reserve(
            email=form.cleaned_data["email"].strip().lower(),
            address=self.request.META.get("REMOTE_ADDR", ""),
        )
        if not reservation.allowed:
            assert reservation.retry_at is not None
            form.add_error("email", _throttled(reservation.retry_at))
            return self.form_invalid(form)
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/bwmo_password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/bwmo_password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/bwmo_password_reset_complete.html"
