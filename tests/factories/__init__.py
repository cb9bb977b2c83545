"""Factories for the domain's models.

Agreements, signatures, comments and revisions are made through the real services, so each
carries the revisions, audit events and digests the site would have written. Section rows,
actuals, leads and alerts are plain rows, written directly as tests that bulk-fill or tamper
need them.
"""

from tests.factories.agreements import (
    AgreementFactory,
    AgreementSeriesFactory,
    CommentFactory,
    RevisionFactory,
    SignatureFactory,
    advance_to,
    clock_at,
    current_digest,
    edit_sections,
    sign_as,
)
from tests.factories.people import (
    DEFAULT_PASSWORD,
    MembershipFactory,
    TeamFactory,
    UserFactory,
    team_signatory,
)
from tests.factories.performance import (
    AlertFactory,
    KpiActualFactory,
    LeadRecordFactory,
    MonthlyActualFactory,
)
from tests.factories.sections import (
    DeadlineFactory,
    HolidayFactory,
    KpiFactory,
    LeadTypeServiceLevelFactory,
    QualificationRuleFactory,
    RejectionReasonFactory,
    ResponsibilityFactory,
)

__all__ = [
    "DEFAULT_PASSWORD",
    "AgreementFactory",
    "AgreementSeriesFactory",
    "AlertFactory",
    "CommentFactory",
    "DeadlineFactory",
    "HolidayFactory",
    "KpiActualFactory",
    "KpiFactory",
    "LeadRecordFactory",
    "LeadTypeServiceLevelFactory",
    "MembershipFactory",
    "MonthlyActualFactory",
    "QualificationRuleFactory",
    "RejectionReasonFactory",
    "ResponsibilityFactory",
    "RevisionFactory",
    "SignatureFactory",
    "TeamFactory",
    "UserFactory",
    "advance_to",
    "clock_at",
    "current_digest",
    "edit_sections",
    "sign_as",
    "team_signatory",
]
