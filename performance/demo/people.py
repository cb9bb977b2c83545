"""The demo teams and people, and the logins printed for them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model

from teams.models import Membership, Side, Team

if TYPE_CHECKING:
    from django.contrib.auth.models import User

DEMO_PASSWORD = "slaportal-demo"
MARKETING_TEAM = "Growth Marketing"
SALES_TEAM = "Mid-Market Sales"


@dataclass(frozen=True)
class DemoPerson:
    username: str
    first_name: str
    last_name: str
    role: str
    team: str | None = None
    membership: str = Membership.Role.MEMBER
    is_superuser: bool = False


# Each team has a lead who drafts, a signatory who signs for the team, and a member.
DEMO_PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson("maria", "Maria", "Marketing", "Marketing lead (drafts)", MARKETING_TEAM),
    DemoPerson(
        "victor",
        "Victor",
        "Vance",
        "VP Marketing, signs for Growth Marketing",
        MARKETING_TEAM,
        Membership.Role.SIGNATORY,
    ),
    DemoPerson("mike", "Mike", "Campaigns", "Marketing member", MARKETING_TEAM),
    DemoPerson("sally", "Sally", "Sales", "Sales lead (drafts)", SALES_TEAM),
    DemoPerson(
        "vera",
        "Vera",
        "Vogel",
        "VP Sales, signs for Mid-Market Sales",
        SALES_TEAM,
        Membership.Role.SIGNATORY,
    ),
    DemoPerson("steve", "Steve", "Closer", "Sales member", SALES_TEAM),
    DemoPerson("admin", "Ada", "Admin", "Staff administrator (Django admin)", is_superuser=True),
)


@dataclass
class DemoWorld:
    """What the seed found or made, by name."""

    teams: dict[str, Team] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)


def demo_teams(world: DemoWorld) -> None:
    for name, side in ((MARKETING_TEAM, Side.MARKETING), (SALES_TEAM, Side.SALES)):
        team, made = Team.objects.get_or_create(name=name, defaults={"side": side})
        world.teams[name] = team
        if made:
            world.created.append(f"team {name}")


def demo_people(world: DemoWorld) -> None:
    """The demo users and their memberships; an existing user is kept as it is."""
    users = get_user_model()._default_manager
    for person in DEMO_PEOPLE:
        user = users.filter(username=person.username).first()
        if user is None:
            user = users.create_user(
                username=person.username,
                password=DEMO_PASSWORD,
                email=f"{person.username}@example.com",
                first_name=person.first_name,
                last_name=person.last_name,
                is_staff=person.is_superuser,
                is_superuser=person.is_superuser,
            )
            world.created.append(f"user {person.username}")
        world.users[person.username] = user
        if person.team is not None:
            _membership, made = Membership.objects.get_or_create(
                user=user, team=world.teams[person.team], defaults={"role": person.membership}
            )
            if made:
                world.created.append(f"membership {person.username} in {person.team}")


def demo_signers_ready(world: DemoWorld) -> bool:
    """Signing re-checks passwords: a demo signer whose password was changed can't sign."""
    ready = all(world.users[name].check_password(DEMO_PASSWORD) for name in ("victor", "vera"))
    if not ready:
        world.created.append(
            "skipped the signed demo agreements: victor or vera has another password"
        )
    return ready


def demo_logins() -> list[tuple[str, str, str]]:
    return [(person.username, DEMO_PASSWORD, person.role) for person in DEMO_PEOPLE]
