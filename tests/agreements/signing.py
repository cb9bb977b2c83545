"""Helpers for sign-off tests: what an act may write, and signing with recorded evidence."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agreements.models import Agreement, AgreementEvent, Comment, Signature
from teams.models import Team
from tests.factories import sign_as

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The address and browser each signature made here records, as the evidence pages show them.
SIGNER_IP = "203.0.113.7"
SIGNER_USER_AGENT = "pytest-browser/1.0"


def rows_written() -> tuple[int, int, int, int]:
    """How many events, signatures, agreements and comments exist: what an act may write."""
    return (
        AgreementEvent.objects.count(),
        Signature.objects.count(),
        Agreement.objects.count(),
        Comment.objects.count(),
    )


def sign(agreement: Agreement, user: User, team: Team, **overrides: Any) -> Signature:
    """Sign as ``user`` for ``team`` from SIGNER_IP, with correct credentials unless overridden."""
    evidence = {"ip_address": SIGNER_IP, "user_agent": SIGNER_USER_AGENT, **overrides}
    return sign_as(agreement, user, team, **evidence)
