"""Integrity checks of signed versions, each named when it fails.

Per version: the content digest recomputed from the stored data against the digest its
signatures recorded; each signature's own audit event; each signature's MAC; and, for the
series the version belongs to, every audit event's MAC, the hash chain through the events and
the MAC'd head on the series. The MACs are made under keys outside the database, so a writer
who rewrites content, signatures and events together is still caught.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements import integrity, page_cache
from agreements.exchange import agreement_digest
from agreements.models import Agreement, AgreementEvent, AgreementSeries, Signature
from agreements.selectors import (
    agreement_load_rows,
    agreement_load_sections,
    agreements_load_sections,
)

INTACT = "intact"
TAMPERED = "tampered"
UNSIGNED = "unsigned"

VERIFY_BATCH = 200

STATUS_LABELS = {
    INTACT: gettext_lazy("Intact"),
    TAMPERED: gettext_lazy("Tampered"),
    UNSIGNED: gettext_lazy("Not signed"),
}

# The checks, by the name a failure is reported under.
CONTENT_DIGEST = gettext_lazy("content digest")
SIGNATURES = gettext_lazy("signatures")
SIGNED_EVENT = gettext_lazy("signed event")
SIGNATURE_MAC = gettext_lazy("signature MAC")
EVENT_MAC = gettext_lazy("event MAC")
CHAIN = gettext_lazy("chain")


@dataclass(frozen=True)
class Failure:
    """One failed check and what it failed on: "signature MAC (signature #12)"."""

    check: str | Promise
    detail: str

    def __str__(self) -> str:
        return f"{self.check} ({self.detail})"


@dataclass(frozen=True)
class SignatureCheck:
    """One valid signature compared with the content as stored now."""

    signature: Signature
    matches_content: bool
    # False when the digest recorded in the signature's own audit event differs from the row's.
    matches_event: bool
    # False when the signature's MAC is not that of its facts under a key held outside the database.
    mac_valid: bool = True

    @property
    def is_intact(self) -> bool:
        return self.matches_content and self.matches_event and self.mac_valid


@dataclass(frozen=True)
class VerificationResult:
    status: str
    current_digest: str
    signed_digest: str | None
    signatures: tuple[SignatureCheck, ...] = ()
    failures: tuple[Failure, ...] = ()

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

    @property
    def failed_checks(self) -> list[str]:
        """Each failure as the page and the command name it."""
        return [str(failure) for failure in self.failures]


def _series_events(series_ids: Collection[int]) -> dict[int, list[AgreementEvent]]:
    """Every audit event of these series, in the order written, in one query."""
    events: dict[int, list[AgreementEvent]] = {series_id: [] for series_id in series_ids}
    rows = (
        AgreementEvent.objects.filter(agreement__series_id__in=list(series_ids))
        .annotate(series_pk=F("agreement__series_id"))
        .order_by("pk")
    )
    for event in rows:
        events[event.series_pk].append(event)
    return events


def _chain_failures(series: AgreementSeries, events: list[AgreementEvent]) -> tuple[Failure, ...]:
    """The series' event MACs, links and head, as integrity.chain_check finds them."""
    report = integrity.chain_check(series, events)
    failures = [
        Failure(EVENT_MAC, _("event #%(event)s") % {"event": pk}) for pk in report.bad_event_macs
    ]
    previous = {event.pk: before.pk for before, event in pairwise(events)}
    for pk in report.broken_links:
        if pk in previous:
            detail = _("event #%(event)s does not follow #%(previous)s") % {
                "event": pk,
                "previous": previous[pk],
            }
        else:
            detail = _("event #%(event)s does not start the chain") % {"event": pk}
        failures.append(Failure(CHAIN, detail))
    if not report.head_ok:
        failures.append(Failure(CHAIN, _("the series head does not match its events")))
    return tuple(failures)


def _signed_event_digests(agreement_id: int, events: Iterable[AgreementEvent]) -> dict[int, str]:
    """The digest each signature's own "signed" audit event records, by signature."""
    return {
        event.details["signature"]: str(event.details.get("digest", ""))
        for event in events
        if event.agreement_id == agreement_id
        and event.kind == AgreementEvent.Kind.SIGNED
        and isinstance(event.details, dict)
        and "signature" in event.details
    }


def _valid_signatures(stored: Agreement) -> list[Signature]:
    return [signature for signature in stored.signatures.all() if signature.voided_at is None]


def _signature_check(
    signature: Signature, current: str, event_digests: Mapping[int, str]
) -> SignatureCheck:
    return SignatureCheck(
        signature=signature,
        matches_content=signature.digest == current,
        matches_event=event_digests.get(signature.pk, signature.digest) == signature.digest,
        mac_valid=integrity.mac_matches(
            integrity.signature_payload(signature), signature.mac_key_id, signature.mac
        ),
    )


