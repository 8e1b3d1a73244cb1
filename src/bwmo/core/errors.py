from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

STALE_MESSAGE = _(
    "Iemand anders heeft dit dossier gewijzigd nadat u het formulier opende. Uw wijziging is "
    "niet opgeslagen. Open het formulier opnieuw om met de actuele gegevens verder te gaan."
)


class StaleVersionError(ValidationError):
    """The record changed since the form was opened (optimistic locking)."""

    def __init__(self):
        super().__init__(STALE_MESSAGE, code="stale")
