from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("werkvoorraad/", views.worklist, name="worklist"),
    path("werkvoorraad/excel/", views.worklist_excel, name="worklist_excel"),
]

# Login and logout live outside the namespace so that LOGIN_URL = "login" works.
auth_urlpatterns = [
    path("inloggen/", views.LoginView.as_view(), name="login"),
    path("uitloggen/", auth_views.LogoutView.as_view(), name="logout"),
]
