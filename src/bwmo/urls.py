from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from bwmo.care import urls as care_urls
from bwmo.messaging import views as messaging_views
from bwmo.web.urls import auth_urlpatterns
from bwmo.web.views import admin_login

admin.site.site_header = _("bwmo beheer")
admin.site.site_title = _("bwmo beheer")
admin.site.index_title = _("Functioneel beheer")

urlpatterns = [
    *auth_urlpatterns,
    path("", include("bwmo.web.urls")),
    path("clienten/", include("bwmo.clients.urls")),
    path("meldingen/", include("bwmo.toegang.urls")),
    # Care's pages, with the change of an indication that messaging serves (it becomes a WMO301).
    path(
        "zorg/",
        include(
            (
                [
                    *care_urls.urlpatterns,
                    path(
                        "indicaties/<int:pk>/wijzigen/",
                        messaging_views.indication_change,
                        name="indication_change",
                    ),
                ],
                care_urls.app_name,
            )
        ),
    ),
    path("woonplaats/", include("bwmo.woonplaats.urls")),
    path("financien/", include("bwmo.finance.urls")),
    path("berichten/", include("bwmo.messaging.urls")),
    path("monitor/", include("bwmo.monitor.urls")),
    path("prognose/", include("bwmo.forecast.urls")),
    path("aanbieder/", include("bwmo.messaging.portal.urls")),
    path("toegangslog/", include("bwmo.audit.urls")),
    path("taal/", include("django.conf.urls.i18n")),
    path("api/v1/", include("bwmo.api.urls")),
    # One login for everybody, with its throttling: the admin's own login form is not used.
    path("beheer/login/", admin_login, name="admin_login_redirect"),
    path("beheer/", admin.site.urls),
]
