"""Team names: one spelling for look-alikes, so the admin refuses a disguised duplicate."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from teams.models import Side, Team
from teams.text import normalise_name
from tests.sessions import confirm_password


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        pytest.param("Growth\u200b Marketing", "Growth Marketing", id="zero-width space"),
        pytest.param("Gro\u200cwth\u200d", "Growth", id="zero-width (non-)joiner"),
        pytest.param("\ufeffGrowth\u2060", "Growth", id="BOM and word joiner"),
        pytest.param("Cafe\u0301", "Café", id="decomposed é"),
        pytest.param("e\u200b\u0301", "é", id="mark split off by a zero-width space"),
        pytest.param("  Mid \t\n Market\u00a0 Sales  ", "Mid Market Sales", id="whitespace"),
        pytest.param("a\u0000b", "a\u0000b", id="NUL is left for the validators"),
    ],
)
def test_normalise_name(typed, normalised):
    """NFC, format characters dropped, whitespace trimmed and collapsed; nothing else changes."""
    assert normalise_name(typed) == normalised


def _add_team(client: Client, name: str) -> Any:
    return client.post(
        reverse("admin:teams_team_add"),
        {
            "name": name,
            "side": Side.MARKETING,
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        },
    )


@pytest.mark.parametrize(
    "look_alike",
    [
        pytest.param("Growth\u200b Marketing", id="zero-width space"),
        pytest.param("\ufeffGrowth Marketing", id="byte order mark"),
        pytest.param("Growth  Marketing ", id="whitespace"),
    ],
)
def test_look_alike_team_name_is_a_duplicate_in_the_admin(
    client, staff_user, marketing_team, look_alike
):
    """The admin refuses a team whose name only looks different from an existing one."""
    client.force_login(staff_user)
    confirm_password(client)

    response = _add_team(client, look_alike)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["name"] == [
        "Team with this Name already exists."
    ]
    assert Team.objects.count() == 1


def test_decomposed_team_name_is_a_duplicate_in_the_admin(client, staff_user):
    """A name typed with a decomposed é repeats the composed one."""
    Team.objects.create(name="Équipe Ventes", side=Side.SALES)
    client.force_login(staff_user)
    confirm_password(client)

    response = _add_team(client, unicodedata.normalize("NFD", "Équipe Ventes"))

    assert response.context["adminform"].form.errors["name"]
    assert Team.objects.count() == 1


def test_team_name_is_saved_normalised(client, staff_user):
    """The admin stores the one spelling of a new team's name."""
    client.force_login(staff_user)
    confirm_password(client)

    response = _add_team(client, " Field\u200b  Marketing ")

    assert response.status_code == 302
    assert Team.objects.get().name == "Field Marketing"
