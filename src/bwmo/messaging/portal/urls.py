from django.urls import path

from . import views

app_name = "portaal"

urlpatterns = [
    path("toewijzingen/", views.allocations, name="allocations"),
    path("toewijzingen/<int:number>/", views.allocation_detail, name="allocation"),
    path("clienten/", views.clients, name="clients"),
    path("clienten/<uuid:pseudonym>/verzoek/", views.allocation_request, name="request"),
    path("clienten/nieuw/verzoek/", views.new_client_request, name="new_client_request"),
    path("declaraties/", views.declarations, name="declarations"),
    path("antwoorden/", views.answers, name="answers"),
    path("antwoorden/<int:pk>/", views.answer_detail, name="answer"),
]
