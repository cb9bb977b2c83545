"""Emails about sign-off acts, sent once the act's transaction has committed.

Each notify_* function is handed to transaction.on_commit by a service. A failure to build or
send an email is logged and swallowed: the act it reports has already happened.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.utils.translation import gettext as _

from agreements.models import Agreement, Signature
from teams.models import Membership
from teams.selectors import user_team_ids

logger = logging.getLogger("agreements.notifications")


def agreement_link(agreement: Agreement) -> str:
    """The absolute address of the agreement's page (no request is at hand after commit)."""
    return settings.SITE_URL.rstrip("/") + agreement.get_absolute_url()


def _person(user: Any) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return _("Someone")
    return str(user.get_full_name() or user.get_username())


def _addresses(
    agreement: Agreement,
    *,
    team_ids: Iterable[int],
    signatories_only: bool = False,
    exclude: Any = None,
) -> list[str]:
    """Email addresses of the active members of the given teams, without the actor's."""
    memberships = Membership.objects.filter(team_id__in=list(team_ids), user__is_active=True)
    if signatories_only:
        memberships = memberships.filter(role=Membership.Role.SIGNATORY)
    if exclude is not None and getattr(exclude, "pk", None) is not None:
        memberships = memberships.exclude(user_id=exclude.pk)
    return sorted(set(memberships.exclude(user__email="").values_list("user__email", flat=True)))


def _party_addresses(agreement: Agreement, *, exclude: Any = None) -> list[str]:
    return _addresses(
        agreement, team_ids=(agreement.marketing_team_id, agreement.sales_team_id), exclude=exclude
    )


def _send(
    *, kind: str, agreement: Agreement, recipients: list[str], subject: str, body: str
) -> int:
    """One message per recipient over one connection; returns how many were sent."""
    if not recipients:
        logger.info("No recipients for the %s email of agreement %s.", kind, agreement.pk)
        return 0
    messages = [EmailMessage(subject=subject, body=body, to=[address]) for address in recipients]
    try:
        sent = mailers.default.send_messages(messages)
    except Exception:
        logger.exception(
            "The %s email of agreement %s could not be sent to %s.",
            kind,
            agreement.pk,
            ", ".join(recipients),
        )
        return 0
    logger.info("Sent the %s email of agreement %s to %s.", kind, agreement.pk, len(recipients))
    return int(sent or 0)


def _never_raises(function: Callable[..., int]) -> Callable[..., int]:
    """A notification that fails is logged; it never reaches the request that made the act."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> int:
        try:
            return function(*args, **kwargs)
        except Exception:
            agreement = kwargs.get("agreement")
            logger.exception(
                "The %s notification of agreement %s failed.",
                function.__name__,
                getattr(agreement, "pk", None),
            )
            return 0

    return wrapper


def _subject(text: str, agreement: Agreement, **values: Any) -> str:
    return text % {"title": agreement.title, "version": agreement.version, **values}


def _body(agreement: Agreement, *lines: str) -> str:
    link = _("Open the agreement: %(link)s") % {"link": agreement_link(agreement)}
    return "\n\n".join([*lines, link, ""])


@_never_raises
def notify_submitted(*, agreement: Agreement, actor: Any) -> int:
    """Ask the other team's signatories to review and sign."""
    party_team_ids = {agreement.marketing_team_id, agreement.sales_team_id}
    actor_team_ids = party_team_ids & user_team_ids(actor)
    other_team_ids = party_team_ids - actor_team_ids
    recipients = _addresses(
        agreement,
        team_ids=other_team_ids or actor_team_ids,
        signatories_only=True,
        exclude=actor,
    )
    return _send(
        kind="submitted",
        agreement=agreement,
        recipients=recipients,
        subject=_subject(_("Please review and sign: %(title)s, version %(version)s"), agreement),
        body=_body(
            agreement,
            _("%(person)s submitted “%(title)s”, version %(version)s, for sign-off.")
            % {"person": _person(actor), "title": agreement.title, "version": agreement.version},
            _("Review it, then sign for your team or request changes."),
        ),
    )


@_never_raises
def notify_changes_requested(*, agreement: Agreement, actor: Any, comment: str) -> int:
    """Tell both teams that a signatory sent the agreement back to draft."""
    return _send(
        kind="changes_requested",
        agreement=agreement,
        recipients=_party_addresses(agreement, exclude=actor),
        subject=_subject(_("Changes requested: %(title)s, version %(version)s"), agreement),
        body=_body(
            agreement,
            _("%(person)s requested changes to “%(title)s”, version %(version)s:")
            % {"person": _person(actor), "title": agreement.title, "version": agreement.version},
            comment,
            _("The agreement is a draft again; every signature given on it is void."),
        ),
    )


@_never_raises
def notify_signed(*, agreement: Agreement, actor: Any, signature: Signature) -> int:
    """Tell both teams that one team has signed and the other's signature is awaited."""
    return _send(
        kind="signed",
        agreement=agreement,
        recipients=_party_addresses(agreement, exclude=actor),
        subject=_subject(
            _("%(team)s signed: %(title)s, version %(version)s"),
            agreement,
            team=signature.team.name,
        ),
        body=_body(
            agreement,
            _("%(name)s signed “%(title)s”, version %(version)s, for %(team)s.")
            % {
                "name": signature.typed_name,
                "title": agreement.title,
                "version": agreement.version,
                "team": signature.team.name,
            },
            _("Content digest (SHA-256): %(digest)s") % {"digest": signature.digest},
            _("The other team's signature is still needed."),
        ),
    )


@_never_raises
def notify_fully_signed(*, agreement: Agreement, actor: Any) -> int:
    """Tell both teams that the agreement is signed and binding."""
    return _send(
        kind="fully_signed",
        agreement=agreement,
        recipients=_party_addresses(agreement),
        subject=_subject(_("Signed by both teams: %(title)s, version %(version)s"), agreement),
        body=_body(
            agreement,
            _("“%(title)s”, version %(version)s, is now signed by both teams.")
            % {"title": agreement.title, "version": agreement.version},
            _("In force from %(start)s to %(end)s.")
            % {"start": agreement.start_date.isoformat(), "end": agreement.end_date.isoformat()},
        ),
    )


@_never_raises
def notify_withdrawn(*, agreement: Agreement, actor: Any, reason: str = "") -> int:
    """Tell both teams that the agreement went back to draft and its signatures are void."""
    lines = [
        _("%(person)s withdrew “%(title)s”, version %(version)s, to draft.")
        % {"person": _person(actor), "title": agreement.title, "version": agreement.version},
    ]
    if reason:
        lines.append(_("Reason: %(reason)s") % {"reason": reason})
    lines.append(_("Every signature given on this version is void."))
    return _send(
        kind="withdrawn",
        agreement=agreement,
        recipients=_party_addresses(agreement, exclude=actor),
        subject=_subject(_("Withdrawn to draft: %(title)s, version %(version)s"), agreement),
        body=_body(agreement, *lines),
    )
