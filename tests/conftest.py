"""Shared fixtures: two teams with a member and a signatory each, and agreements between them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.tasks import task_backends
from django.tasks.backends.dummy import DummyBackend

from agreements.models import Agreement
from teams.models import Membership, Side, Team
from tests.factories import (
    DEFAULT_PASSWORD,
    AgreementFactory,
    MembershipFactory,
    TeamFactory,
    UserFactory,
    advance_to,
)


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with an empty cache: primary keys come back after a rollback."""
    cache.clear()


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
    return TeamFactory.create(name="Growth Marketing", side=Side.MARKETING)


@pytest.fixture
def sales_team(db: None) -> Team:
    return TeamFactory.create(name="Mid-Market Sales", side=Side.SALES)


@pytest.fixture
def marketing_member(marketing_team: Team) -> User:
    return MembershipFactory.create(
        team=marketing_team, user=UserFactory.create(username="mia"), role=Membership.Role.MEMBER
    ).user


@pytest.fixture
def marketing_signatory(marketing_team: Team) -> User:
    return MembershipFactory.create(
        team=marketing_team,
        user=UserFactory.create(username="mark", first_name="Mark", last_name="Eting"),
        role=Membership.Role.SIGNATORY,
    ).user


@pytest.fixture
def sales_member(sales_team: Team) -> User:
    return MembershipFactory.create(
        team=sales_team, user=UserFactory.create(username="sam"), role=Membership.Role.MEMBER
    ).user


@pytest.fixture
def sales_signatory(sales_team: Team) -> User:
    return MembershipFactory.create(
        team=sales_team,
        user=UserFactory.create(username="sally", first_name="Sally", last_name="Seller"),
        role=Membership.Role.SIGNATORY,
    ).user


@pytest.fixture
def outsider(db: None) -> User:
    other = TeamFactory.create(name="Enterprise Sales", side=Side.SALES)
    return MembershipFactory.create(team=other, user=UserFactory.create(username="otto")).user


@pytest.fixture
def staff_user(db: None) -> User:
    return UserFactory.create(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def agreement(marketing_team: Team, sales_team: Team, marketing_member: User) -> Agreement:
    """A draft filled from the standard template."""
    return AgreementFactory.create(
        owner=marketing_member,
        title="Q1 pipeline SLA",
        marketing_team=marketing_team,
        sales_team=sales_team,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 3, 31),
    )


@pytest.fixture
def in_review(agreement: Agreement) -> Agreement:
    """The draft, submitted for sign-off by its owner."""
    return advance_to(agreement, Agreement.Status.IN_REVIEW)


@pytest.fixture
def signed(agreement: Agreement, marketing_signatory: User, sales_signatory: User) -> Agreement:
    """The draft, submitted and signed by both teams' signatories."""
    return advance_to(
        agreement,
        Agreement.Status.SIGNED,
        marketing_signatory=marketing_signatory,
        sales_signatory=sales_signatory,
    )
