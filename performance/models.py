"""Actuals held against an agreement's chain of versions: monthly figures, KPI values, leads."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agreements.models.agreement import Agreement, AgreementSeries


class MonthlyActual(models.Model):
    series = models.ForeignKey(
        AgreementSeries, on_delete=models.CASCADE, related_name="monthly_actuals"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    leads = models.PositiveIntegerField(_("leads"), default=0)
    mqls = models.PositiveIntegerField(_("MQLs"), default=0)
    sqls = models.PositiveIntegerField(_("SQLs"), default=0)
    customers = models.PositiveIntegerField(_("customers won"), default=0)
    revenue = models.DecimalField(
        _("revenue won"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        # The table keeps the name it had before the model moved apps.
        db_table = "agreements_monthlyactual"
        ordering = ["series", "month"]
        verbose_name = _("monthly actual")
        verbose_name_plural = _("monthly actuals")
        constraints = [
            models.UniqueConstraint(fields=["series", "month"], name="monthly_actual_unique_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="monthly_actual_first_of_month"),
            models.CheckConstraint(
                condition=Q(revenue__gte=0), name="monthly_actual_revenue_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class KpiActual(models.Model):
    """A KPI's value for one period of its cadence; KPIs are matched across versions by name."""

    series = models.ForeignKey(
        AgreementSeries, on_delete=models.CASCADE, related_name="kpi_actuals"
    )
    kpi_name = models.CharField(_("KPI"), max_length=120)
    period_start = models.DateField(_("period start"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        # The table keeps the name it had before the model moved apps.
        db_table = "agreements_kpiactual"
        ordering = ["series", "kpi_name", "period_start"]
        verbose_name = _("KPI actual")
        verbose_name_plural = _("KPI actuals")
        constraints = [
            models.UniqueConstraint(
                fields=["series", "kpi_name", "period_start"], name="kpi_actual_unique_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi_name} {self.period_start}"


class ImportBatch(models.Model):
    """One import of an actuals or leads file: what it wrote, so that it can be undone.

    An actuals import keeps, per month, the figures it replaced (none for a month it created)
    and the figures it wrote; a leads import marks the leads it created (LeadRecord.import_batch).
    """

    class Kind(models.TextChoices):
        ACTUALS = "actuals", _("Monthly actuals")
        LEADS = "leads", _("Leads")

    series = models.ForeignKey(
        AgreementSeries, on_delete=models.CASCADE, related_name="import_batches"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("imported"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created = models.PositiveIntegerField(_("rows created"), default=0)
    updated = models.PositiveIntegerField(_("rows updated"), default=0)
    # Actuals: {"YYYY-MM": {"before": {figure: text} | None, "after": {figure: text}}}.
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["actuals", "leads"]), name="import_batch_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["series", "-created_at"], name="import_batch_recent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"


class LeadRecord(models.Model):
    """One lead's hand-off, imported from a CRM export."""

    class Status(models.TextChoices):
        MET = "met", _("Met")
        BREACHED = "breached", _("Breached")
        PENDING = "pending", _("Pending")

    series = models.ForeignKey(AgreementSeries, on_delete=models.CASCADE, related_name="leads")
    # The version whose service levels applied when the lead became an MQL.
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="lead_records")
    lead_id = models.CharField(_("lead ID"), max_length=100)
    lead_type = models.CharField(_("lead type"), max_length=80)
    mql_at = models.DateTimeField(_("became MQL"))
    first_touch_at = models.DateTimeField(_("first touch"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    outcome = models.CharField(_("outcome"), max_length=40, blank=True)
    limit_hours = models.DecimalField(_("limit (business hours)"), max_digits=6, decimal_places=2)
    # The instant the limit runs out: touched by then is met, untouched after it is breached.
    due_at = models.DateTimeField(_("due"))
    response_hours = models.DecimalField(
        _("response (business hours)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    invalid_rejection = models.BooleanField(_("rejection without a valid reason"), default=False)
    imported_at = models.DateTimeField(_("imported"), auto_now=True)
    # The import that created the lead (set on insert only): undoing it removes the lead.
    import_batch = models.ForeignKey(
        ImportBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="leads"
    )

    class Meta:
        # The table keeps the name it had before the model moved apps.
        db_table = "agreements_leadrecord"
        ordering = ["series", "mql_at", "pk"]
        verbose_name = _("lead record")
        verbose_name_plural = _("lead records")
        constraints = [
            models.UniqueConstraint(fields=["series", "lead_id"], name="lead_record_unique_lead"),
        ]
        indexes = [
            models.Index(fields=["series", "mql_at"], name="lead_record_series_mql_at"),
            models.Index(fields=["series", "lead_type"], name="lead_record_series_type"),
            # The untouched leads, whose status still depends on the moment it is read at.
            models.Index(
                fields=["series", "due_at"],
                condition=Q(first_touch_at__isnull=True),
                name="lead_record_untouched_due",
            ),
        ]

    def __str__(self) -> str:
        return self.lead_id


class LeadTally(models.Model):
    """Lead counts of a series per lead type, MQL month, outcome and flag, kept by the import.

    Touched leads are counted as met or breached for good; untouched ones only as untouched,
    since whether they are pending or breached depends on the moment the figures are read.
    """

    series = models.ForeignKey(
        AgreementSeries, on_delete=models.CASCADE, related_name="lead_tallies"
    )
    lead_type = models.CharField(_("lead type"), max_length=80)
    # The first day of the MQL month in ``zone``, the time zone of the series' calendar.
    month = models.DateField(_("month"))
    zone = models.CharField(_("time zone"), max_length=64)
    outcome = models.CharField(_("outcome"), max_length=40, blank=True)
    invalid_rejection = models.BooleanField(_("rejection without a valid reason"), default=False)
    touched_met = models.PositiveIntegerField(_("touched within the limit"), default=0)
    touched_breached = models.PositiveIntegerField(_("touched after the limit"), default=0)
    untouched = models.PositiveIntegerField(_("untouched"), default=0)

    class Meta:
        # The table keeps the name it had before the model moved apps.
        db_table = "agreements_leadtally"
        ordering = ["series", "month", "lead_type", "outcome", "invalid_rejection"]
        verbose_name = _("lead tally")
        verbose_name_plural = _("lead tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["series", "lead_type", "month", "outcome", "invalid_rejection"],
                name="lead_tally_unique_group",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lead_type} {self.month:%Y-%m} {self.outcome or '-'}"


class LeadDay(models.Model):
    """What the KPI measures count of a series' leads of one MQL day, kept with the tally.

    Every count here is final once the leads are imported; what still moves with time, the
    untouched leads not yet due and the attempt windows still open, the measures correct from
    a few lead rows (``performance.lead_stats``). Rebuilt whole from the leads by
    ``lead_tally_refresh`` whenever they change; never edited.
    """

    series = models.ForeignKey(AgreementSeries, on_delete=models.CASCADE, related_name="lead_days")
    # The MQL day in ``zone``, the time zone of the series' calendar.
    day = models.DateField(_("day"))
    zone = models.CharField(_("time zone"), max_length=64)
    touched_met = models.PositiveIntegerField(_("touched within the limit"), default=0)
    touched_breached = models.PositiveIntegerField(_("touched after the limit"), default=0)
    untouched = models.PositiveIntegerField(_("untouched"), default=0)
    # As the dashboard's rejections count them (``lead_stats.count_outcome``).
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    with_outcome = models.PositiveIntegerField(_("with an outcome"), default=0)
    invalid_rejections = models.PositiveIntegerField(
        _("rejected without a valid reason"), default=0
    )
    # {lead type: {attempts: leads}}: how many leads of each type made each number of attempts.
    attempts = models.JSONField(_("leads by attempts"), default=dict, blank=True)
    # {response hours: leads} of the touched leads with a response time, the hours as text
    # ("12.50"): the day's response-time histogram, from which medians are exact.
    responses = models.JSONField(_("leads by response time"), default=dict, blank=True)

    class Meta:
        db_table = "performance_leadday"
        ordering = ["series", "day"]
        verbose_name = _("lead day")
        verbose_name_plural = _("lead days")
        constraints = [
            models.UniqueConstraint(fields=["series", "day"], name="lead_day_unique_day"),
        ]

    def __str__(self) -> str:
        return f"{self.series_id} {self.day:%Y-%m-%d}"


class LeadColumnMapping(models.Model):
    """How a CRM export's column names map to the lead fields, remembered per agreement series."""

    series = models.OneToOneField(
        AgreementSeries, on_delete=models.CASCADE, related_name="lead_column_mapping"
    )
    mapping = models.JSONField(_("mapping"), default=dict)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        # The table keeps the name it had before the model moved apps.
        db_table = "agreements_leadcolumnmapping"
        verbose_name = _("lead column mapping")
        verbose_name_plural = _("lead column mappings")

    def __str__(self) -> str:
        return f"Mapping for {self.series}"


class Alert(models.Model):
    class Kind(models.TextChoices):
        LEAD_BREACH = "lead_breach", _("Hand-off breach")
        KPI_AT_RISK = "kpi_at_risk", _("KPI at risk")
        KPI_MISSED = "kpi_missed", _("KPI missed")
        DEADLINE_OVERDUE = "deadline_overdue", _("Deadline overdue")

    series = models.ForeignKey(AgreementSeries, on_delete=models.CASCADE, related_name="alerts")
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    # Identifies one occurrence, so that each is reported once.
    occurrence = models.CharField(_("occurrence"), max_length=200)
    message = models.TextField(_("message"))
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        # The table keeps the name it had before the model moved apps.
        db_table = "agreements_alert"
        ordering = ["-created_at", "pk"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["series", "kind", "occurrence"], name="alert_unique_occurrence"
            ),
        ]

    def __str__(self) -> str:
        return self.message[:80]


class PendingUpload(models.Model):
    """An uploaded file waiting for its second step: a column mapping, or a preview's approval.

    Held in the database, not on the server that took the upload, so that any server can
    finish the step; the page knows it only by its token.
    """

    class Kind(models.TextChoices):
        ACTUALS = "actuals", _("Monthly actuals awaiting approval")
        LEADS = "leads", _("Leads awaiting a column mapping")

    token = models.UUIDField(_("token"), default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # The file's bytes as uploaded (at most the upload form's limit).
    content = models.BinaryField(_("content"))
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), db_index=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("pending upload")
        verbose_name_plural = _("pending uploads")

    def __str__(self) -> str:
        return self.file_name or str(self.token)


class SeriesChange(models.Model):
    """A write to what a series' figures are computed from, recorded by a database trigger.

    No foreign key: a change is recorded while its series may be being deleted.
    ``performance.series_changes`` installs the triggers and reads the revisions.
    """

    id = models.BigAutoField(primary_key=True)
    series_id = models.BigIntegerField(_("series"))

    class Meta:
        verbose_name = _("series change")
        verbose_name_plural = _("series changes")
        indexes = [models.Index(fields=["series_id", "id"], name="series_change_by_series")]

    def __str__(self) -> str:
        return f"{self.series_id}#{self.pk}"
