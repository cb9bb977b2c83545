"""The repeating rows of an agreement's sections, written directly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TypeVar

import factory

from agreements.models import (
    Deadline,
    Holiday,
    Kpi,
    LeadTypeServiceLevel,
    Owner,
    QualificationRule,
    RejectionReason,
    Responsibility,
)
from agreements.models.sections import SectionRow
from tests.factories.agreements import AgreementFactory

RowT = TypeVar("RowT", bound=SectionRow)


class SectionRowFactory(factory.django.DjangoModelFactory[RowT]):
    """A row written directly; the default agreement is an empty draft, so nothing clashes."""

    class Meta:
        abstract = True

    agreement = factory.SubFactory(AgreementFactory, from_template=False)
    position = factory.Sequence(lambda n: n)


class KpiFactory(SectionRowFactory[Kpi]):
    class Meta:
        model = Kpi

    name = factory.Sequence(lambda n: f"KPI {n}")
    owner = Owner.SHARED
    target = Decimal("100.00")
    unit = "MQLs"
    direction = Kpi.Direction.AT_LEAST
    cadence = "monthly"


class ResponsibilityFactory(SectionRowFactory[Responsibility]):
    class Meta:
        model = Responsibility

    owner = Owner.MARKETING
    activity = factory.Sequence(lambda n: f"Activity {n}")
    description = "Apply the agreed lead-scoring model."
    commitment = "Every lead scored within an hour."


class QualificationRuleFactory(SectionRowFactory[QualificationRule]):
    class Meta:
        model = QualificationRule

    stage = QualificationRule.Stage.MQL
    category = QualificationRule.Category.FIT
    rule = factory.Sequence(lambda n: f"Rule {n}")
    points = 10


class LeadTypeServiceLevelFactory(SectionRowFactory[LeadTypeServiceLevel]):
    class Meta:
        model = LeadTypeServiceLevel

    lead_type = factory.Sequence(lambda n: f"Lead type {n}")
    first_response_hours = Decimal("4.00")
    min_attempts = 3
    attempt_window_days = 5
    escalation = "Rep, then team lead"


class HolidayFactory(SectionRowFactory[Holiday]):
    class Meta:
        model = Holiday

    date = factory.Sequence(lambda n: dt.date(2026, 1, 1) + dt.timedelta(days=n))


class RejectionReasonFactory(SectionRowFactory[RejectionReason]):
    class Meta:
        model = RejectionReason

    code = factory.Sequence(lambda n: f"reason-{n}")
    label = factory.Sequence(lambda n: f"Reason {n}")
    next_step = RejectionReason.NextStep.NURTURE


class DeadlineFactory(SectionRowFactory[Deadline]):
    class Meta:
        model = Deadline

    title = factory.Sequence(lambda n: f"Milestone {n}")
    due = dt.date(2026, 2, 1)
    owner = Owner.SHARED
    done = False
