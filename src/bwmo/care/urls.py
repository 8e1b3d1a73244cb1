from django.urls import path

from . import views, views_capacity

app_name = "care"

# The change of an indication (care:indication_change) is messaging's page; bwmo/urls.py adds it.

urlpatterns = [
    path("indicaties/<int:pk>/verblijf/", views.stay_start, name="stay_start"),
    path("verblijven/<int:pk>/beeindigen/", views.stay_end, name="stay_end"),
    path("wlz/<uuid:pseudonym>/nieuw/", views.wlz_add, name="wlz_add"),
]

# The contract manager's screens: capacity against demand and the contracts' terms.
urlpatterns += [
    path("bezetting/", views_capacity.occupancy, name="occupancy"),
    path("contracten/", views_capacity.contracts, name="contracts"),
    path("contracten/<int:pk>/", views_capacity.contract_detail, name="contract_detail"),
]
