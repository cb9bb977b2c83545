"""The factories build the states the services would: valid rows, genuine signatures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from agreements.models import Agreement, AgreementEvent, Revision, Signature
from agreements.verification import INTACT, UNSIGNED, verify_agreement
from performance.models import LeadTally
from teams.models import Membership, Side
from tests import factories

pytestmark = pytest.mark.django_db

ROW_FACTORIES = [
    factories.KpiFactory,
    factories.ResponsibilityFactory,
    factories.QualificationRuleFactory,
    factories.LeadTypeServiceLevelFactory,
    factories.HolidayFactory,
    factories.RejectionReasonFactory,
    factories.DeadlineFactory,
    factories.MonthlyActualFactory,
    factories.KpiActualFactory,
    factories.LeadRecordFactory,
    factories.AlertFactory,
]


def _kinds(agreement: Agreement) -> list[str]:
    return list(
        AgreementEvent.objects.filter(agreement=agreement)
        .order_by("created_at", "pk")
        .values_list("kind", flat=True)
    )


def test_user_has_a_full_name_and_the_default_password():
    """A user signs in with DEFAULT_PASSWORD and has a name to type when signing."""
    user = factories.UserFactory.create()

    assert user.get_full_name().strip()
    assert user.check_password(factories.DEFAULT_PASSWORD)


def test_membership_signatory_trait():
    """The signatory trait makes a signatory; the default is a plain member."""
    assert factories.MembershipFactory.create().role == Membership.Role.MEMBER
    assert factories.MembershipFactory.create(signatory=True).is_signatory


def test_draft_is_editable_and_made_by_the_services():
    """A draft from the standard template, owned by a marketing member, with its first revision."""
    agreement = factories.AgreementFactory.create()

    assert agreement.status == Agreement.Status.DRAFT
    assert agreement.is_editable
    assert agreement.marketing_team.side == Side.MARKETING
    assert agreement.sales_team.side == Side.SALES
    assert agreement.owner.memberships.filter(team=agreement.marketing_team).exists()
    assert agreement.kpis.exists()
    assert Revision.objects.filter(agreement=agreement, number=0).exists()
    assert _kinds(agreement) == ["created"]
    assert verify_agreement(agreement).status == UNSIGNED


def test_draft_is_saved_through_the_section_edits():
    """A field of a section given to the factory is saved by that section's edit."""
    agreement = factories.AgreementFactory.create(
        timezone="Europe/Berlin", revenue_goal=Decimal("900")
    )

    agreement.refresh_from_db()
    assert (agreement.timezone, agreement.revenue_goal) == ("Europe/Berlin", Decimal("900.00"))
    assert _kinds(agreement) == ["created", "section_edited", "section_edited"]
    assert agreement.revision == 2


def test_a_field_saved_through_a_section_with_rows_keeps_the_rows():
    """The time zone shares its section with lead types and holidays: they stay as they were."""
    standard = factories.AgreementFactory.create()
    berlin = factories.AgreementFactory.create(timezone="Europe/Berlin")

    def rows(agreement: Agreement) -> list[tuple[Any, ...]]:
        return [
            *agreement.service_levels.order_by("position").values_list("lead_type", "position"),
            *agreement.holidays.order_by("position").values_list("date", "position"),
        ]

    assert rows(berlin) == rows(standard) != []


def test_empty_draft_has_no_rows():
    assert not factories.AgreementFactory.create(from_template=False).kpis.exists()


def test_fields_only_the_services_set_are_refused():
    """Status, series and such are reached through the services, never written directly."""
    with pytest.raises(TypeError, match="revision"):
        factories.AgreementFactory.create(revision=7)


def test_in_review_is_submitted_and_frozen():
    agreement = factories.AgreementFactory.create(in_review=True)

    assert agreement.status == Agreement.Status.IN_REVIEW
    assert agreement.submitted_at is not None
    assert not agreement.is_editable
    assert _kinds(agreement) == ["created", "submitted"]


def test_signed_agreement_verifies_as_intact():
    """Two valid signatures, one per team, bound to the digest of the stored content."""
    agreement = factories.AgreementFactory.create(signed=True)

    result = verify_agreement(agreement)

    assert agreement.status == Agreement.Status.SIGNED
    assert result.status == INTACT
    signatures = Signature.objects.filter(agreement=agreement, voided_at__isnull=True)
    assert {signature.team_id for signature in signatures} == {
        agreement.marketing_team_id,
        agreement.sales_team_id,
    }
    assert {signature.digest for signature in signatures} == {result.current_digest}
    assert _kinds(agreement) == ["created", "submitted", "signed", "signed"]


def test_signed_agreement_with_overrides_still_verifies():
    """Fields given to a signed agreement are saved before signing, so the signatures cover them."""
    agreement = factories.AgreementFactory.create(signed=True, mql_to_sql_pct=Decimal("33"))

    assert agreement.mql_to_sql_pct == Decimal("33.00")
    assert verify_agreement(agreement).status == INTACT


def test_signed_agreement_is_signed_by_the_teams_signatories(marketing_signatory, sales_signatory):
    """Without signatories given, each team's existing signatory signs."""
    agreement = factories.AgreementFactory.create(
        signed=True,
        marketing_team=marketing_signatory.memberships.get().team,
        sales_team=sales_signatory.memberships.get().team,
    )

    signers = set(agreement.signatures.values_list("user__username", flat=True))
    assert signers == {"mark", "sally"}


