from django.db.models import QuerySet

from .models import AccessLogEntry


def access_log_for_client(*, client) -> QuerySet[AccessLogEntry]:
    return AccessLogEntry.objects.filter(client_pseudonym=str(client.pseudonym)).order_by("-pk")


def access_log_for_user(*, username: str) -> QuerySet[AccessLogEntry]:
    return AccessLogEntry.objects.filter(username=username).order_by("-pk")


def last_verification():
    from .models import ChainVerification

    return ChainVerification.objects.order_by("-pk").first()


def last_anchor():
    from .models import ChainAnchor

    return ChainAnchor.objects.order_by("-pk").first()
