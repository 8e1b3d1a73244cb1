from django.urls import path

from . import views

app_name = "forecast"

urlpatterns = [
    path("", views.index, name="index"),
    path("vergelijken/", views.compare, name="compare"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/status/", views.status, name="status"),
    path("<int:pk>/excel/", views.excel, name="excel"),
]
