"""Comments: a party's note on an agreement or one of its sections, and its resolution."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from agreements.lifecycle import Act
from agreements.models import Agreement, AgreementEvent, Comment
from agreements.permissions import ensure_party
from agreements.sections import SECTIONS_BY_KEY
from agreements.services.audit import event_record
from agreements.services.locking import agreement_lock, agreement_lock_for_act

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ERROR_BODY_REQUIRED = gettext_noop("A comment cannot be empty.")
ERROR_UNKNOWN_SECTION = gettext_noop("“{section}” is not a section of an agreement.")
ERROR_ALREADY_RESOLVED = gettext_noop("This comment is already resolved.")


def comment_add(
    *,
    agreement: Agreement,
    actor: User,
    body: str,
    section: str = "",
    ip_address: str | None = None,
) -> Comment:
    """A party member's comment on the agreement, or on one of its sections."""
    body = body.strip()
    with transaction.atomic():
        locked = agreement_lock_for_act(agreement=agreement, actor=actor, act=Act.COMMENT)
        if section and section not in SECTIONS_BY_KEY:
            raise ValidationError(
                _(ERROR_UNKNOWN_SECTION).format(section=section), code="unknown_section"
            )
        if not body:
            raise ValidationError(_(ERROR_BODY_REQUIRED), code="body_required")
        comment = Comment.objects.create(agreement=locked, author=actor, section=section, body=body)
        event_record(
            agreement=locked,
            actor=actor,
            kind=AgreementEvent.Kind.COMMENTED,
            details={"comment": comment.pk, "section": section, "body": body},
            ip_address=ip_address,
        )
    return comment


def comment_resolve(*, comment: Comment, actor: User, ip_address: str | None = None) -> Comment:
    """Mark an open comment resolved, in any state of the agreement."""
    with transaction.atomic():
        locked = agreement_lock(comment.agreement)
        ensure_party(actor, locked)
        current = Comment.objects.select_for_update().get(pk=comment.pk)
        if current.resolved_at is not None:
            raise ValidationError(_(ERROR_ALREADY_RESOLVED), code="already_resolved")
        current.resolved_at = timezone.now()
        current.resolved_by = actor
        current.save(update_fields=["resolved_at", "resolved_by"])
        event_record(
            agreement=locked,
            actor=actor,
            kind=AgreementEvent.Kind.COMMENT_RESOLVED,
            details={"comment": current.pk, "section": current.section},
            ip_address=ip_address,
        )
    return current
