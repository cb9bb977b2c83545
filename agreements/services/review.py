"""Review: a complete draft submitted for sign-off, withdrawn, sent back or cancelled."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from agreements import notifications
from agreements.exchange import agreement_digest
from agreements.funnel import inputs_missing, plan_for
from agreements.lifecycle import Act, ensure_allows
from agreements.models import Agreement, AgreementEvent, Comment
from agreements.models.agreement import (
    ERROR_DEADLINE_BEFORE_PERIOD,
    ERROR_REVIEW_BEFORE_PERIOD,
    before_period,
)
from agreements.permissions import ensure_party, is_signatory
from agreements.selectors import agreement_load_sections
from agreements.services.audit import event_record
from agreements.services.locking import agreement_lock, agreement_lock_for_act
from agreements.services.reminders import (
    DEFAULT_TERMS,
    ReviewTerms,
    review_terms_apply,
    review_terms_check,
    review_terms_details,
)
from agreements.services.signatures import signatures_void

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ERROR_NOT_SIGNATORY = gettext_noop("Only a signatory of one of the two teams may do this.")
ERROR_INCOMPLETE = gettext_noop("This agreement is not ready for sign-off. Missing: {missing}.")
ERROR_MISSING_FUNNEL_FIELDS = gettext_noop("the funnel plan inputs ({fields})")
ERROR_MISSING_FUNNEL_PLAN = gettext_noop("a funnel plan that can be computed")
ERROR_MISSING_KPI = gettext_noop("at least one KPI")
ERROR_MISSING_REVIEW_IN_PERIOD = gettext_noop("a next review on or after the period's start")
ERROR_MISSING_DEADLINES_IN_PERIOD = gettext_noop("deadlines on or after the period's start")
ERROR_MISSING_LEAD_TYPE = gettext_noop("at least one lead type with its service level")
ERROR_COMMENT_REQUIRED = gettext_noop("Say what needs to change: a comment is required.")
ERROR_REASON_REQUIRED = gettext_noop("A reason is required.")

DEFAULT_WITHDRAW_REASON = gettext_noop("Withdrawn to draft.")


def _missing_for_signoff(agreement: Agreement) -> list[str]:
    """What a draft still lacks before it can be signed, in words."""
    missing: list[str] = []
    if missing_inputs := inputs_missing(agreement):
        fields = ", ".join(
            str(getattr(Agreement._meta.get_field(name), "verbose_name", name))
            for name in missing_inputs
        )
        missing.append(_(ERROR_MISSING_FUNNEL_FIELDS).format(fields=fields))
    elif plan_for(agreement) is None:
        missing.append(_(ERROR_MISSING_FUNNEL_PLAN))
    if not agreement.kpis.exists():
        missing.append(_(ERROR_MISSING_KPI))
    if not agreement.service_levels.exists():
        missing.append(_(ERROR_MISSING_LEAD_TYPE))
    # A period moved after the dates were set: the review and deadlines must follow it.
    start = agreement.start_date
    if before_period(agreement.next_review, start, ERROR_REVIEW_BEFORE_PERIOD):
        missing.append(_(ERROR_MISSING_REVIEW_IN_PERIOD))
    if any(
        before_period(deadline.due, start, ERROR_DEADLINE_BEFORE_PERIOD)
        for deadline in agreement.deadlines.all()
    ):
        missing.append(_(ERROR_MISSING_DEADLINES_IN_PERIOD))
    return missing


def _back_to_draft(agreement: Agreement) -> None:
    agreement.status = Agreement.Status.DRAFT
    agreement.submitted_at = None
    agreement.save(update_fields=["status", "submitted_at", "updated_at"])


def agreement_submit(
    *,
    agreement: Agreement,
    actor: User,
    ip_address: str | None = None,
    terms: ReviewTerms | None = None,
) -> Agreement:
    """Freeze a complete draft for sign-off and ask every signatory of both teams to sign."""
    terms = terms or DEFAULT_TERMS
    review_terms_check(terms)
    with transaction.atomic():
        locked = agreement_lock_for_act(agreement=agreement, actor=actor, act=Act.SUBMIT)
        missing = _missing_for_signoff(locked)
        if missing:
            raise ValidationError(
                _(ERROR_INCOMPLETE).format(missing="; ".join(missing)), code="incomplete"
            )
        locked.status = Agreement.Status.IN_REVIEW
        locked.submitted_at = timezone.now()
        locked.last_reminded_at = None
        terms_fields = review_terms_apply(locked, terms)
        fields = ["status", "submitted_at", "last_reminded_at", *terms_fields, "updated_at"]
        locked.save(update_fields=fields)
        event = event_record(
            agreement=locked,
            actor=actor,
            kind=AgreementEvent.Kind.SUBMITTED,
            details={
                "version": locked.version,
                "revision": locked.revision,
                "digest": agreement_digest(agreement_load_sections(locked.pk)),
                **review_terms_details(locked),
            },
            ip_address=ip_address,
        )
        transaction.on_commit(
            partial(
                notifications.notify_submitted, agreement=locked, actor=actor, event_id=event.pk
            ),
            robust=True,
        )
    return locked


def agreement_withdraw(
    *, agreement: Agreement, actor: User, reason: str = "", ip_address: str | None = None
) -> Agreement:
    """Take an agreement in review back to draft, voiding every signature already given."""
    reason = reason.strip()
    with transaction.atomic():
        locked = agreement_lock_for_act(agreement=agreement, actor=actor, act=Act.WITHDRAW)
        voided = signatures_void(
            agreement=locked,
            actor=actor,
            reason=reason or _(DEFAULT_WITHDRAW_REASON),
            ip_address=ip_address,
        )
        _back_to_draft(locked)
        event = event_record(
            agreement=locked,
            actor=actor,
            kind=AgreementEvent.Kind.WITHDRAWN,
            details={"reason": reason, "voided_signatures": voided},
            ip_address=ip_address,
        )
        transaction.on_commit(
            partial(
                notifications.notify_withdrawn,
                agreement=locked,
                actor=actor,
                reason=reason,
                event_id=event.pk,
            ),
            robust=True,
        )
    return locked


def agreement_request_changes(
    *, agreement: Agreement, actor: User, comment: str, ip_address: str | None = None
) -> Agreement:
    """A signatory sends the agreement back to draft with a required comment."""
    comment = comment.strip()
    with transaction.atomic():
        locked = agreement_lock(agreement)
        ensure_party(actor, locked)
        if not is_signatory(actor, locked):
            raise PermissionDenied(_(ERROR_NOT_SIGNATORY))
        ensure_allows(locked, Act.REQUEST_CHANGES)
        if not comment:
            raise ValidationError(_(ERROR_COMMENT_REQUIRED), code="comment_required")
        note = Comment.objects.create(agreement=locked, author=actor, body=comment)
        voided = signatures_void(
            agreement=locked, actor=actor, reason=comment, ip_address=ip_address
        )
        _back_to_draft(locked)
        event = event_record(
            agreement=locked,
            actor=actor,
            kind=AgreementEvent.Kind.CHANGES_REQUESTED,
            details={"comment": comment, "comment_id": note.pk, "voided_signatures": voided},
            ip_address=ip_address,
        )
        transaction.on_commit(
            partial(
                notifications.notify_changes_requested,
                agreement=locked,
                actor=actor,
                comment=comment,
                event_id=event.pk,
            ),
            robust=True,
        )
    return locked


def agreement_cancel(
    *, agreement: Agreement, actor: User, reason: str, ip_address: str | None = None
) -> Agreement:
    """Abandon a draft or a review for good, with a reason."""
    reason = reason.strip()
    with transaction.atomic():
        locked = agreement_lock_for_act(agreement=agreement, actor=actor, act=Act.CANCEL)
        if not reason:
            raise ValidationError(_(ERROR_REASON_REQUIRED), code="reason_required")
        voided = signatures_void(
            agreement=locked, actor=actor, reason=reason, ip_address=ip_address
        )
        previous_status = locked.status
        locked.status = Agreement.Status.CANCELLED
        locked.cancelled_at = timezone.now()
        locked.cancel_reason = reason
        locked.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
        event_record(
            agreement=locked,
            actor=actor,
            kind=AgreementEvent.Kind.CANCELLED,
            details={"reason": reason, "from_status": previous_status, "voided_signatures": voided},
            ip_address=ip_address,
        )
    return locked
