"""Integrity checks: recompute a signed agreement's digest from the stored data."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from agreements.exchange import agreement_digest
from agreements.models import Agreement, AgreementEvent, Signature
from agreements.selectors import agreement_load_sections, agreements_load_sections

INTACT = "intact"
TAMPERED = "tampered"
UNSIGNED = "unsigned"

VERIFY_BATCH = 200

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


def _signed_event_digests(agreement_ids: Collection[int]) -> dict[int, dict[int, str]]:
    """By agreement, the digest each signature's own "signed" audit event records, in one query."""
    digests: dict[int, dict[int, str]] = {}
    events = AgreementEvent.objects.filter(
        agreement_id__in=list(agreement_ids), kind=AgreementEvent.Kind.SIGNED
    ).values_list("agreement_id", "details")
    for agreement_id, details in events:
        if isinstance(details, dict) and "signature" in details:
            digests.setdefault(agreement_id, {})[details["signature"]] = str(
                details.get("digest", "")
            )
    return digests


def _valid_signatures(stored: Agreement) -> list[Signature]:
    return [signature for signature in stored.signatures.all() if signature.voided_at is None]


def _check(stored: Agreement, event_digests: Mapping[int, str]) -> VerificationResult:
    """The verdict on content and signatures as loaded, given what the signed events record."""
    current = agreement_digest(stored)
    valid = _valid_signatures(stored)
    # A signed agreement lacking a party's valid signature lost it outside the app.
    parties_signed = {stored.marketing_team_id, stored.sales_team_id} <= {
        signature.team_id for signature in valid
    }
    if not valid:
        status = TAMPERED if stored.status == Agreement.Status.SIGNED else UNSIGNED
        return VerificationResult(status=status, current_digest=current, signed_digest=None)
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
    return VerificationResult(
        status=INTACT if intact else TAMPERED,
        current_digest=current,
        signed_digest=valid[0].digest,
        signatures=checks,
    )


def verify_agreement(agreement: Agreement) -> VerificationResult:
    """Intact when every valid signature's digest is the digest of the content stored now.

    The content is reloaded from the database whatever the given instance holds. Also tampered:
    a signature whose own "signed" audit event records another digest (the signature row was
    altered), and a signed agreement missing a party's valid signature.
    """
    return verify_loaded(agreement_load_sections(agreement.pk))


def verify_loaded(stored: Agreement) -> VerificationResult:
    """As verify_agreement, for an agreement just loaded with its sections and signatures."""
    if not _valid_signatures(stored):
        return _check(stored, {})
    return _check(stored, _signed_event_digests([stored.pk]).get(stored.pk, {}))


def verify_versions(versions: Sequence[Agreement]) -> list[tuple[Agreement, VerificationResult]]:
    """Each version verified as verify_agreement does, in a fixed number of queries for all."""
    stored = agreements_load_sections([version.pk for version in versions])
    event_digests = _signed_event_digests(list(stored))
    return [
        (version, _check(stored[version.pk], event_digests.get(version.pk, {})))
        for version in versions
    ]


def verify_all() -> list[tuple[Agreement, VerificationResult]]:
    """Every signed agreement and every one holding a valid signature, each verified."""
    has_valid_signature = Exists(
        Signature.objects.filter(agreement_id=OuterRef("pk"), voided_at__isnull=True)
    )
    agreements = list(
        Agreement.objects.filter(Q(status=Agreement.Status.SIGNED) | Q(has_valid_signature))
        .select_related("series")
        .order_by("series_id", "version", "pk")
    )
    results: list[tuple[Agreement, VerificationResult]] = []
    # In batches, so that a large archive is neither one query per agreement nor one huge load.
    for start in range(0, len(agreements), VERIFY_BATCH):
        results += verify_versions(agreements[start : start + VERIFY_BATCH])
    return results
