"""Who must act next on an agreement, in words: the line above its content, and its signatories."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.formats import date_format
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from agreements.models import Agreement
from agreements.selectors import team_signatories
from teams.text import person_name

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from agreements.selectors import SignoffRecord
    from teams.models import Team

PartySignatories = list[tuple["Team", list["User"]]]


def party_signatories(agreement: Agreement) -> PartySignatories:
    """Each team of the agreement, marketing first, with its signatories: one query."""
    teams = (agreement.marketing_team, agreement.sales_team)
    signatories = team_signatories([team.pk for team in teams])
    return [(team, signatories[team.pk]) for team in teams]


def _signers_of(team: Team, users: list[User]) -> str:
    if not users:
        return _("a signatory of %(team)s (none is named yet; an administrator names one)") % {
            "team": team.name
        }
    return _("%(names)s for %(team)s") % {
        "names": get_text_list([person_name(user) for user in users], _("or")),
        "team": team.name,
    }


def _to_sign(team: Team, users: list[User]) -> str:
    if not users:
        return _signers_of(team, users) + _(" to sign")
    return _("%(names)s to sign for %(team)s") % {
        "names": get_text_list([person_name(user) for user in users], _("or")),
        "team": team.name,
    }


def signatories_text(parties: PartySignatories) -> str:
    """Who signs for each team, in words: "Vera Vogel for Mid-Market Sales and …"."""
    return get_text_list([_signers_of(team, users) for team, users in parties], _("and"))


def next_step(agreement: Agreement, record: SignoffRecord, parties: PartySignatories) -> str:
    """The agreement's state and who must act next, in one sentence."""
    teams = get_text_list([team.name for team, _users in parties], _("or"))
    status = agreement.status
    if status == Agreement.Status.DRAFT:
        requester = getattr(agreement, "changes_requested_by", None)
        if requester:
            return _(
                "%(name)s asked for changes: waiting for %(teams)s to address the open notes "
                "and submit it again."
            ) % {"name": requester, "teams": teams}
        return _("Draft: waiting for %(teams)s to complete it and submit it for sign-off.") % {
            "teams": teams
        }
    if status == Agreement.Status.IN_REVIEW:
        signed = record.valid_by_team
        waiting = [_to_sign(team, users) for team, users in parties if team.pk not in signed]
        return _("Waiting for %(who)s.") % {"who": get_text_list(waiting, _("and"))}
    if status == Agreement.Status.CANCELLED:
        return _("Cancelled: nobody needs to act.")
    standing = agreement.standing
    if standing == "superseded":
        return _("Superseded by a later signed version: see the latest version.")
    if standing == "scheduled":
        return _("Signed by both teams; in force from %(day)s.") % {
            "day": date_format(agreement.start_date)
        }
    if standing == "expired":
        return _("Signed by both teams; expired on %(day)s.") % {
            "day": date_format(agreement.end_date)
        }
    return _("In force until %(day)s: the teams record their actuals each month.") % {
        "day": date_format(agreement.end_date)
    }
