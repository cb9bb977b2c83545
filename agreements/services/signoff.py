"""Sign-off: review, signatures bound to the content's digest, amendments and comments."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from agreements import notifications
from agreements.exchange import agreement_digest, content_of
from agreements.funnel import inputs_missing, plan_for
from agreements.models import Agreement, AgreementEvent, Comment, Signature
from agreements.permissions import can_view, is_signatory, signing_team_ids
from agreements.sections import SECTIONS_BY_KEY
from agreements.selectors import agreement_load_sections
from agreements.services.agreements import _create_from_document
from agreements.services.audit import event_record
from teams.models import Team

ERROR_NOT_PARTY = gettext_noop("You are not a member of either team of this agreement.")
ERROR_NOT_SIGNATORY = gettext_noop("Only a signatory of one of the two teams may do this.")
ERROR_NOT_TEAM_SIGNATORY = gettext_noop(
    "You can sign only for a team of this agreement whose signatory you are."
)
ERROR_NOT_DRAFT = gettext_noop("Only a draft can be submitted; this agreement is {status}.")
ERROR_NOT_IN_REVIEW = gettext_noop("This agreement is not in review; it is {status}.")
ERROR_NOT_CANCELLABLE = gettext_noop(
    "Only a draft or an agreement in review can be cancelled; this agreement is {status}."
)
ERROR_CANCELLED = gettext_noop("This agreement is cancelled.")
ERROR_INCOMPLETE = gettext_noop("This agreement is not ready for sign-off. Missing: {missing}.")
ERROR_MISSING_FUNNEL_FIELDS = gettext_noop("the funnel plan inputs ({fields})")
ERROR_MISSING_FUNNEL_PLAN = gettext_noop("a funnel plan that can be computed")
ERROR_MISSING_KPI = gettext_noop("at least one KPI")
ERROR_MISSING_LEAD_TYPE = gettext_noop("at least one lead type with its service level")
ERROR_COMMENT_REQUIRED = gettext_noop("Say what needs to change: a comment is required.")
ERROR_REASON_REQUIRED = gettext_noop("A reason is required.")
ERROR_BODY_REQUIRED = gettext_noop("A comment cannot be empty.")
ERROR_UNKNOWN_SECTION = gettext_noop("“{section}” is not a section of an agreement.")
ERROR_ALREADY_RESOLVED = gettext_noop("This comment is already resolved.")
ERROR_BAD_PASSWORD = gettext_noop("The password is not correct.")
ERROR_NAME_MISMATCH = gettext_noop(
    "Type your full name to sign; it must match the name on your account."
)
ERROR_STALE_DIGEST = gettext_noop(
    "The agreement changed after you opened it: what you saw is no longer what would be "
    "signed. Nothing was signed; review the current content and sign again."
)
ERROR_ALREADY_SIGNED = gettext_noop("This team has already signed this version.")
ERROR_NOT_SIGNED = gettext_noop("Only a signed agreement can be amended; this one is {status}.")
ERROR_SUPERSEDED = gettext_noop("This version is superseded; amend the latest version instead.")
ERROR_ALREADY_AMENDED = gettext_noop(
    "This version already has an amendment (version {version}); work on that one."
)

DEFAULT_WITHDRAW_REASON = gettext_noop("Withdrawn to draft.")


def _status_text(agreement: Agreement) -> str:
    return str(agreement.get_status_display()).lower()


def _lock(agreement: Agreement) -> Agreement:
    """The agreement's row, locked until the transaction ends: acts on it run one at a time."""
    return Agreement.objects.select_for_update().get(pk=agreement.pk)


def _ensure_party(actor: Any, agreement: Agreement) -> None:
    """A member of either team, or staff."""
    if not can_view(actor, agreement):
        raise PermissionDenied(_(ERROR_NOT_PARTY))


def _ensure_in_review(agreement: Agreement) -> None:
    if agreement.status != Agreement.Status.IN_REVIEW:
        raise ValidationError(
            _(ERROR_NOT_IN_REVIEW).format(status=_status_text(agreement)), code="not_in_review"
        )


