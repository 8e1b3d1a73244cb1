"""The API's URLs: no trailing slashes (one gives a 404), kebab-case, the version in the path."""

from django.urls import path, re_path
from drf_spectacular.renderers import OpenApiJsonRenderer2, OpenApiYamlRenderer2
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import oauth, views

app_name = "api"

urlpatterns = [
    path(
        "openapi.json",
        SpectacularAPIView.as_view(renderer_classes=[OpenApiJsonRenderer2]),
        name="openapi_json",
    ),
    path(
        "openapi.yaml",
        SpectacularAPIView.as_view(renderer_classes=[OpenApiYamlRenderer2]),
        name="openapi_yaml",
    ),
    path("docs", SpectacularSwaggerSplitView.as_view(url_name="api:openapi_json"), name="docs"),
    path("oauth/token", oauth.OAuthToken.as_view(), name="oauth_token"),
    path("clients", views.ClientList.as_view(), name="clients"),
    path("clients/_zoek", views.ClientSearch.as_view(), name="client_search"),
    path("clients/<uuid:pseudonym>", views.ClientDetail.as_view(), name="client"),
    path("meldingen", views.MeldingList.as_view(), name="meldingen"),
    path("meldingen/<int:pk>", views.MeldingDetail.as_view(), name="melding"),
    path("indications", views.IndicationList.as_view(), name="indications"),
    path("stays", views.StayList.as_view(), name="stays"),
    path("allocations", views.AllocationList.as_view(), name="allocations"),
    path("iwmo-messages", views.MessageList.as_view(), name="messages"),
    path("iwmo-messages/<int:pk>", views.MessageDetail.as_view(), name="message"),
    path("declarations", views.DeclarationList.as_view(), name="declarations"),
    path("monitor-figures", views.MonitorFigures.as_view(), name="monitor_figures"),
    path("budgets", views.Budgets.as_view(), name="budgets"),
    re_path(r"^.*$", views.NotFoundView.as_view(), name="not_found"),
]
