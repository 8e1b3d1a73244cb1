"""Helpers every view that shows client data uses: loading in scope, logging, form errors."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import translation

from bwmo.audit.services import access_log_record
from bwmo.clients.models import Client
from bwmo.clients.selectors import VisibleClient, client_get_visible


def visible_client_or_404(request, pseudonym) -> VisibleClient:
    try:
        return client_get_visible(user=request.user, pseudonym=pseudonym)
    except Client.DoesNotExist:
        raise Http404 from None


def log_read(request, clients, *, what: str, why) -> None:
    # The log is a legal record: always in the installation's language, whatever the user's.
    with translation.override(settings.LANGUAGE_CODE):
        why_text = str(why)
    access_log_record(user=request.user, clients=clients, what=what, why=why_text)


def add_service_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form fields it names (others on the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for item in errors:
                form.add_error(target, item)
    else:
        for message in error.messages:
            form.add_error(None, message)
