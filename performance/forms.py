"""Forms for actuals and lead imports: input validation and their crispy layouts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout, Row, Submit
from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from agreements.models import Kpi
from agreements.periods import parse_month
from performance.services.actuals_csv import MAX_COUNT
from performance.services.csv_files import (
    ERROR_EMPTY_FILE,
    ERROR_NOT_UTF8_UPLOAD,
    ERROR_TOO_BIG,
    MAX_ACTUALS_BYTES,
    MAX_LEADS_BYTES,
)
from performance.services.leads.columns import (
    ERROR_COLUMN_MAPPED_TWICE,
    LEAD_FIELDS,
    REQUIRED_FIELDS,
)

ERROR_MONTH = gettext_noop("Enter a month as YYYY-MM.")

LEAD_FIELD_LABELS = {
    "lead_id": gettext_lazy("Lead ID"),
    "lead_type": gettext_lazy("Lead type"),
    "mql_at": gettext_lazy("Became MQL at"),
    "first_touch_at": gettext_lazy("First touch at"),
    "attempts": gettext_lazy("Contact attempts"),
    "outcome": gettext_lazy("Outcome"),
}


class MonthInput(forms.TextInput):
    input_type = "month"


class MonthField(forms.CharField):
    """A month written YYYY-MM (the browser's month picker sends that), cleaned to its 1st day."""

    widget = MonthInput

    def to_python(self, value: Any) -> dt.date | None:  # type: ignore[override]
        if isinstance(value, dt.date):
            return value.replace(day=1)
        text = super().to_python(value)
        if not text:
            return None
        month = parse_month(text)
        if month is None:
            raise forms.ValidationError(_(ERROR_MONTH), code="invalid_month")
        return month

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.date):
            return f"{value:%Y-%m}"
        return value


def _count_field(label: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, max_value=MAX_COUNT)


class MonthlyActualForm(forms.Form):
    month = MonthField(label=gettext_lazy("Month"))
    leads = _count_field(gettext_lazy("Leads"))
    mqls = _count_field(gettext_lazy("MQLs"))
    sqls = _count_field(gettext_lazy("SQLs"))
    customers = _count_field(gettext_lazy("Customers won"))
    revenue = forms.DecimalField(
        label=gettext_lazy("Revenue won"),
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
    )
    # Posted by the "Save anyway" button, shown once the funnel looked wrong; not in the layout.
    confirm_funnel = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, currency: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if currency:
            self.fields["revenue"].label = _("Revenue won (%(currency)s)") % {"currency": currency}
        # What looked wrong in the funnel as posted (the service's FunnelNotConfirmed).
        self.funnel_warnings: list[str] = []
        self.helper = FormHelper()
        # The template holds the form tag and its buttons: "Save anyway" joins them on a warning.
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column(Field("month"), css_class="col-sm-4")),
            Row(
                Column("leads", css_class="col-sm-3"),
                Column("mqls", css_class="col-sm-3"),
                Column("sqls", css_class="col-sm-3"),
                Column("customers", css_class="col-sm-3"),
            ),
            Row(Column("revenue", css_class="col-sm-4")),
        )


