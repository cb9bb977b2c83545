"""Signatures: bound to the digest the signer saw; voided when a review is undone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from agreements import notifications
from agreements.exchange import agreement_digest
from agreements.lifecycle import Act, ensure_allows
from agreements.models import Agreement, AgreementEvent, Signature
from agreements.permissions import signing_team_ids
from agreements.selectors import agreement_load_sections
from agreements.services.audit import event_record
from agreements.services.locking import agreement_lock
from teams.models import Team
from teams.reauthentication import ERROR_WRONG_PASSWORD

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ERROR_NOT_TEAM_SIGNATORY = gettext_noop(
    "You can sign only for a team of this agreement whose signatory you are."
)
ERROR_BAD_PASSWORD = ERROR_WRONG_PASSWORD
ERROR_NAME_MISMATCH = gettext_noop(
    "Type your full name to sign; it must match the name on your account."
)
ERROR_STALE_DIGEST = gettext_noop(
    "The agreement changed after you opened it: what you saw is no longer what would be "
    "signed. Nothing was signed; review the current content and sign again."
)
ERROR_ALREADY_SIGNED = gettext_noop("This team has already signed this version.")
ERROR_SAME_SIGNER = gettext_noop(
    "You have already signed this version for {team}. The other team's signature must come "
    "from another person."
)
ERROR_NO_FULL_NAME = gettext_noop(
    "Signing needs your full name on your account, and it has none. Ask an administrator to "
    "set your first and last name in the admin (Authentication and Authorization › Users)."
)
# What a signing_failed audit event gives as the reason, by the refusal's code: plain words
# for the record, never anything the signer typed.
REASON_LOCKED_OUT = "too many failed attempts"
FAILURE_REASONS = {
    "bad_password": "wrong password",
    "name_mismatch": "typed name does not match the account",
    "no_full_name": "no full name on the account",
    "same_signer": "signed the other side already",
    "stale_digest": "content changed after it was shown",
    "already_signed": "team already signed",
}


def _ensure_can_sign(actor: User, agreement: Agreement, team: Team) -> None:
    if not actor.is_authenticated or team.pk not in signing_team_ids(actor, agreement):
        raise PermissionDenied(_(ERROR_NOT_TEAM_SIGNATORY))


def _normalised_name(name: str) -> str:
    return " ".join(name.split()).casefold()


def _own_signature(actor: User, signatures: Iterable[Signature]) -> Signature | None:
    return next((s for s in signatures if s.voided_at is None and s.user_id == actor.pk), None)


def signing_refusal(*, actor: User, signatures: Iterable[Signature]) -> str:
    """Why this person may not sign the version whatever they type, or "" if nothing stops them.

    ``signatures`` are the version's, with their teams. One person signs for one side only, and
    a signature needs the full name on the account that the typed name is checked against.
    """
    if (own := _own_signature(actor, signatures)) is not None:
        return _(ERROR_SAME_SIGNER).format(team=own.team.name)
    if not _normalised_name(actor.get_full_name()):
        return _(ERROR_NO_FULL_NAME)
    return ""


def typed_name_matches(actor: User, typed_name: str) -> bool:
    """The typed name is the account's full name, ignoring case and spacing."""
    return _normalised_name(typed_name) == _normalised_name(actor.get_full_name())


def _ensure_typed_name(actor: User, typed_name: str) -> None:
    """The account's full name (which it has), ignoring case and spacing."""
    if not typed_name_matches(actor, typed_name):
        raise ValidationError(_(ERROR_NAME_MISMATCH), code="name_mismatch")


def _ensure_signer(
    *, actor: User, agreement: Agreement, team: Team, typed_name: str, password: str
) -> None:
    """The team's signatory, with a full name, the password and that name; before any lock."""
    _ensure_can_sign(actor, agreement, team)
    if not _normalised_name(actor.get_full_name()):
        raise ValidationError(_(ERROR_NO_FULL_NAME), code="no_full_name")
    if not password or not actor.check_password(password):
        raise ValidationError(_(ERROR_BAD_PASSWORD), code="bad_password")
    _ensure_typed_name(actor, typed_name)


def signature_record(
    *,
    agreement: Agreement,
    actor: User,
    team: Team,
    typed_name: str,
    password: str,
    seen_digest: str,
    ip_address: str | None = None,
    user_agent: str = "",
) -> Signature:
    """Sign the exact content the signer saw, for one team; the second team's signature signs it.

    Refused, with nothing written, when the signer is not that team's signatory or the agreement
    is not in review. Refused, with only a signing_failed audit event written, when the account
    has no full name, the password or typed name is wrong, the content's digest is no longer the
    one seen, the team has already signed this version, or the signer signed its other side.
    """
    try:
        # The slow password hash runs before the row lock is taken, not while holding it.
        _ensure_signer(
            actor=actor, agreement=agreement, team=team, typed_name=typed_name, password=password
        )
        return _sign_locked(
            agreement=agreement,
            actor=actor,
            team=team,
            typed_name=typed_name,
            seen_digest=seen_digest,
            ip_address=ip_address,
            user_agent=user_agent,
        )
    except ValidationError as refused:
        # After the act's transaction has rolled back: the refusal stays on record. An agreement
        # not in review had nothing to sign; that refusal is the life cycle's, not the signer's.
        if refused.code in FAILURE_REASONS:
            signing_failure_record(
                agreement=agreement,
                actor=actor,
                team=team,
                reason=FAILURE_REASONS[str(refused.code)],
                ip_address=ip_address,
            )
        raise


