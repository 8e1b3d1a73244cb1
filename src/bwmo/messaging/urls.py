from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.message_detail, name="detail"),
    path("<int:pk>/download/", views.message_download, name="download"),
    path("inlezen/", views.upload, name="upload"),
    path("aanmaken/", views.export, name="export"),
    path("declaraties/", views.declarations, name="declarations"),
    path(
        "declaraties/<int:provider_id>/<str:month>/",
        views.declaration_month,
        name="declaration_month",
    ),
    path("verzoeken/<int:pk>/", views.request_detail, name="request"),
]
