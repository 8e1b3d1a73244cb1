from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ToegangConfig(AppConfig):
    name = "bwmo.toegang"
    verbose_name = _("Toegang: melding tot beschikking")
