"""URL configuration for slaportal."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

from agreements.views.workspace import home
from slaportal.health import healthz
from teams.forms import LoginForm
from teams.reauthentication import reauthenticate


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """The site's icon, looked up at request time: the static manifest exists only then."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


urlpatterns = [
    path(
        "accounts/login/",
        login_not_required(
            auth_views.LoginView.as_view(
                authentication_form=LoginForm, redirect_authenticated_user=True
            )
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/confirm-password/", reauthenticate, name="reauthenticate"),
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages without a <link rel="icon"> (the admin's).
    path(
        "favicon.ico",
        login_not_required(favicon),
        name="favicon",
    ),
    path("admin/", admin.site.urls),
    path("agreements/", include("agreements.urls")),
    path("agreements/", include("performance.urls")),
    path("", home, name="home"),
]

handler400 = "slaportal.errors.bad_request"
handler403 = "slaportal.errors.permission_denied"
handler404 = "slaportal.errors.page_not_found"
handler500 = "slaportal.errors.server_error"
