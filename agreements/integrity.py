"""Tamper evidence that does not trust the database: MACs on signatures and audit events,
and a hash chain through each series' events.

Every signature and event carries an HMAC-SHA256 under a signing key that lives in the
environment (AUDIT_SIGNING_KEYS), not in the database, with the key's id so keys can rotate.
Each event also stores the hash of the series' previous event, and the series stores its
latest hash and event count under a MAC, so a deleted, inserted or reordered event breaks the
chain. Whoever can write the database but does not hold the key cannot forge any of these.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from agreements.models import AgreementEvent, AgreementSeries, Signature

GENESIS = ""


def _keys() -> dict[str, bytes]:
    keys: dict[str, str] = settings.AUDIT_SIGNING_KEYS
    if not keys:
        raise ImproperlyConfigured("AUDIT_SIGNING_KEYS holds no key.")
    return {key_id: secret.encode() for key_id, secret in keys.items()}


def current_key_id() -> str:
    """The key new MACs are made with: the first of AUDIT_SIGNING_KEYS."""
    return next(iter(_keys()))


def canonical(payload: dict[str, Any]) -> bytes:
    """Sorted keys, no insignificant whitespace, UTF-8: the same bytes for the same values."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def mac_of(payload: dict[str, Any], key_id: str | None = None) -> tuple[str, str]:
    """(key id, hex HMAC-SHA256 of the payload) under the given or the current key."""
    key_id = key_id or current_key_id()
    return key_id, hmac.new(_keys()[key_id], canonical(payload), hashlib.sha256).hexdigest()


def mac_matches(payload: dict[str, Any], key_id: str, mac: str) -> bool:
    """Whether ``mac`` was made over ``payload`` with the key ``key_id`` (unknown key: no)."""
    if not mac or key_id not in _keys():
        return False
    return hmac.compare_digest(mac_of(payload, key_id)[1], mac)


def _moment(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _address(value: str | None) -> str | None:
    """The address as the database will give it back (IPv6 in its compressed form)."""
    from agreements.models import AgreementEvent

    prepared: str | None = AgreementEvent._meta.get_field("ip_address").get_prep_value(value)
    return prepared


def signature_payload(signature: Signature) -> dict[str, Any]:
    """The facts a signature binds: who signed what, for which team, when and from where."""
    return {
        "agreement": signature.agreement_id,
        "team": signature.team_id,
        "user": signature.user_id,
        "typed_name": signature.typed_name,
        "signed_at": _moment(signature.signed_at),
        "ip_address": _address(signature.ip_address),
        "user_agent": signature.user_agent,
        "version": signature.version,
        "digest": signature.digest,
    }


def signature_seal(signature: Signature) -> None:
    """Give an unsaved signature its MAC."""
    signature.mac_key_id, signature.mac = mac_of(signature_payload(signature))


def event_payload(event: AgreementEvent) -> dict[str, Any]:
    """An event's recorded facts and the hash of the series' event before it."""
    return {
        "agreement": event.agreement_id,
        "actor": event.actor_id,
        "created_at": _moment(event.created_at),
        "kind": event.kind,
        # As the JSON column gives it back.
        "details": json.loads(json.dumps(event.details)),
        "ip_address": _address(event.ip_address),
        "previous_hash": event.previous_hash,
    }


def event_hash(event: AgreementEvent) -> str:
    return hashlib.sha256(canonical(event_payload(event))).hexdigest()


def head_payload(series_id: int, count: int, head_hash: str) -> dict[str, Any]:
    return {"series": series_id, "events": count, "head": head_hash}


def event_seal(event: AgreementEvent, series: AgreementSeries) -> None:
    """Chain an unsaved event after the series' latest and MAC it; move the series' head.

    The caller holds the series row locked, so two acts cannot chain onto the same event.
    """
    event.previous_hash = series.event_head
    event.mac_key_id, event.mac = mac_of(event_payload(event))
    series.event_head = event_hash(event)
    series.event_count += 1
    series.event_head_key_id, series.event_head_mac = mac_of(
        head_payload(series.pk, series.event_count, series.event_head)
    )


@dataclass(frozen=True)
class ChainReport:
    """What a walk of a series' events found; empty lists mean intact."""

    bad_event_macs: list[int]
    broken_links: list[int]
    head_ok: bool

    @property
    def intact(self) -> bool:
        return not self.bad_event_macs and not self.broken_links and self.head_ok


def chain_check(series: AgreementSeries, events: list[AgreementEvent]) -> ChainReport:
    """Recompute every event's MAC and link, in the order written, and the series head."""
    bad_macs: list[int] = []
    broken: list[int] = []
    previous = GENESIS
    for event in events:
        if not mac_matches(event_payload(event), event.mac_key_id, event.mac):
            bad_macs.append(event.pk)
        if event.previous_hash != previous:
            broken.append(event.pk)
        previous = event_hash(event)
    head_ok = (
        series.event_count == len(events)
        and series.event_head == previous
        and mac_matches(
            head_payload(series.pk, series.event_count, series.event_head),
            series.event_head_key_id,
            series.event_head_mac,
        )
    )
    return ChainReport(bad_event_macs=bad_macs, broken_links=broken, head_ok=head_ok)
