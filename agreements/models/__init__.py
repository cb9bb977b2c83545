from .agreement import Agreement, AgreementSeries
from .choices import Cadence, Owner, ReviewCadence, Side
from .sections import (
    Deadline,
    Holiday,
    Kpi,
    LeadTypeServiceLevel,
    QualificationRule,
    RejectionReason,
    Responsibility,
)
from .signoff import AgreementEvent, Comment, Revision, Signature
from .teams import Membership, Team

__all__ = [
    "Agreement",
    "AgreementEvent",
    "AgreementSeries",
    "Cadence",
    "Comment",
    "Deadline",
    "Holiday",
    "Kpi",
    "LeadTypeServiceLevel",
    "Membership",
    "Owner",
    "QualificationRule",
    "RejectionReason",
    "Responsibility",
    "ReviewCadence",
    "Revision",
    "Side",
    "Signature",
    "Team",
]
