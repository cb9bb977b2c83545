"""Integrity checks: recompute a signed agreement's digest from the stored data."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from agreements.exchange import agreement_digest
from agreements.models import Agreement, AgreementEvent, Signature
from agreements.selectors import agreement_load_sections

INTACT = "intact"
TAMPERED = "tampered"
UNSIGNED = "unsigned"

STATUS_LABELS = {
    INTACT: _("Intact"),
    TAMPERED: _("Tampered"),
    UNSIGNED: _("Not signed"),
}


@dataclass(frozen=True)
class SignatureCheck:
    """One valid signature compared with the content as stored now."""

    signature: Signature
    matches_content: bool
    # False when the digest recorded in the signature's own audit event differs from the row's.
    matches_event: bool

    @property
    def is_intact(self) -> bool:
        return self.matches_content and self.matches_event


@dataclass(frozen=True)
class VerificationResult:
    status: str
    current_digest: str
    signed_digest: str | None
    signatures: tuple[SignatureCheck, ...] = ()

    @property
    def signatures_checked(self) -> int:
        return len(self.signatures)

    @property
    def is_intact(self) -> bool:
        return self.status == INTACT

    @property
    def is_tampered(self) -> bool:
        return self.status == TAMPERED

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self.status])


def verify_agreement(agreement: Agreement) -> VerificationResult:
    """Intact when every valid signature's digest is the digest of the content stored now.

    The content is reloaded from the database whatever the given instance holds. Also tampered:
    a signature whose own "signed" audit event records another digest (the signature row was
    altered), and a signed agreement missing a party's valid signature.
    """
    stored = agreement_load_sections(agreement.pk)
    current = agreement_digest(stored)
    valid = [signature for signature in stored.signatures.all() if signature.voided_at is None]
    # A signed agreement lacking a party's valid signature lost it outside the app.
    parties_signed = {stored.marketing_team_id, stored.sales_team_id} <= {
        signature.team_id for signature in valid
    }
    if not valid:
        status = TAMPERED if stored.status == Agreement.Status.SIGNED else UNSIGNED
        return VerificationResult(status=status, current_digest=current, signed_digest=None)
    event_digests: dict[int, str] = {}
    for details in AgreementEvent.objects.filter(
        agreement_id=stored.pk, kind=AgreementEvent.Kind.SIGNED
    ).values_list("details", flat=True):
        if isinstance(details, dict) and "signature" in details:
            event_digests[details["signature"]] = str(details.get("digest", ""))
    checks = tuple(
        SignatureCheck(
            signature=signature,
            matches_content=signature.digest == current,
            matches_event=event_digests.get(signature.pk, signature.digest) == signature.digest,
        )
        for signature in valid
    )
    intact = all(check.is_intact for check in checks) and (
        parties_signed or stored.status != Agreement.Status.SIGNED
    )
    status = INTACT if intact else TAMPERED
    return VerificationResult(
        status=status,
        current_digest=current,
        signed_digest=valid[0].digest,
        signatures=checks,
    )


def verify_all() -> list[tuple[Agreement, VerificationResult]]:
    """Every signed agreement and every one holding a valid signature, each verified."""
    has_valid_signature = Exists(
        Signature.objects.filter(agreement_id=OuterRef("pk"), voided_at__isnull=True)
    )
    agreements = (
        Agreement.objects.filter(Q(status=Agreement.Status.SIGNED) | Q(has_valid_signature))
        .select_related("series")
        .order_by("series_id", "version", "pk")
    )
    return [(agreement, verify_agreement(agreement)) for agreement in agreements]
