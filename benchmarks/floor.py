"""The floor: the least a server-rendered Django page costs here.

One query of 12 rows and one template render, served by a handler without any middleware
(benchmarks/wsgi.py), so every page's throughput can be read as a share of it.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from teams.models import Team

FLOOR_PATH = "/benchmark-floor/"


@login_not_required
def floor(request: HttpRequest) -> HttpResponse:
    teams = list(Team.objects.order_by("pk").values("pk", "name", "side")[:12])
    return render(request, "benchmarks/floor.html", {"teams": teams})
