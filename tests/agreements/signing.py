"""Helpers for sign-off tests: take an agreement through review to signed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agreements.exchange import agreement_digest
from agreements.models import Agreement, AgreementEvent, Comment, Signature
from agreements.selectors import agreement_load_sections
from agreements.services.review import agreement_submit
from agreements.services.signatures import signature_record
from teams.models import Team
from tests.factories import DEFAULT_PASSWORD

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def current_digest(agreement: Agreement) -> str:
    return agreement_digest(agreement_load_sections(agreement.pk))


def rows_written() -> tuple[int, int, int, int]:
    """How many events, signatures, agreements and comments exist: what an act may write."""
    return (
        AgreementEvent.objects.count(),
        Signature.objects.count(),
        Agreement.objects.count(),
        Comment.objects.count(),
    )


def sign(agreement: Agreement, user: User, team: Team, **overrides: Any) -> Signature:
    """Sign as ``user`` for ``team`` with correct credentials unless overridden."""
    arguments: dict[str, Any] = {
        "agreement": agreement,
        "actor": user,
        "team": team,
        "typed_name": user.get_full_name() or user.get_username(),
        "password": DEFAULT_PASSWORD,
        "seen_digest": current_digest(agreement),
        "ip_address": "203.0.113.7",
        "user_agent": "pytest-browser/1.0",
    }
    arguments.update(overrides)
    return signature_record(**arguments)


def submit(agreement: Agreement, actor: User) -> Agreement:
    return agreement_submit(agreement=agreement, actor=actor)


def sign_both(
    agreement: Agreement,
    *,
    marketing_signatory: User,
    sales_signatory: User,
    submitter: User | None = None,
) -> Agreement:
    """Submit (when still a draft) and sign for both teams; return the signed agreement."""
    if agreement.status == Agreement.Status.DRAFT:
        agreement = submit(agreement, submitter or marketing_signatory)
    sign(agreement, marketing_signatory, agreement.marketing_team)
    sign(agreement, sales_signatory, agreement.sales_team)
    return Agreement.objects.get(pk=agreement.pk)
