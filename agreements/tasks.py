"""Background tasks of the agreements app: the sign-off emails.

The task takes ids and plain values only, so that a worker in another process can run it: it
loads what it needs, renders the templates in agreements/email/ and sends.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.models import User
from django.core.mail import EmailMessage, mailers
from django.tasks import task
from django.utils.translation import gettext as _

from agreements.emails import absolute_url, render_email
from agreements.models import Agreement, Signature
from agreements.recipients import Notice, notice_recipients, unsigned_team_ids
from teams.models import Team

logger = logging.getLogger("agreements.notifications")


def _person(user: User | None) -> str:
    if user is None:
        return _("Someone")
    return str(user.get_full_name() or user.get_username())


def _context(
    agreement: Agreement, actor: User | None, signature_id: int | None, **values: str
) -> dict[str, Any]:
    signature = None
    if signature_id is not None:
        signature = Signature.objects.select_related("team").get(pk=signature_id)
    awaited_ids = unsigned_team_ids(agreement)
    awaited = Team.objects.in_bulk(awaited_ids)
    return {
        "agreement": agreement,
        # The teams whose signature is still needed, marketing first.
        "awaited_teams": ", ".join(awaited[pk].name for pk in awaited_ids if pk in awaited),
        "person": _person(actor),
        "signature": signature,
        "link": absolute_url(agreement.get_absolute_url()),
        **values,
    }


def _send(
    *, notice: Notice, agreement: Agreement, recipients: list[str], subject: str, body: str
) -> int:
    """One message per recipient over one connection; returns how many were sent."""
    messages = [EmailMessage(subject=subject, body=body, to=[address]) for address in recipients]
    try:
        sent = mailers.default.send_messages(messages)
    except Exception:
        logger.exception(
            "The %s email of agreement %s could not be sent to %s.",
            notice,
            agreement.pk,
            ", ".join(recipients),
        )
        return 0
    logger.info("Sent the %s email of agreement %s to %s.", notice, agreement.pk, len(recipients))
    return int(sent or 0)


def _notify(
    *,
    notice: Notice,
    agreement_id: int,
    actor_id: int | None,
    signature_id: int | None,
    **values: str,
) -> int:
    agreement = Agreement.objects.get(pk=agreement_id)
    actor = User.objects.filter(pk=actor_id).first() if actor_id is not None else None
    recipients = notice_recipients(notice, agreement, actor)
    if not recipients:
        logger.info("No recipients for the %s email of agreement %s.", notice, agreement.pk)
        return 0
    subject, body = render_email(
        f"agreements/email/{notice}", _context(agreement, actor, signature_id, **values)
    )
    return _send(
        notice=notice, agreement=agreement, recipients=recipients, subject=subject, body=body
    )


@task
def agreement_email_send(
    *,
    notice: str,
    agreement_id: int,
    actor_id: int | None,
    signature_id: int | None = None,
    comment: str = "",
    reason: str = "",
) -> int:
    """Email the people a sign-off act concerns; returns how many messages went out."""
    try:
        return _notify(
            notice=Notice(notice),
            agreement_id=agreement_id,
            actor_id=actor_id,
            signature_id=signature_id,
            comment=comment,
            reason=reason,
        )
    except Exception:
        # The act has happened whatever becomes of its email: log the failure, never raise it.
        logger.exception("The %s notification of agreement %s failed.", notice, agreement_id)
        return 0
