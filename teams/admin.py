"""The admin of teams and their members."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from teams.models import Membership, Team
from teams.reauthentication import ReauthenticationRequiredAdmin
from teams.text import read_normalised

# Teams and people


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "role")
    autocomplete_fields = ("user",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return super().get_queryset(request).select_related("user", "team")


class TeamAdminForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ("name", "side")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Normalised before the unique check, so a look-alike of a team's name is a duplicate.
        read_normalised(self.fields["name"])


@admin.register(Team)
class TeamAdmin(ReauthenticationRequiredAdmin):
    form = TeamAdminForm
    list_display = ("name", "side", "member_count")
    list_filter = ("side",)
    search_fields = ("name",)
    inlines = (MembershipInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return super().get_queryset(request).annotate(member_total=Count("memberships"))

    @admin.display(description=_("members"), ordering="member_total")
    def member_count(self, team: Any) -> int:
        return team.member_total


@admin.register(Membership)
class MembershipAdmin(ReauthenticationRequiredAdmin):
    list_display = ("user", "team", "team_side", "role")
    list_filter = ("role", "team__side", "team")
    search_fields = ("user__username", "user__first_name", "user__last_name", "team__name")
    list_select_related = ("user", "team")
    autocomplete_fields = ("user", "team")

    @admin.display(description=_("side"), ordering="team__side")
    def team_side(self, membership: Membership) -> str:
        return membership.team.get_side_display()
