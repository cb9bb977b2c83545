"""The site's URLs plus the floor view, for the page benchmark only."""

from django.urls import path

from benchmarks.floor import FLOOR_PATH, floor
from slaportal.urls import urlpatterns as site_urlpatterns

urlpatterns = [path(FLOOR_PATH.lstrip("/"), floor, name="benchmark_floor"), *site_urlpatterns]
