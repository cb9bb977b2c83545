"""Seeding the demo: whatever of the teams, people and agreements is missing, in one transaction.

Everything is created through the services, so the demo agreements carry the same revisions
and audit events as ones made on the site. Each step first looks for what it would create, so
seeding twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from performance.demo.agreements import DEMO_AGREEMENTS
from performance.demo.people import DemoWorld, demo_logins, demo_people, demo_teams


@dataclass
class DemoResult:
    created: list[str]
    logins: list[tuple[str, str, str]]


def demo_seed() -> DemoResult:
    """Create whatever of the demo data is missing; return what was made and the logins."""
    world = DemoWorld()
    with transaction.atomic():
        demo_teams(world)
        demo_people(world)
        for build in DEMO_AGREEMENTS:
            build(world)
    return DemoResult(created=world.created, logins=demo_logins())
