import datetime as dt
from collections.abc import Collection
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agreements.models.choices import ReviewCadence
from agreements.models.validators import (
    ERROR_DATE_WINDOW as ERROR_DATE_WINDOW,
)
from agreements.models.validators import (
    ERROR_DAY_END as ERROR_DAY_END,
)
from agreements.models.validators import (
    ERROR_DEADLINE_BEFORE_PERIOD as ERROR_DEADLINE_BEFORE_PERIOD,
)
from agreements.models.validators import (
    ERROR_END_BEFORE_START as ERROR_END_BEFORE_START,
)
from agreements.models.validators import (
    ERROR_NO_WORKDAY as ERROR_NO_WORKDAY,
)
from agreements.models.validators import (
    ERROR_REVIEW_BEFORE_PERIOD as ERROR_REVIEW_BEFORE_PERIOD,
)
from agreements.models.validators import (
    ERROR_TIMEZONE as ERROR_TIMEZONE,
)
from agreements.models.validators import (
    RATE_MAX as RATE_MAX,
)

# The rules live in agreements.models.validators; migrations and callers name them here too.
from agreements.models.validators import (
    RATE_MIN as RATE_MIN,
)
from agreements.models.validators import (
    RATE_VALIDATORS as RATE_VALIDATORS,
)
from agreements.models.validators import (
    REMINDER_DAYS_DEFAULT as REMINDER_DAYS_DEFAULT,
)
from agreements.models.validators import (
    REMINDER_DAYS_MAX as REMINDER_DAYS_MAX,
)
from agreements.models.validators import (
    Weekday as Weekday,
)
from agreements.models.validators import (
    before_period as before_period,
)
from agreements.models.validators import (
    default_workdays as default_workdays,
)
from agreements.models.validators import (
    default_working_hours as default_working_hours,
)
from agreements.models.validators import (
    is_weekday as is_weekday,
)
from agreements.models.validators import (
    known_timezones as known_timezones,
)
from agreements.models.validators import (
    validate_agreement_date as validate_agreement_date,
)
from agreements.models.validators import (
    validate_timezone as validate_timezone,
)

if TYPE_CHECKING:
    pass
from agreements.periods import MONTHS_MAX, MONTHS_MIN
from agreements.working_hours import validate_working_hours
from teams.models import Team


def _rate_check(field: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__isnull": True})
        | (Q(**{f"{field}__gt": 0}) & Q(**{f"{field}__lte": RATE_MAX})),
        name=f"agreement_{field}_in_range",
    )


