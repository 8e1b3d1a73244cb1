from django.urls import path

from . import views

app_name = "care"

urlpatterns = [
    path("indicaties/<int:pk>/verblijf/", views.stay_start, name="stay_start"),
    path("indicaties/<int:pk>/wijzigen/", views.indication_change, name="indication_change"),
    path("verblijven/<int:pk>/beeindigen/", views.stay_end, name="stay_end"),
    path("wlz/<uuid:pseudonym>/nieuw/", views.wlz_add, name="wlz_add"),
]
