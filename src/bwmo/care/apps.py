from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "bwmo.care"
    verbose_name = _("Zorg: producten, contracten, indicaties en verblijven")
