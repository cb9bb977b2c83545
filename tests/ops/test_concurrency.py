"""Fifty sign-offs and fifty edits of one agreement at once, through a production server."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.urls import reverse

from agreements.lifecycle import ERROR_NOT_IN_REVIEW
from agreements.models import Agreement, AgreementEvent, Revision, Signature
from agreements.services.signatures import ERROR_ALREADY_SIGNED
from agreements.verification import verify_agreement
from teams.models import Membership
from tests.factories import MembershipFactory, UserFactory, current_digest
from tests.ops.conftest import needs_postgresql
from tests.ops.servers import Browser, Response, Server

pytestmark = needs_postgresql

ATTEMPTS = 50
# The refusals a signatory may be given once the team's signature is in: the page says it
# before the form when the team has signed; the service says it when they raced, that the
# team has signed or, once both teams have, that the agreement is no longer in review.
SIGNING_REFUSALS = (
    "You cannot sign this agreement now.",
    ERROR_ALREADY_SIGNED,
    ERROR_NOT_IN_REVIEW.format(status="signed"),
)


def at_once(count: int, act: Callable[[int], Response]) -> list[Response]:
    """``act(0)`` … ``act(count - 1)``, every one started at the same moment."""
    barrier = threading.Barrier(count)

    def started(index: int) -> Response:
        barrier.wait(timeout=60)
        return act(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(started, range(count)))


def signed_in(server: Server, users: list[Any], password: str) -> list[Browser]:
    browsers = [Browser() for _user in users]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(
            pool.map(
                lambda pair: pair[0].log_in(server, pair[1].username, password),
                zip(browsers, users, strict=True),
            )
        )
    return browsers


def test_fifty_concurrent_sign_offs_leave_one_signature_per_team(
    serve: Any,
    in_review: Agreement,
    marketing_team: Any,
    sales_team: Any,
    password: str,
    server_audit_key: None,
) -> None:
    server = serve(workers=2, threads=8)
    teams = [marketing_team, sales_team]
    signatories = [
        MembershipFactory.create(
            team=teams[index % 2], user=UserFactory.create(), role=Membership.Role.SIGNATORY
        ).user
        for index in range(ATTEMPTS)
    ]
    browsers = signed_in(server, signatories, password)
    digest = current_digest(in_review)
    path = reverse("agreements:sign", args=[in_review.pk])

    answers = at_once(
        ATTEMPTS,
        lambda index: browsers[index].post(
            server,
            path,
            {
                "team": str(teams[index % 2].pk),
                "typed_name": signatories[index].get_full_name(),
                "password": password,
                "digest": digest,
            },
        ),
    )

    statuses = Counter(answer.status for answer in answers)
    assert statuses == {302: 2, 200: ATTEMPTS - 2}, statuses
    for answer in answers:
        if answer.status == 200:
            assert any(refusal in answer.body for refusal in SIGNING_REFUSALS), answer.body
    signatures = Signature.objects.filter(agreement=in_review)
    assert sorted(signatures.values_list("team_id", flat=True)) == sorted(t.pk for t in teams)
    signed_events = AgreementEvent.objects.filter(
        agreement=in_review, kind=AgreementEvent.Kind.SIGNED
    )
    assert signed_events.count() == 2
    in_review.refresh_from_db()
    assert in_review.status == Agreement.Status.SIGNED
    assert verify_agreement(in_review).is_intact


def test_fifty_concurrent_edits_of_one_section_save_one_and_show_the_rest_the_conflict(
    serve: Any, agreement: Agreement, marketing_member: Any, sales_member: Any, password: str
) -> None:
    """Each edit starts from the same revision with its own date; one is saved, 49 see 409."""
    server = serve(workers=2, threads=8)
    browsers = signed_in(server, [marketing_member, sales_member], password)
    opened_at = agreement.revision
    path = reverse("agreements:section_edit", args=[agreement.pk, "review"])
    events_before = AgreementEvent.objects.filter(agreement=agreement).count()

    def edit(index: int) -> Response:
        next_review = dt.date(2026, 4, 1) + dt.timedelta(days=index)
        return browsers[index % 2].post(
            server,
            path,
            {
                "base_revision": str(opened_at),
                "report_cadence": "biweekly",
                "meeting_cadence": "quarterly",
                "next_review": next_review.isoformat(),
            },
        )

    answers = at_once(ATTEMPTS, edit)

    statuses = Counter(answer.status for answer in answers)
    assert statuses == {302: 1, 409: ATTEMPTS - 1}, statuses
    for answer in answers:
        if answer.status == 409:
            assert 'id="edit-conflict"' in answer.body
    agreement.refresh_from_db()
    assert agreement.revision == opened_at + 1
    assert Revision.objects.filter(agreement=agreement, number=opened_at + 1).count() == 1
    events = AgreementEvent.objects.filter(agreement=agreement)
    assert events.count() == events_before + 1
    assert events.latest("pk").kind == AgreementEvent.Kind.SECTION_EDITED
