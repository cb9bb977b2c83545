"""The repeating rows of an agreement's sections."""

from decimal import Decimal
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agreements.models.agreement import (
    ERROR_DEADLINE_BEFORE_PERIOD,
    Agreement,
    before_period,
    validate_agreement_date,
)
from agreements.models.choices import Cadence, Owner

ERROR_MEASURE_CADENCE = _(
    "“%(measure)s” is counted from the monthly actuals: choose a monthly or quarterly cadence."
)


class SectionRow(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE)
    position = models.PositiveIntegerField(_("position"), default=0)

    # The fields that hold names and codes: normalised (teams.text.normalise_name) on input,
    # before any check that they are unique.
    name_fields: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True
        ordering = ["position", "pk"]


class KpiMeasure(models.TextChoices):
    """What a KPI's value is: computed from the data the app holds, or entered by hand.

    performance.measures computes each one; the dashboard, the portfolio, the alerts and
    the exports all read it from there.
    """

    MANUAL = "manual", _("Entered by hand")
    LEADS = "leads", _("Leads")
    MQLS = "mqls", _("MQLs")
    SQLS = "sqls", _("SQLs")
    CUSTOMERS = "customers", _("Customers won")
    REVENUE = "revenue", _("Revenue won")
    LEAD_TO_MQL_RATE = "lead_to_mql_rate", _("Lead → MQL conversion (%)")
    MQL_TO_SQL_RATE = "mql_to_sql_rate", _("MQL → SQL conversion (%)")
    SQL_TO_CUSTOMER_RATE = "sql_to_customer_rate", _("SQL → customer conversion (%)")
    HANDOFF_COMPLIANCE = "handoff_compliance", _("Leads followed up within the SLA (%)")
    MEDIAN_FIRST_RESPONSE = (
        "median_first_response",
        _("Median first response (business hours)"),
    )
    CONTACT_ATTEMPTS = "contact_attempts", _("Leads given the agreed contact attempts (%)")
    REJECTION_RATE = "rejection_rate", _("Rejection rate (%)")
    INVALID_REJECTIONS = "invalid_rejections", _("Rejections without a valid reason")
    MARKETING_REVENUE = "marketing_revenue", _("Marketing-sourced revenue")