def _ensure_can_sign(actor: Any, agreement: Agreement, team: Team) -> None:
    if not actor.is_authenticated or team.pk not in signing_team_ids(actor, agreement):
        raise PermissionDenied(_(ERROR_NOT_TEAM_SIGNATORY))


def _normalised_name(name: str) -> str:
    return " ".join(name.split()).casefold()


def _ensure_typed_name(actor: Any, typed_name: str) -> None:
    """The account's full name, ignoring case and spacing; any name when the account has none."""
    typed = _normalised_name(typed_name)
    full_name = _normalised_name(actor.get_full_name())
    if not typed or (full_name and typed != full_name):
        raise ValidationError(_(ERROR_NAME_MISMATCH), code="name_mismatch")


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
    return missing


def _void_signatures(
    *, agreement: Agreement, actor: Any, reason: str, ip_address: str | None
) -> int:
    """Void every valid signature of the version; each voiding is its own audit event."""
    now = timezone.now()
    voided_by = actor if getattr(actor, "is_authenticated", False) else None
    signatures = list(
        Signature.objects.filter(agreement=agreement, voided_at__isnull=True).select_related(
            "team", "user"
        )
    )
    for signature in signatures:
        signature.voided_at = now
        signature.voided_by = voided_by
        signature.void_reason = reason
        signature.save(update_fields=["voided_at", "voided_by", "void_reason"])
        event_record(
            agreement=agreement,
            actor=actor,
            kind=AgreementEvent.Kind.SIGNATURE_VOIDED,
            details={
                "signature": signature.pk,
                "team": signature.team.name,
                "signer": signature.user.get_username(),
                "typed_name": signature.typed_name,
                "digest": signature.digest,
                "reason": reason,
            },
            ip_address=ip_address,
        )
    return len(signatures)


def _back_to_draft(agreement: Agreement) -> None:
    agreement.status = Agreement.Status.DRAFT
    agreement.submitted_at = None
    agreement.save(update_fields=["status", "submitted_at", "updated_at"])


def agreement_submit(
    *, agreement: Agreement, actor: Any, ip_address: str | None = None
) -> Agreement:
    """Freeze a complete draft for sign-off and tell the other team's signatories."""
    with transaction.atomic():
        locked = _lock(agreement)
        _ensure_party(actor, locked)
        if locked.status != Agreement.Status.DRAFT:
            raise ValidationError(
                _(ERROR_NOT_DRAFT).format(status=_status_text(locked)), code="not_draft"
            )
        missing = _missing_for_signoff(locked)
        if missing:
            raise ValidationError(
                _(ERROR_INCOMPLETE).format(missing="; ".join(missing)), code="incomplete"
            )
        locked.status = Agreement.Status.IN_REVIEW
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["status", "submitted_at", "updated_at"])
        event_record(
            agreement=locked,
            actor=actor,
            kind=AgreementEvent.Kind.SUBMITTED,
            details={
                "version": locked.version,
                "revision": locked.revision,
                "digest": agreement_digest(agreement_load_sections(locked.pk)),
            },
            ip_address=ip_address,
        )
        transaction.on_commit(
            partial(notifications.notify_submitted, agreement=locked, actor=actor), robust=True
        )
    return locked


def agreement_withdraw(
    *, agreement: Agreement, actor: Any, reason: str = "", ip_address: str | None = None
) -> Agreement:
    """Take an agreement in review back to draft, voiding every signature already given."""
    reason = reason.strip()
    with transaction.atomic():
        locked = _lock(agreement)
        _ensure_party(actor, locked)
        _ensure_in_review(locked)
        voided = _void_signatures(
            agreement=locked,
            actor=actor,
            reason=reason or _(DEFAULT_WITHDRAW_REASON),
            ip_address=ip_address,
        )
        _back_to_draft(locked)
        event_record(
            agreement=locked,
            actor=actor,
            kind=AgreementEvent.Kind.WITHDRAWN,
            details={"reason": reason, "voided_signatures": voided},
            ip_address=ip_address,
        )
        transaction.on_commit(
            partial(notifications.notify_withdrawn, agreement=locked, actor=actor, reason=reason),
            robust=True,
        )
    return locked


