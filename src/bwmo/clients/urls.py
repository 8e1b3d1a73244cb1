from django.urls import path

from . import views

app_name = "clients"

urlpatterns = [
    path("", views.search, name="search"),
    path("nieuw/", views.register, name="register"),
    path("nieuw/zonder-bsn/", views.register_provisional, name="register_provisional"),
    path("<uuid:pseudonym>/", views.detail, name="detail"),
    path("<uuid:pseudonym>/wijzigen/", views.edit, name="edit"),
    path("<uuid:pseudonym>/brp/nieuw/", views.brp_add, name="brp_add"),
    path("<uuid:pseudonym>/bsn/", views.merge, name="merge"),
]
