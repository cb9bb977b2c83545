"""Reads about teams and memberships: which teams a user belongs to, in which role."""

from __future__ import annotations

from typing import TYPE_CHECKING

from teams.models import Membership

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


CACHE_ATTRIBUTE = "_slaportal_team_roles"


def user_team_ids(user: User | AnonymousUser) -> set[int]:
    """The ids of the user's teams, read once per user object."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, CACHE_ATTRIBUTE, None)
    if cached is None:
        cached = dict(
            Membership.objects.filter(user=user).order_by().values_list("team_id", "role")
        )
        # Cached on the user object: a request's checks then cost one query in all.
        setattr(user, CACHE_ATTRIBUTE, cached)
    return set(cached)


def known_team_ids(user: User | AnonymousUser) -> set[int] | None:
    """The ids of the user's teams when this user object has read them already, else None."""
    cached = getattr(user, CACHE_ATTRIBUTE, None)
    return None if cached is None else set(cached)


def user_team_roles(user: User | AnonymousUser) -> dict[int, str]:
    """The user's role in each of their teams."""
    user_team_ids(user)
    return dict(getattr(user, CACHE_ATTRIBUTE, {}))