def _sign_locked(
    *,
    agreement: Agreement,
    actor: User,
    team: Team,
    typed_name: str,
    seen_digest: str,
    ip_address: str | None,
    user_agent: str,
) -> Signature:
    """Under the row lock: the state and the digest seen checked again, then the signature."""
    with transaction.atomic():
        locked = agreement_lock(agreement)
        _ensure_can_sign(actor, locked, team)
        ensure_allows(locked, Act.SIGN)
        digest = agreement_digest(agreement_load_sections(locked.pk))
        if seen_digest != digest:
            raise ValidationError(_(ERROR_STALE_DIGEST), code="stale_digest")
        now = timezone.now()
        signature = _signature_create(
            agreement=locked,
            actor=actor,
            team=team,
            typed_name=typed_name,
            digest=digest,
            now=now,
            ip_address=ip_address,
            user_agent=user_agent,
        )
        _after_signature(
            agreement=locked, actor=actor, signature=signature, now=now, ip_address=ip_address
        )
    return signature


def signing_failure_record(
    *, agreement: Agreement, actor: User, team: Team, reason: str, ip_address: str | None = None
) -> AgreementEvent:
    """Put a refused signing attempt on the audit trail, in a transaction of its own.

    The reason is in plain words (FAILURE_REASONS, REASON_LOCKED_OUT); what was typed never is.
    The agreement's row is locked before the event is appended, in the order a signature takes
    them: appending locks the series' chain, then the event's row waits on the agreement's
    (its foreign key); taken the other way round, a refusal and a signature racing for the
    same agreement each waited on the other (PostgreSQL's "deadlock detected", a 503). The
    lock is the weaker "no key update": it waits for a signature, not for a lead import,
    whose rows only refer to the agreement.
    """
    with transaction.atomic():
        Agreement.objects.select_for_update(no_key=True).filter(pk=agreement.pk).exists()
        return event_record(
            agreement=agreement,
            actor=actor,
            kind=AgreementEvent.Kind.SIGNING_FAILED,
            details={"team": team.name, "version": agreement.version, "reason": reason},
            ip_address=ip_address,
        )


def _signature_create(
    *,
    agreement: Agreement,
    actor: User,
    team: Team,
    typed_name: str,
    digest: str,
    now: dt.datetime,
    ip_address: str | None,
    user_agent: str,
) -> Signature:
    """The team's signature of the locked version and its audit event; one per team and person."""
    already_signed = ValidationError(_(ERROR_ALREADY_SIGNED), code="already_signed")
    valid = list(
        Signature.objects.filter(agreement=agreement, voided_at__isnull=True).select_related("team")
    )
    if any(signature.team_id == team.pk for signature in valid):
        raise already_signed
    # Under the row lock, so two tabs of one person cannot each sign a side.
    if (own := _own_signature(actor, valid)) is not None:
        raise ValidationError(_(ERROR_SAME_SIGNER).format(team=own.team.name), code="same_signer")
    try:
        with transaction.atomic():
            signature = Signature.objects.create(
                agreement=agreement,
                team=team,
                user=actor,
                typed_name=" ".join(typed_name.split()),
                signed_at=now,
                ip_address=ip_address,
                user_agent=user_agent[:500],
                version=agreement.version,
                digest=digest,
            )
    except IntegrityError:
        raise already_signed from None
    event_record(
        agreement=agreement,
        actor=actor,
        kind=AgreementEvent.Kind.SIGNED,
        details={
            "signature": signature.pk,
            "team": team.name,
            "typed_name": signature.typed_name,
            "version": agreement.version,
            "digest": digest,
        },
        ip_address=ip_address,
    )
    return signature


def _after_signature(
    *,
    agreement: Agreement,
    actor: User,
    signature: Signature,
    now: dt.datetime,
    ip_address: str | None,
) -> None:
    """With both teams' signatures the version is signed and replaces the one it amends."""
    signed_team_ids = set(
        Signature.objects.filter(agreement=agreement, voided_at__isnull=True).values_list(
            "team_id", flat=True
        )
    )
    if not {agreement.marketing_team_id, agreement.sales_team_id} <= signed_team_ids:
        transaction.on_commit(
            partial(
                notifications.notify_signed, agreement=agreement, actor=actor, signature=signature
            ),
            robust=True,
        )
        return
    agreement.status = Agreement.Status.SIGNED
    agreement.signed_at = now
    agreement.save(update_fields=["status", "signed_at", "updated_at"])
    if agreement.amends_id is not None:
        _supersede(
            previous_pk=agreement.amends_id,
            by=agreement,
            actor=actor,
            ip_address=ip_address,
            now=now,
        )
    transaction.on_commit(
        partial(notifications.notify_fully_signed, agreement=agreement, actor=actor),
        robust=True,
    )


def _supersede(
    *, previous_pk: int, by: Agreement, actor: User, ip_address: str | None, now: dt.datetime
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


def signatures_void(
    *, agreement: Agreement, actor: User, reason: str, ip_address: str | None
) -> int:
    """Void every valid signature of the version; each voiding is its own audit event."""
    now = timezone.now()
    signatures = list(
        Signature.objects.filter(agreement=agreement, voided_at__isnull=True).select_related(
            "team", "user"
        )
    )
    for signature in signatures:
        signature.voided_at = now
        signature.voided_by = actor
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