class PeriodPickForm(forms.Form):
    """Choose the day whose periods the KPI form shows (submitted with GET)."""

    day = forms.DateField(
        label=gettext_lazy("A day in the period"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_class = "row g-2 align-items-end"
        self.helper.layout = Layout(
            Column(Field("day"), css_class="col-auto"),
            Column(Submit("show", gettext_lazy("Show periods")), css_class="col-auto mb-3"),
        )


class KpiActualsForm(forms.Form):
    """One value per KPI in force, each for the period of its cadence that holds ``day``."""

    day = forms.DateField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        kpis: list[Kpi],
        starts: dict[str, dt.date],
        recorded: dict[str, Decimal],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kpi_fields: dict[str, str] = {}
        for index, kpi in enumerate(kpis):
            name = f"kpi_{index}"
            self.kpi_fields[name] = kpi.name
            label = f"{kpi.name} ({kpi.unit})" if kpi.unit else kpi.name
            self.fields[name] = forms.DecimalField(
                label=label,
                required=False,
                max_digits=14,
                decimal_places=2,
                initial=recorded.get(kpi.name),
                help_text=_("%(cadence)s period from %(start)s; target %(direction)s %(target)s")
                % {
                    "cadence": kpi.get_cadence_display(),
                    "start": date_filter(starts[kpi.name], "DATE_FORMAT"),
                    "direction": kpi.get_direction_display().lower(),
                    "target": kpi.target,
                },
            )
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.layout = Layout(
            Field("day"),
            *[Field(name) for name in self.kpi_fields],
            Submit("save", gettext_lazy("Save values")),
        )

    def values(self) -> dict[str, Decimal | None]:
        return {kpi: self.cleaned_data.get(name) for name, kpi in self.kpi_fields.items()}


class _UploadForm(forms.Form):
    max_bytes = MAX_ACTUALS_BYTES
    submit_label = gettext_lazy("Upload")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.attrs = {"enctype": "multipart/form-data"}
        self.helper.layout = Layout(Field("file"), Submit("upload", self.submit_label))

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if upload.size > self.max_bytes:
            raise forms.ValidationError(
                _(ERROR_TOO_BIG)
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(self.max_bytes)},
                code="too_big",
            )
        if not upload.size:
            raise forms.ValidationError(_(ERROR_EMPTY_FILE), code="empty")
        return upload


class ActualsUploadForm(_UploadForm):
    file = forms.FileField(
        label=gettext_lazy("Monthly actuals (.csv)"),
        help_text=gettext_lazy(
            "Columns month (YYYY-MM), leads, mqls, sqls, customers, revenue. At most 1 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    submit_label = gettext_lazy("Preview")

    def clean_file(self) -> UploadedFile:
        upload = super().clean_file()
        upload.seek(0)
        try:
            self.text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(_(ERROR_NOT_UTF8_UPLOAD), code="not_utf8") from None
        if not self.text.strip():
            raise forms.ValidationError(_(ERROR_EMPTY_FILE), code="empty")
        return upload


def _discard_button() -> StrictButton:
    """Gives up the kept file; it skips the browser's checks of the fields it leaves behind."""
    return StrictButton(
        gettext_lazy("Discard the file"),
        type="submit",
        name="discard",
        value="discard",
        css_class="btn-outline-secondary ms-2",
        formnovalidate="formnovalidate",
    )


class ActualsConfirmForm(forms.Form):
    """Names the previewed file, kept on the server, to be applied or discarded."""

    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.layout = Layout(
            Field("token"),
            Submit("confirm", gettext_lazy("Apply these months")),
            _discard_button(),
        )


class LeadsUploadForm(_UploadForm):
    file = forms.FileField(
        label=gettext_lazy("CRM export of leads (.csv)"),
        help_text=gettext_lazy(
            "Columns lead_id, lead_type, mql_at, first_touch_at, attempts, outcome, or any "
            "names: you map them next. At most 64 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    max_bytes = MAX_LEADS_BYTES
    submit_label = gettext_lazy("Import leads")


class LeadMappingForm(forms.Form):
    """For each lead field, the column of the uploaded file that holds it."""

    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, header: list[str], suggested: dict[str, str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("— not in the file —")), *[(name, name) for name in header if name]]
        for name in LEAD_FIELDS:
            self.fields[name] = forms.ChoiceField(
                label=LEAD_FIELD_LABELS[name],
                choices=choices,
                required=name in REQUIRED_FIELDS,
                initial=suggested.get(name, ""),
                help_text=_("Our field: %(field)s") % {"field": name},
            )
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.layout = Layout(
            Field("token"),
            Row(*[Column(name, css_class="col-md-4") for name in LEAD_FIELDS]),
            Submit("map", gettext_lazy("Import with this mapping")),
            _discard_button(),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        chosen: dict[str, str] = {}
        for name in LEAD_FIELDS:
            column = cleaned.get(name)
            if not column:
                continue
            if column in chosen:
                self.add_error(name, _(ERROR_COLUMN_MAPPED_TWICE).format(column=column))
            chosen[column] = name
        return cleaned

    def mapping(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in LEAD_FIELDS if self.cleaned_data[name]}