def _signature_failures(stored: Agreement, checks: Sequence[SignatureCheck]) -> tuple[Failure, ...]:
    failures: list[Failure] = []
    for check in checks:
        number = _("signature #%(signature)s") % {"signature": check.signature.pk}
        if not check.matches_content:
            failures.append(Failure(CONTENT_DIGEST, number))
        if not check.matches_event:
            failures.append(Failure(SIGNED_EVENT, number))
        if not check.mac_valid:
            failures.append(Failure(SIGNATURE_MAC, number))
    if stored.status == Agreement.Status.SIGNED:
        # A signed version lacking a party's valid signature lost it outside the app.
        signed_teams = {check.signature.team_id for check in checks}
        for team in (stored.marketing_team, stored.sales_team):
            if team.pk not in signed_teams:
                detail = _("no valid signature of %(team)s") % {"team": team.name}
                failures.append(Failure(SIGNATURES, detail))
    return tuple(failures)


def _check(
    stored: Agreement, events: list[AgreementEvent], chain: tuple[Failure, ...]
) -> VerificationResult:
    """The verdict on a version as loaded, given its series' events and what its chain found."""
    current = agreement_digest(stored)
    event_digests = _signed_event_digests(stored.pk, events)
    checks = tuple(
        _signature_check(signature, current, event_digests)
        for signature in _valid_signatures(stored)
    )
    failures = _signature_failures(stored, checks) + chain
    return VerificationResult(
        status=TAMPERED if failures else INTACT,
        current_digest=current,
        signed_digest=checks[0].signature.digest if checks else None,
        signatures=checks,
        failures=failures,
    )


def _nothing_signed(stored: Agreement) -> bool:
    return stored.status != Agreement.Status.SIGNED and not _valid_signatures(stored)


def verify_agreement(agreement: Agreement) -> VerificationResult:
    """Intact when every check passes for the version as stored now; else each failure named.

    The content is reloaded from the database whatever the given instance holds.
    """
    return verify_loaded(agreement_load_sections(agreement.pk))


def verify_loaded(stored: Agreement) -> VerificationResult:
    """As verify_agreement, for an agreement just loaded with its sections and signatures."""
    if _nothing_signed(stored):
        return VerificationResult(
            status=UNSIGNED, current_digest=agreement_digest(stored), signed_digest=None
        )
    events = _series_events([stored.series_id])[stored.series_id]
    return _check(stored, events, _chain_failures(stored.series, events))


def _verdict_key(agreement: Agreement) -> str:
    """What an agreement page's verdict rests on, short of the rows: their signed digest, each
    valid signature's facts and MAC, the series' MAC'd event head, under every key held now.

    A new signature, a voided one, a new audit event or a changed key each make a new key.
    """
    facts = integrity.canonical(
        {
            "agreement": agreement.pk,
            "status": agreement.status,
            "teams": [agreement.marketing_team_id, agreement.sales_team_id],
            "signatures": [
                [signature.pk, signature.team_id, signature.digest]
                + [signature.mac_key_id, signature.mac]
                for signature in _valid_signatures(agreement)
            ],
            "head": [
                agreement.series.event_count,
                agreement.series.event_head,
                agreement.series.event_head_key_id,
                agreement.series.event_head_mac,
            ],
        }
    )
    # A MAC under each key: the key changes when any key does, and shows none of them.
    macs = "".join(
        integrity.mac_of({"verdict": facts.hex()}, key_id)[1]
        for key_id in sorted(settings.AUDIT_SIGNING_KEYS)
    )
    return "verdict:" + hashlib.sha256(macs.encode()).hexdigest()


def verify_for_page(agreement: Agreement) -> VerificationResult:
    """The agreement page's verdict: verify_loaded, with an intact verdict kept in the cache.

    The agreement comes with its signatures and series; its rows are loaded only when no
    verdict is kept for what it rests on (_verdict_key). A tampered verdict is never kept, so
    it shows on every view. The Verify page and verify_agreements never read the cache.
    """
    key = _verdict_key(agreement)
    digest = page_cache.signed_digest(agreement)
    if digest is not None and page_cache.cache_get(key) == digest:
        return VerificationResult(status=INTACT, current_digest=digest, signed_digest=digest)
    result = verify_loaded(agreement_load_rows(agreement))
    if result.is_intact and result.current_digest == digest:
        page_cache.cache_set(key, digest, page_cache.VERDICT_SECONDS)
    return result


def verify_versions(versions: Sequence[Agreement]) -> list[tuple[Agreement, VerificationResult]]:
    """Each version verified as verify_agreement does, in a fixed number of queries for all."""
    stored = agreements_load_sections([version.pk for version in versions])
    events = _series_events({agreement.series_id for agreement in stored.values()})
    chains: dict[int, tuple[Failure, ...]] = {}
    results: list[tuple[Agreement, VerificationResult]] = []
    for version in versions:
        loaded = stored[version.pk]
        if _nothing_signed(loaded):
            results.append((version, verify_loaded(loaded)))
            continue
        series_events = events[loaded.series_id]
        if loaded.series_id not in chains:
            chains[loaded.series_id] = _chain_failures(loaded.series, series_events)
        results.append((version, _check(loaded, series_events, chains[loaded.series_id])))
    return results


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
