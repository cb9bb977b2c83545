"""Users, teams and memberships: who acts for each side."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth.models import User

from teams.models import Membership, Side, Team

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def saved(obj: Any, create: bool, extracted: Any, **kwargs: Any) -> None:  # noqa: N805
        # set_password runs after the insert; persist the hash.
        if create:
            obj.save()


class TeamFactory(factory.django.DjangoModelFactory[Team]):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    side = Side.MARKETING


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    class Params:
        signatory = factory.Trait(role=Membership.Role.SIGNATORY)

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    role = Membership.Role.MEMBER


def team_signatory(team: Team) -> User:
    """The team's first signatory, or a new one signing with DEFAULT_PASSWORD."""
    membership = (
        Membership.objects.filter(team=team, role=Membership.Role.SIGNATORY)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if membership is None:
        membership = MembershipFactory.create(team=team, signatory=True)
    return membership.user
