"""Shared fixtures: two teams with a member and a signatory each, and agreements between them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.tasks import task_backends
from django.tasks.backends.dummy import DummyBackend

from agreements.models import Agreement
from agreements.services.agreements import agreement_create
from teams.models import Membership, Side, Team
from tests.factories import DEFAULT_PASSWORD, MembershipFactory, TeamFactory, UserFactory


@pytest.fixture
def password() -> str:
    return DEFAULT_PASSWORD


@pytest.fixture
def task_queue(settings: Any) -> DummyBackend:
    """Tasks wait in a queue instead of running at once, as they would for a worker backend."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    backend = task_backends["default"]
    assert isinstance(backend, DummyBackend)
    return backend


@pytest.fixture
def marketing_team(db: None) -> Team:
    return Team.objects.create(name="Growth Marketing", side=Side.MARKETING)


@pytest.fixture
def sales_team(db: None) -> Team:
    return Team.objects.create(name="Mid-Market Sales", side=Side.SALES)


@pytest.fixture
def marketing_member(marketing_team: Team) -> Any:
    return MembershipFactory(
        team=marketing_team, user=UserFactory(username="mia"), role=Membership.Role.MEMBER
    ).user


@pytest.fixture
def marketing_signatory(marketing_team: Team) -> Any:
    return MembershipFactory(
        team=marketing_team,
        user=UserFactory(username="mark", first_name="Mark", last_name="Eting"),
        role=Membership.Role.SIGNATORY,
    ).user


@pytest.fixture
def sales_member(sales_team: Team) -> Any:
    return MembershipFactory(
        team=sales_team, user=UserFactory(username="sam"), role=Membership.Role.MEMBER
    ).user


@pytest.fixture
def sales_signatory(sales_team: Team) -> Any:
    return MembershipFactory(
        team=sales_team,
        user=UserFactory(username="sally", first_name="Sally", last_name="Seller"),
        role=Membership.Role.SIGNATORY,
    ).user


@pytest.fixture
def outsider(db: None) -> Any:
    other = TeamFactory(name="Enterprise Sales", side=Side.SALES)
    return MembershipFactory(team=other, user=UserFactory(username="otto")).user


@pytest.fixture
def staff_user(db: None) -> Any:
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def agreement(marketing_team: Team, sales_team: Team, marketing_member: Any) -> Agreement:
    """A draft filled from the standard template."""
    return agreement_create(
        actor=marketing_member,
        title="Q1 pipeline SLA",
        marketing_team=marketing_team,
        sales_team=sales_team,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 3, 31),
        from_template=True,
    )