class Kpi(SectionRow):
    name_fields = ("name",)

    class Direction(models.TextChoices):
        AT_LEAST = "at_least", _("At least")
        AT_MOST = "at_most", _("At most")

    Measure = KpiMeasure

    # Measures counted from the monthly actuals: a week cannot be cut out of a month.
    MONTHLY_MEASURES: ClassVar[frozenset[str]] = frozenset(
        {
            KpiMeasure.LEADS,
            KpiMeasure.MQLS,
            KpiMeasure.SQLS,
            KpiMeasure.CUSTOMERS,
            KpiMeasure.REVENUE,
            KpiMeasure.LEAD_TO_MQL_RATE,
            KpiMeasure.MQL_TO_SQL_RATE,
            KpiMeasure.SQL_TO_CUSTOMER_RATE,
            KpiMeasure.MARKETING_REVENUE,
        }
    )

    name = models.CharField(_("name"), max_length=120)
    measure = models.CharField(
        _("measure"), max_length=32, choices=Measure.choices, default=Measure.MANUAL
    )
    owner = models.CharField(_("owner"), max_length=16, choices=Owner.choices)
    target = models.DecimalField(
        _("target"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    direction = models.CharField(
        _("direction"), max_length=16, choices=Direction.choices, default=Direction.AT_LEAST
    )
    cadence = models.CharField(
        _("cadence"), max_length=16, choices=Cadence.choices, default=Cadence.MONTHLY
    )

    class Meta(SectionRow.Meta):
        default_related_name = "kpis"
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "name"],
                name="kpi_unique_name",
                violation_error_message=_("Each KPI name may appear only once in an agreement."),
            ),
            models.CheckConstraint(condition=Q(target__gte=0), name="kpi_target_not_negative"),
            models.CheckConstraint(condition=Q(owner__in=Owner.values), name="kpi_owner_valid"),
            models.CheckConstraint(
                condition=Q(direction__in=["at_least", "at_most"]), name="kpi_direction_valid"
            ),
            models.CheckConstraint(
                condition=Q(cadence__in=Cadence.values), name="kpi_cadence_valid"
            ),
            models.CheckConstraint(
                condition=Q(measure__in=KpiMeasure.values),
                name="kpi_measure_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.measure in self.MONTHLY_MEASURES and self.cadence == Cadence.WEEKLY:
            raise ValidationError(
                {
                    "cadence": ValidationError(
                        ERROR_MEASURE_CADENCE,
                        code="measure_cadence",
                        params={"measure": self.get_measure_display()},
                    )
                }
            )

    @property
    def is_computed(self) -> bool:
        return self.measure != self.Measure.MANUAL


class Responsibility(SectionRow):
    name_fields = ("activity",)

    owner = models.CharField(_("owner"), max_length=16, choices=Owner.choices)
    activity = models.CharField(_("activity"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    commitment = models.TextField(_("commitment"), blank=True)

    class Meta(SectionRow.Meta):
        default_related_name = "responsibilities"
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__in=Owner.values), name="responsibility_owner_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.activity


class QualificationRule(SectionRow):
    name_fields = ("rule",)

    class Stage(models.TextChoices):
        MQL = "MQL", _("MQL")
        SQL = "SQL", _("SQL")

    class Category(models.TextChoices):
        FIT = "fit", _("Fit")
        ENGAGEMENT = "engagement", _("Engagement")
        BANT = "bant", _("BANT")
        DISQUALIFIER = "disqualifier", _("Disqualifier")

    stage = models.CharField(_("stage"), max_length=3, choices=Stage.choices)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    rule = models.CharField(_("rule"), max_length=300)
    points = models.IntegerField(_("points"), default=0)

    class Meta(SectionRow.Meta):
        default_related_name = "criteria_rules"
        verbose_name = _("qualification rule")
        verbose_name_plural = _("qualification rules")
        constraints = [
            models.CheckConstraint(condition=Q(stage__in=["MQL", "SQL"]), name="rule_stage_valid"),
            models.CheckConstraint(
                condition=Q(category__in=["fit", "engagement", "bant", "disqualifier"]),
                name="rule_category_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.rule


class LeadTypeServiceLevel(SectionRow):
    name_fields = ("lead_type",)

    lead_type = models.CharField(_("lead type"), max_length=80)
    first_response_hours = models.DecimalField(
        _("first response within (business hours)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    min_attempts = models.PositiveSmallIntegerField(
        _("at least N contact attempts"), default=1, validators=[MinValueValidator(1)]
    )
    attempt_window_days = models.PositiveSmallIntegerField(
        _("within N days"), default=1, validators=[MinValueValidator(1)]
    )
    escalation = models.CharField(_("escalation path"), max_length=300, blank=True)

    class Meta(SectionRow.Meta):
        default_related_name = "service_levels"
        verbose_name = _("service level")
        verbose_name_plural = _("service levels")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "lead_type"],
                name="service_level_unique_lead_type",
                violation_error_message=_("Each lead type may appear only once."),
            ),
            models.CheckConstraint(
                condition=Q(first_response_hours__gt=0), name="service_level_hours_positive"
            ),
            models.CheckConstraint(
                condition=Q(min_attempts__gte=1), name="service_level_attempts_positive"
            ),
            models.CheckConstraint(
                condition=Q(attempt_window_days__gte=1), name="service_level_window_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.lead_type


class Holiday(SectionRow):
    date = models.DateField(_("date"), validators=[validate_agreement_date])

    class Meta(SectionRow.Meta):
        default_related_name = "holidays"
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "date"], name="holiday_unique_date"),
        ]

    def __str__(self) -> str:
        return self.date.isoformat()


class RejectionReason(SectionRow):
    name_fields = ("code", "label")

    class NextStep(models.TextChoices):
        NURTURE = "nurture", _("Back to nurture")
        DISQUALIFY = "disqualify", _("Disqualify")
        RETURN = "return", _("Return to marketing")

    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("label"), max_length=120)
    next_step = models.CharField(_("next step"), max_length=16, choices=NextStep.choices)

    class Meta(SectionRow.Meta):
        default_related_name = "rejection_reasons"
        verbose_name = _("rejection reason")
        verbose_name_plural = _("rejection reasons")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "code"],
                name="rejection_unique_code",
                violation_error_message=_("Each reason code may appear only once."),
            ),
            models.CheckConstraint(
                condition=Q(next_step__in=["nurture", "disqualify", "return"]),
                name="rejection_next_step_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.label}"


class Deadline(SectionRow):
    name_fields = ("title",)

    title = models.CharField(_("title"), max_length=200)
    due = models.DateField(_("due"), validators=[validate_agreement_date])
    owner = models.CharField(_("owner"), max_length=16, choices=Owner.choices)
    done = models.BooleanField(_("done"), default=False)

    class Meta(SectionRow.Meta):
        default_related_name = "deadlines"
        ordering = ["due", "position", "pk"]
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__in=Owner.values), name="deadline_owner_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        """The deadline falls in or after its agreement's period, once it has one."""
        if self.agreement_id is None:
            return
        error = before_period(self.due, self.agreement.start_date, ERROR_DEADLINE_BEFORE_PERIOD)
        if error is not None:
            raise ValidationError({"due": error})
