from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "bwmo.messaging"
    verbose_name = _("iWmo-berichtenverkeer")

    def ready(self) -> None:
        # Care's changes become iWmo traffic; care itself does not know messaging.
        from bwmo.care import events

        from . import services

        events.indication_changed.connect(services.indication_changed_received)