class AgreementSeries(models.Model):
    """The chain of versions of one agreement; actuals belong here, not to one version."""

    created_at = models.DateTimeField(auto_now_add=True)
    # The head of the series' audit-event chain, under a MAC (see agreements.integrity).
    event_count = models.PositiveIntegerField(_("audit events"), default=0)
    event_head = models.CharField(_("latest event hash"), max_length=64, blank=True)
    event_head_key_id = models.CharField(_("MAC key"), max_length=32, blank=True)
    event_head_mac = models.CharField(_("MAC"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("agreement series")
        verbose_name_plural = _("agreement series")

    def __str__(self) -> str:
        return f"Series #{self.pk}"


class Agreement(models.Model):
    # The fields that hold names: normalised (teams.text.normalise_name) on input.
    name_fields: ClassVar[tuple[str, ...]] = ("title",)

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        SIGNED = "signed", _("Signed")
        CANCELLED = "cancelled", _("Cancelled")

    series = models.ForeignKey(AgreementSeries, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField(_("version"), default=1)
    amends = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="amendments",
        verbose_name=_("amends"),
    )
    title = models.CharField(_("title"), max_length=200)
    marketing_team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        related_name="marketing_agreements",
        verbose_name=_("marketing team"),
    )
    sales_team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        related_name="sales_agreements",
        verbose_name=_("sales team"),
    )
    start_date = models.DateField(_("start date"), validators=[validate_agreement_date])
    end_date = models.DateField(_("end date"), validators=[validate_agreement_date])
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_agreements",
        verbose_name=_("owner"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    # Optimistic lock: every saved change to the content increments it.
    revision = models.PositiveIntegerField(_("revision"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.TextField(_("cancellation reason"), blank=True)
    # Review bookkeeping, not signed content: never part of the digest (agreements.exchange).
    review_due = models.DateField(
        _("signatures due by"), null=True, blank=True, validators=[validate_agreement_date]
    )
    reminder_days = models.PositiveSmallIntegerField(
        _("remind signers every (days)"),
        default=REMINDER_DAYS_DEFAULT,
        validators=[MaxValueValidator(REMINDER_DAYS_MAX)],
        help_text=_("0 sends no reminders."),
    )
    last_reminded_at = models.DateTimeField(_("last reminder"), null=True, blank=True)
    # The export schema the content is written in, and its digest taken over
    # (agreements.exchange.content_of): 1 for agreements made before KPIs had a measure, so
    # what was signed then still verifies; a draft moves to the latest when next edited.
    content_schema = models.PositiveSmallIntegerField(_("content schema"), default=2)

    # 1. Goals and funnel plan (inputs only: the plan is always computed).
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    revenue_goal = models.DecimalField(
        _("revenue goal"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    marketing_share_pct = models.DecimalField(
        _("marketing share (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=RATE_VALIDATORS,
        help_text=_("Share of the revenue goal expected from marketing-sourced leads."),
    )
    average_deal_size = models.DecimalField(
        _("average deal size"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    lead_to_mql_pct = models.DecimalField(
        _("lead → MQL rate (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=RATE_VALIDATORS,
        help_text=_("Typical: 10–25%."),
    )
    mql_to_sql_pct = models.DecimalField(
        _("MQL → SQL rate (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=RATE_VALIDATORS,
        help_text=_("Typical: 20–40%."),
    )
    sql_to_won_pct = models.DecimalField(
        _("SQL → won rate (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=RATE_VALIDATORS,
        help_text=_("Typical: 20–30%."),
    )
    months = models.PositiveSmallIntegerField(
        _("months in the plan"),
        null=True,
        blank=True,
        validators=[MinValueValidator(MONTHS_MIN), MaxValueValidator(MONTHS_MAX)],
    )

    # 4. Qualification: the score an MQL must reach.
    mql_score_threshold = models.PositiveIntegerField(
        _("MQL score threshold"), null=True, blank=True
    )

    # 5. Business-hours calendar for the hand-off service levels.
    timezone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_timezone]
    )
    workdays = models.JSONField(
        _("working days"),
        default=default_workdays,
        help_text=_("ISO weekday numbers, Monday = 1."),
    )
    day_start = models.TimeField(_("working day starts"), default=dt.time(9, 0))
    day_end = models.TimeField(_("working day ends"), default=dt.time(17, 0))
    # The calendar itself: intervals per weekday (agreements.working_hours). workdays,
    # day_start and day_end summarise it (working days, earliest start, latest end) and are
    # what content signed before per-day hours holds.
    working_hours = models.JSONField(
        _("working hours"),
        default=default_working_hours,
        validators=[validate_working_hours],
        help_text=_('Per ISO weekday, intervals such as {"1": [["09:00", "12:00"]]}.'),
    )

    # 8. Reporting and review.
    report_cadence = models.CharField(
        _("report cadence"),
        max_length=16,
        choices=ReviewCadence.choices,
        default=ReviewCadence.WEEKLY,
    )
    meeting_cadence = models.CharField(
        _("review meeting cadence"),
        max_length=16,
        choices=ReviewCadence.choices,
        default=ReviewCadence.MONTHLY,
    )
    next_review = models.DateField(
        _("next review"), null=True, blank=True, validators=[validate_agreement_date]
    )

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gt=models.F("start_date")),
                name="agreement_end_after_start",
                violation_error_message=ERROR_END_BEFORE_START,
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "in_review", "signed", "cancelled"]),
                name="agreement_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(marketing_team=models.F("sales_team")),
                name="agreement_distinct_teams",
                violation_error_message=_("The marketing and sales teams must differ."),
            ),
            models.CheckConstraint(
                condition=Q(revenue_goal__isnull=True) | Q(revenue_goal__gte=0),
                name="agreement_revenue_goal_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(average_deal_size__isnull=True) | Q(average_deal_size__gt=0),
                name="agreement_average_deal_size_positive",
            ),
            _rate_check("marketing_share_pct"),
            _rate_check("lead_to_mql_pct"),
            _rate_check("mql_to_sql_pct"),
            _rate_check("sql_to_won_pct"),
            models.CheckConstraint(
                condition=Q(months__isnull=True)
                | (Q(months__gte=MONTHS_MIN) & Q(months__lte=MONTHS_MAX)),
                name="agreement_months_in_range",
            ),
            models.CheckConstraint(
                condition=Q(day_end__gt=models.F("day_start")),
                name="agreement_day_end_after_start",
                violation_error_message=ERROR_DAY_END,
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="agreement_version_positive"),
            models.CheckConstraint(
                condition=Q(reminder_days__gte=0) & Q(reminder_days__lte=REMINDER_DAYS_MAX),
                name="agreement_reminder_days_in_range",
            ),
            models.CheckConstraint(
                condition=Q(content_schema__in=[1, 2]), name="agreement_content_schema_known"
            ),
            models.UniqueConstraint(
                fields=["series", "version"], name="agreement_unique_series_version"
            ),
            # A cancelled amendment frees its version to be amended again.
            models.UniqueConstraint(
                fields=["amends"],
                condition=~Q(status="cancelled"),
                name="agreement_one_live_amendment",
                violation_error_message=_("This version already has an amendment."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    def get_absolute_url(self) -> str:
        return reverse("agreements:detail", kwargs={"pk": self.pk})

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        """Each field's validators; and the next review falls in or after the period.

        Checked here rather than in clean(), so that a form without the next review (the
        header's) excludes it and a form with it (the review's, the admin's) shows the error
        at the field; the import checks it too.
        """
        errors: dict[str, list[ValidationError]] = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if "next_review" not in errors and "next_review" not in (exclude or ()):
            early = before_period(self.next_review, self.start_date, ERROR_REVIEW_BEFORE_PERIOD)
            if early is not None:
                errors["next_review"] = [early]
        if errors:
            raise ValidationError(errors)

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def review_overdue(self) -> bool:
        """In review past the day its signatures were due."""
        return (
            self.status == self.Status.IN_REVIEW
            and self.review_due is not None
            and timezone.localdate() > self.review_due
        )

    @property
    def standing(self) -> str:
        """How a signed agreement stands today: in force, expired, superseded or not yet."""
        if self.status != self.Status.SIGNED:
            return self.status
        if self.superseded_at is not None:
            return "superseded"
        today = timezone.localdate()
        if today > self.end_date:
            return "expired"
        if today < self.start_date:
            return "scheduled"
        return "in_force"
