from django.urls import path

from . import views

app_name = "woonplaats"

urlpatterns = [
    path("meldingen/<int:pk>/geschil/", views.dispute_add, name="dispute_add"),
    path("geschillen/<int:pk>/", views.dispute_update, name="dispute_update"),
]
