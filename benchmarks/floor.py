"""The floor: the least a server-rendered Django page costs here.

One query of 12 rows and one template render, served by a handler without any middleware
(benchmarks/wsgi.py), so every page's throughput can be read as a share of it.

The signed-in floor is the same view served like every app page: through the site's whole
middleware stack (session, authentication, CSRF, messages, time-outs, security headers, the
request log), for a signed-in user. What separates it from the floor is what any signed-in
page pays before its own work begins; what separates a page from it is the page's own work.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from teams.models import Team

FLOOR_PATH = "/benchmark-floor/"
SIGNED_IN_FLOOR_PATH = "/benchmark-floor/signed-in/"


@login_not_required
def floor(request: HttpRequest) -> HttpResponse:
    teams = list(Team.objects.order_by("pk").values("pk", "name", "side")[:12])
    return render(request, "benchmarks/floor.html", {"teams": teams})


def signed_in_floor(request: HttpRequest) -> HttpResponse:
    """The floor's work behind the site's middleware; signing in is required, as for app pages."""
    teams = list(Team.objects.order_by("pk").values("pk", "name", "side")[:12])
    return render(request, "benchmarks/floor.html", {"teams": teams})
