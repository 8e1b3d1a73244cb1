from django.urls import path

from . import views

app_name = "toegang"

urlpatterns = [
    path("nieuw/<uuid:pseudonym>/", views.register, name="register"),
    path("mo-intake/<uuid:pseudonym>/", views.mo_intake, name="mo_intake"),
    path("<int:pk>/", views.detail, name="detail"),
    # Before the steps: "toewijzen" is not a step of the workflow.
    path("<int:pk>/toewijzen/", views.assign, name="assign"),
    path("<int:pk>/<slug:step>/", views.step, name="step"),
]
