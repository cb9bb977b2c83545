from .agreement import Agreement, AgreementSeries
from .choices import Cadence, Owner, ReviewCadence, Side
from .performance import (
    Alert,
    KpiActual,
    LeadColumnMapping,
    LeadRecord,
    LeadTally,
    MonthlyActual,
)
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
    "Alert",
    "AgreementEvent",
    "AgreementSeries",
    "Cadence",
    "Comment",
    "Deadline",
    "Holiday",
    "Kpi",
    "KpiActual",
    "LeadColumnMapping",
    "LeadRecord",
    "LeadTally",
    "LeadTypeServiceLevel",
    "Membership",
    "MonthlyActual",
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