def agreement_request_changes(
    *, agreement: Agreement, actor: Any, comment: str, ip_address: str | None = None
) -> Agreement:
    """A signatory sends the agreement back to draft with a required comment."""
    comment = comment.strip()
    with transaction.atomic():
        locked = _lock(agreement)
        _ensure_party(actor, locked)
        if not is_signatory(actor, locked):
            raise PermissionDenied(_(ERROR_NOT_SIGNATORY))
        _ensure_in_review(locked)
        if not comment:
            raise ValidationError(_(ERROR_COMMENT_REQUIRED), code="comment_required")
        note = Comment.objects.create(agreement=locked, author=actor, body=comment)
        voided = _void_signatures(
            agreement=locked, actor=actor, reason=comment, ip_address=ip_address
        )
        _back_to_draft(locked)
        event_record(
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
            ),
            robust=True,
        )
    return locked


def agreement_cancel(
    *, agreement: Agreement, actor: Any, reason: str, ip_address: str | None = None
) -> Agreement:
    """Abandon a draft or a review for good, with a reason."""
    reason = reason.strip()
    with transaction.atomic():
        locked = _lock(agreement)
        _ensure_party(actor, locked)
        if locked.status not in (Agreement.Status.DRAFT, Agreement.Status.IN_REVIEW):
            raise ValidationError(
                _(ERROR_NOT_CANCELLABLE).format(status=_status_text(locked)),
                code="not_cancellable",
            )
        if not reason:
            raise ValidationError(_(ERROR_REASON_REQUIRED), code="reason_required")
        voided = _void_signatures(
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


def signature_record(
    *,
    agreement: Agreement,
    actor: Any,
    team: Team,
    typed_name: str,
    password: str,
    seen_digest: str,
    ip_address: str | None = None,
    user_agent: str = "",
) -> Signature:
    """Sign the exact content the signer saw, for one team; the second team's signature signs it.

    Refused, with nothing written, when the signer is not that team's signatory, the password
    or typed name is wrong, the content's digest is no longer the one seen, or the team has
    already signed this version.
    """
    # The slow password hash runs before the row lock is taken, not while holding it.
    _ensure_can_sign(actor, agreement, team)
    if not password or not actor.check_password(password):
        raise ValidationError(_(ERROR_BAD_PASSWORD), code="bad_password")
    _ensure_typed_name(actor, typed_name)
    already_signed = ValidationError(_(ERROR_ALREADY_SIGNED), code="already_signed")
    with transaction.atomic():
        locked = _lock(agreement)
        _ensure_can_sign(actor, locked, team)
        _ensure_in_review(locked)
        digest = agreement_digest(agreement_load_sections(locked.pk))
        if seen_digest != digest:
            raise ValidationError(_(ERROR_STALE_DIGEST), code="stale_digest")
        if Signature.objects.filter(agreement=locked, team=team, voided_at__isnull=True).exists():
            raise already_signed
        now = timezone.now()
        try:
            with transaction.atomic():
                signature = Signature.objects.create(
                    agreement=locked,
                    team=team,
                    user=actor,
                    typed_name=" ".join(typed_name.split()),
                    signed_at=now,
                    ip_address=ip_address,
                    user_agent=user_agent[:500],
                    version=locked.version,
                    digest=digest,
                )
        except IntegrityError:
            raise already_signed from None
        event_record(
            agreement=locked,
            actor=actor,
            kind=AgreementEvent.Kind.SIGNED,
            details={
                "signature": signature.pk,
                "team": team.name,
                "typed_name": signature.typed_name,
                "version": locked.version,
                "digest": digest,
            },
            ip_address=ip_address,
        )
        signed_team_ids = set(
            Signature.objects.filter(agreement=locked, voided_at__isnull=True).values_list(
                "team_id", flat=True
            )
        )
        if {locked.marketing_team_id, locked.sales_team_id} <= signed_team_ids:
            locked.status = Agreement.Status.SIGNED
            locked.signed_at = now
            locked.save(update_fields=["status", "signed_at", "updated_at"])
            if locked.amends_id is not None:
                _supersede(
                    previous_pk=locked.amends_id,
                    by=locked,
                    actor=actor,
                    ip_address=ip_address,
                    now=now,
                )
            transaction.on_commit(
                partial(notifications.notify_fully_signed, agreement=locked, actor=actor),
                robust=True,
            )
        else:
            transaction.on_commit(
                partial(
                    notifications.notify_signed,
                    agreement=locked,
                    actor=actor,
                    signature=signature,
                ),
                robust=True,
            )
    return signature


def _supersede(
    *, previous_pk: int, by: Agreement, actor: Any, ip_address: str | None, now: Any
) -> None:
    """The version an amendment replaces stops being in force once the amendment is signed."""
    previous = Agreement.objects.select_for_update().get(pk=previous_pk)
    if previous.status != Agreement.Status.SIGNED or previous.superseded_at is not None:
        return
    previous.superseded_at = now
    previous.save(update_fields=["superseded_at", "updated_at"])
    event_record(
        agreement=previous,
        actor=actor,
        kind=AgreementEvent.Kind.SUPERSEDED,
        details={"superseded_by": by.pk, "version": by.version},
        ip_address=ip_address,
    )


def agreement_amend(
    *, agreement: Agreement, actor: Any, ip_address: str | None = None
) -> Agreement:
    """Start the next version of a signed agreement as a draft with the same content."""
    with transaction.atomic():
        locked = _lock(agreement)
        _ensure_party(actor, locked)
        if locked.status != Agreement.Status.SIGNED:
            raise ValidationError(
                _(ERROR_NOT_SIGNED).format(status=_status_text(locked)), code="not_signed"
            )
        if locked.superseded_at is not None:
            raise ValidationError(_(ERROR_SUPERSEDED), code="superseded")
        amendment = (
            Agreement.objects.filter(amends=locked)
            .exclude(status=Agreement.Status.CANCELLED)
            .only("version")
            .first()
        )
        if amendment is not None:
            raise ValidationError(
                _(ERROR_ALREADY_AMENDED).format(version=amendment.version), code="already_amended"
            )
        latest = Agreement.objects.filter(series_id=locked.series_id).aggregate(
            latest=Max("version")
        )["latest"]
        return _create_from_document(
            document=content_of(agreement_load_sections(locked.pk)),
            actor=actor,
            ip_address=ip_address,
            kind=AgreementEvent.Kind.AMENDED,
            event_details={"amends": locked.pk, "from_version": locked.version},
            series=locked.series,
            version=(latest or locked.version) + 1,
            amends=locked,
        )


def comment_add(
    *,
    agreement: Agreement,
    actor: Any,
    body: str,
    section: str = "",
    ip_address: str | None = None,
) -> Comment:
    """A party member's comment on the agreement, or on one of its sections."""
    body = body.strip()
    with transaction.atomic():
        locked = _lock(agreement)
        _ensure_party(actor, locked)
        if locked.status == Agreement.Status.CANCELLED:
            raise ValidationError(_(ERROR_CANCELLED), code="cancelled")
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


def comment_resolve(*, comment: Comment, actor: Any, ip_address: str | None = None) -> Comment:
    """Mark an open comment resolved."""
    with transaction.atomic():
        locked = _lock(comment.agreement)
        _ensure_party(actor, locked)
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


__all__ = [
    "agreement_amend",
    "agreement_cancel",
    "agreement_request_changes",
    "agreement_submit",
    "agreement_withdraw",
    "comment_add",
    "comment_resolve",
    "signature_record",
]
