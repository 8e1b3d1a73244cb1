from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiClient


class ApiClientRateThrottle(SimpleRateThrottle):
    """Per API client: its own ``rate_per_minute`` (in beheer), counted per minute."""

    scope = "api_client"

    def get_rate(self) -> str:
        return "0/min"  # replaced per request in allow_request

    def allow_request(self, request: Request, view) -> bool:
        client = request.auth
        if not isinstance(client, ApiClient):
            return True  # unauthenticated requests get a 401 before any data
        self.num_requests, self.duration = client.rate_per_minute, 60
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view) -> str | None:
        client = request.auth
        if not isinstance(client, ApiClient):
            return None
        return self.cache_format % {"scope": self.scope, "ident": client.key}
