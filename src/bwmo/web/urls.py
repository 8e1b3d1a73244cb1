from django.urls import path

from . import sso_views, two_factor_views, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("werkvoorraad/", views.worklist, name="worklist"),
    path("werkvoorraad/excel/", views.worklist_excel, name="worklist_excel"),
]

# Login and logout live outside the namespace so that LOGIN_URL = "login" works.
auth_urlpatterns = [
    path("inloggen/", views.LoginView.as_view(), name="login"),
    path("uitloggen/", sso_views.LogoutView.as_view(), name="logout"),
    path("inloggen/code/", two_factor_views.login_code, name="login_code"),
    path("tweestapsverificatie/", two_factor_views.two_factor, name="two_factor"),
    path(
        "wachtwoord-vergeten/",
        two_factor_views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "wachtwoord-vergeten/verstuurd/",
        two_factor_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "wachtwoord-herstellen/<uidb64>/<token>/",
        two_factor_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "wachtwoord-herstellen/klaar/",
        two_factor_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # Single sign-on (OpenID Connect): a 404 while it is not configured.
    path("inloggen/sso/", sso_views.SsoStartView.as_view(), name="sso_start"),
    path("inloggen/sso/terug/", sso_views.SsoCallbackView.as_view(), name="sso_callback"),
]
