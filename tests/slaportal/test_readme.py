"""The README tells a new user how to serve on another port and who signs for which team."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from performance.demo.people import DEMO_PASSWORD, DEMO_PEOPLE
from teams.models import Membership

README = Path(settings.BASE_DIR, "README.md").read_text(encoding="utf-8")


def test_readme_says_how_to_serve_on_another_port() -> None:
    assert "make run HOST_PORT=" in README


def test_readme_names_each_demo_signatory_and_their_team() -> None:
    """Every demo signatory is listed with the team they sign for, and the demo password."""
    signatories = [p for p in DEMO_PEOPLE if p.membership == Membership.Role.SIGNATORY]
    assert signatories
    for person in signatories:
        row = next(line for line in README.splitlines() if f"`{person.username}`" in line)
        assert f"signs for {person.team}" in row
    assert DEMO_PASSWORD in README
    for person in DEMO_PEOPLE:
        assert f"`{person.username}`" in README
