"""The page benchmark's reference views: the floor and the signed-in floor (benchmarks/)."""

import copy
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.urls import reverse

from benchmarks.floor import FLOOR_PATH, SIGNED_IN_FLOOR_PATH
from teams.models import Side, Team

pytestmark = pytest.mark.django_db

# As benchmarks.settings has them: the site's templates plus the floor's.
BENCHMARK_TEMPLATES: list[dict[str, Any]] = copy.deepcopy(settings.TEMPLATES)
BENCHMARK_TEMPLATES[0]["DIRS"] = [
    *BENCHMARK_TEMPLATES[0]["DIRS"],
    settings.BASE_DIR / "benchmarks" / "templates",
]


@override_settings(ROOT_URLCONF="benchmarks.urls", TEMPLATES=BENCHMARK_TEMPLATES)
def test_the_floor_answers_anyone_and_the_signed_in_floor_only_the_signed_in():
    Team.objects.create(name="Floor team", side=Side.MARKETING)
    client = Client()
    floor = client.get(FLOOR_PATH)
    assert floor.status_code == 200
    assert b"Floor team" in floor.content
    # Behind the site's middleware, as every app page: signing in comes first.
    anonymous = client.get(SIGNED_IN_FLOOR_PATH)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse(settings.LOGIN_URL))
    client.force_login(get_user_model().objects.create_user("floor", password="x"))
    signed_in = client.get(SIGNED_IN_FLOOR_PATH)
    assert signed_in.status_code == 200
    assert signed_in.content == floor.content
    # The site's middleware ran: the request log's id and the no-store header.
    assert "X-Request-ID" in signed_in
    assert "no-store" in signed_in["Cache-Control"]


def test_production_urls_never_route_to_the_floor():
    from django.urls import Resolver404, resolve

    for path in (FLOOR_PATH, SIGNED_IN_FLOOR_PATH):
        with pytest.raises(Resolver404):
            resolve(path)
