from django.utils import timezone
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from .models import ApiClient
from .services import api_request_count


class ApiClientRateThrottle(BaseThrottle):
    """Per API client: its own ``rate_per_minute`` (in beheer), counted per calendar minute
    in the database (``services.api_request_count``), so the limit holds for all server
    processes together."""

    def __init__(self) -> None:
        self._wait: float | None = None

    def allow_request(self, request: Request, view) -> bool:
        client = request.auth
        if not isinstance(client, ApiClient):
            return True  # unauthenticated requests get a 401 before any data
        now = timezone.now()
        if api_request_count(api_client=client, now=now) <= client.rate_per_minute:
            return True
        self._wait = 60 - now.second - now.microsecond / 1_000_000
        return False

    def wait(self) -> float | None:
        return self._wait
