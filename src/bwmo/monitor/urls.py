from django.urls import path

from . import views

app_name = "monitor"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("raadsrapportage/", views.council_report, name="council_report"),
    path("landelijk/", views.national, name="national"),
]
