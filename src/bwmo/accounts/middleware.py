"""Two-factor login, enforced in one place for every screen (after django-otp's middleware).

A user with an authenticator app who has given only the password reaches nothing but the
code step (and logout). A user who must have two-factor login (beheer, auditor) and has not
set it up reaches nothing but the set-up page. See docs/security.md, "Tweestapsverificatie".
"""

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from .selectors import totp_device_for, two_factor_required

CODE_STEP_URLS = ("login_code", "logout", "set_language")
ENROL_URLS = ("two_factor", "logout", "set_language")


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        redirect = self._redirect(request)
        return redirect or self.get_response(request)

    def _redirect(self, request: HttpRequest) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return None
        if request.path_info.startswith(settings.STATIC_URL):
            return None
        if totp_device_for(user=user) is not None:
            return self._to(request, "login_code", CODE_STEP_URLS)
        if settings.BWMO_TWO_FACTOR_ENFORCED and two_factor_required(user=user):
            return self._to(request, "two_factor", ENROL_URLS)
        return None

    @staticmethod
    def _to(request: HttpRequest, target: str, allowed: tuple[str, ...]) -> HttpResponse | None:
        if request.path_info in {reverse(name) for name in allowed}:
            # The page is shown, without the menu of screens that are not reachable yet.
            request.bwmo_two_factor_pending = True  # type: ignore[attr-defined]
            return None
        query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
        return HttpResponseRedirect(reverse(target) + (f"?{query}" if query else ""))
