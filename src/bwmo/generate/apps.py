from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GenerateConfig(AppConfig):
    """The synthetic population and the demo: `bwmo generate` and `bwmo demo`."""

    name = "bwmo.generate"
    label = "generate"
    verbose_name = _("Demo en synthetische gegevens")
