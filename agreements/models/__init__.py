from agreements.models.agreement import Agreement, AgreementSeries
from agreements.models.choices import Cadence, Owner, ReviewCadence
from agreements.models.outbox import EmailDelivery
from agreements.models.sections import (
    Deadline,
    Holiday,
    Kpi,
    LeadTypeServiceLevel,
    QualificationRule,
    RejectionReason,
    Responsibility,
)
from agreements.models.signoff import AgreementEvent, Comment, Revision, Signature

__all__ = [
    "Agreement",
    "AgreementEvent",
    "AgreementSeries",
    "Cadence",
    "Comment",
    "Deadline",
    "EmailDelivery",
    "Holiday",
    "Kpi",
    "LeadTypeServiceLevel",
    "Owner",
    "QualificationRule",
    "RejectionReason",
    "Responsibility",
    "ReviewCadence",
    "Revision",
    "Signature",
]
