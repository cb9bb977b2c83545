"""The site's URLs plus the floor view, for the page benchmark only."""

from django.urls import path

from benchmarks.floor import FLOOR_PATH, SIGNED_IN_FLOOR_PATH, floor, signed_in_floor
from slaportal.urls import urlpatterns as site_urlpatterns

urlpatterns = [
    path(FLOOR_PATH.lstrip("/"), floor, name="benchmark_floor"),
    path(SIGNED_IN_FLOOR_PATH.lstrip("/"), signed_in_floor, name="benchmark_signed_in_floor"),
    *site_urlpatterns,
]
