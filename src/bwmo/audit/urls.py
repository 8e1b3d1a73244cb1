from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.search, name="search"),
    path("controleren/", views.verify, name="verify"),
    path("excel/", views.download, name="download"),
]
