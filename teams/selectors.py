"""Reads about teams and memberships: which teams a user belongs to, in which role."""

from __future__ import annotations

from typing import Any

from teams.models import Membership


def user_team_ids(user: Any) -> set[int]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_slaportal_team_roles", None)
    if cached is None:
        cached = dict(Membership.objects.filter(user=user).values_list("team_id", "role"))
        user._slaportal_team_roles = cached
    return set(cached)


def user_team_roles(user: Any) -> dict[int, str]:
    user_team_ids(user)
    return dict(getattr(user, "_slaportal_team_roles", {}))
