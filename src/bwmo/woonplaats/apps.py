from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WoonplaatsConfig(AppConfig):
    name = "bwmo.woonplaats"
    verbose_name = _("Woonplaatsbeginsel")
