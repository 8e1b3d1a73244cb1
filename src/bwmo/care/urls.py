from django.urls import path

from . import views

app_name = "care"

# The change of an indication (care:indication_change) is messaging's page; bwmo/urls.py adds it.

urlpatterns = [
    path("indicaties/<int:pk>/verblijf/", views.stay_start, name="stay_start"),
    path("verblijven/<int:pk>/beeindigen/", views.stay_end, name="stay_end"),
    path("wlz/<uuid:pseudonym>/nieuw/", views.wlz_add, name="wlz_add"),
]