def test_signed_agreement_is_signed_by_the_signatories_given(marketing_signatory):
    """A signatory given to the factory signs instead of the team's first one."""
    team = marketing_signatory.memberships.get().team
    deputy = factories.MembershipFactory.create(team=team, signatory=True).user

    agreement = factories.AgreementFactory.create(
        signed=True, marketing_team=team, marketing_signatory=deputy
    )

    assert agreement.signatures.get(team=team).user == deputy


def test_signed_at_sets_the_moment_of_signing():
    when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    agreement = factories.AgreementFactory.create(signed=True, signed_at=when)

    assert agreement.signed_at == when
    assert set(agreement.signatures.values_list("signed_at", flat=True)) == {when}
    assert verify_agreement(agreement).status == INTACT


def test_a_signed_amendment_supersedes_the_version_it_amends():
    first = factories.AgreementFactory.create(signed=True)
    when = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)

    second = factories.AgreementFactory.create(
        amends=first, signed=True, signed_at=when, start_date=dt.date(2026, 2, 1)
    )

    first.refresh_from_db()
    assert (second.series_id, second.version, second.amends_id) == (first.series_id, 2, first.pk)
    assert second.start_date == dt.date(2026, 2, 1)
    assert first.superseded_at == when
    assert verify_agreement(second).status == INTACT
    assert verify_agreement(first).status == INTACT


def test_cancelled_agreement_has_its_reason():
    agreement = factories.AgreementFactory.create(cancelled=True, cancel_reason="Merged teams.")

    assert agreement.status == Agreement.Status.CANCELLED
    assert agreement.cancel_reason == "Merged teams."
    assert agreement.cancelled_at is not None
    assert _kinds(agreement) == ["created", "cancelled"]


def test_signature_factory_signs_for_one_team():
    """One team's signature on an agreement in review: it stays in review."""
    signature = factories.SignatureFactory.create()

    agreement = Agreement.objects.get(pk=signature.agreement_id)
    assert agreement.status == Agreement.Status.IN_REVIEW
    assert signature.team_id == agreement.marketing_team_id
    assert verify_agreement(agreement).status == INTACT


def test_comment_factory_adds_and_resolves_through_the_services():
    comment = factories.CommentFactory.create(section="kpis")
    resolved = factories.CommentFactory.create(
        resolved_by=factories.UserFactory.create(is_staff=True)
    )

    assert comment.resolved_at is None
    assert resolved.resolved_at is not None
    assert _kinds(comment.agreement) == ["created", "commented"]
    assert _kinds(resolved.agreement) == ["created", "commented", "comment_resolved"]


def test_revision_factory_saves_a_section():
    revision = factories.RevisionFactory.create(fields={"meeting_cadence": "quarterly"})

    assert revision.number == 1
    assert revision.section == "review"
    assert revision.snapshot["review"]["meeting_cadence"] == "quarterly"


def test_revision_factory_refuses_sections_with_rows():
    with pytest.raises(ValueError, match="kpis"):
        factories.RevisionFactory.create(section="kpis")


@pytest.mark.parametrize("row_factory", ROW_FACTORIES, ids=lambda f: f.__name__)
def test_row_factory_makes_a_valid_row(row_factory: Any):
    """Each row passes the model's own validation, constraints included."""
    row = row_factory()

    row.full_clean()


@pytest.mark.parametrize("row_factory", ROW_FACTORIES[:7], ids=lambda f: f.__name__)
def test_section_rows_of_one_agreement_do_not_clash(row_factory: Any):
    """Several rows of the same agreement are each valid, unique names and dates included."""
    agreement = factories.AgreementFactory.create(from_template=False)

    rows = row_factory.create_batch(3, agreement=agreement)

    for row in rows:
        row.full_clean()


def test_section_row_factory_catches_an_invalid_row():
    """The full_clean check above can fail: an out-of-range value is reported."""
    kpi = factories.KpiFactory.build(
        agreement=factories.AgreementFactory.create(from_template=False), target=Decimal("-1")
    )

    with pytest.raises(ValidationError):
        kpi.full_clean()


def test_lead_record_refreshes_the_tally():
    lead = factories.LeadRecordFactory.create()

    tally = LeadTally.objects.get(series_id=lead.series_id)
    assert (tally.lead_type, tally.touched_met, tally.touched_breached) == ("Demo request", 1, 0)


def test_signed_fixture_is_the_draft_signed_by_the_fixture_signatories(
    agreement: Agreement, signed: Agreement
):
    """The shared ``signed`` fixture signs the ``agreement`` draft itself, intact."""
    assert signed.pk == agreement.pk
    assert signed.status == Agreement.Status.SIGNED
    assert set(signed.signatures.values_list("user__username", flat=True)) == {"mark", "sally"}
    assert verify_agreement(signed).status == INTACT


def test_in_review_fixture_is_the_draft_submitted(agreement: Agreement, in_review: Agreement):
    assert in_review.pk == agreement.pk
    assert in_review.status == Agreement.Status.IN_REVIEW
    assert _kinds(in_review) == ["created", "submitted"]
