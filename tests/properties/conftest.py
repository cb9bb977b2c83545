"""Signed-in visitors for the form properties."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.properties.checks import Visitor


@pytest.fixture
def sign_in(client: Client) -> Callable[[User], Visitor]:
    """Sign the test client in as a user (once per test, before the examples)."""

    def signed_in(user: User) -> Visitor:
        client.force_login(user)
        return Visitor(client)

    return signed_in


@pytest.fixture
def member(sign_in: Callable[[User], Visitor], marketing_member: User) -> Visitor:
    """A member of the agreement's marketing team, and the owner of the fixture agreement."""
    return sign_in(marketing_member)
