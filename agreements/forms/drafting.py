"""Forms: input validation and their own crispy layouts."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, ClassVar

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Field, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.forms.formsets import DELETION_FIELD_NAME
from django.forms.utils import ErrorDict
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from agreements.models import (
    Agreement,
    Deadline,
    Holiday,
    Kpi,
    LeadTypeServiceLevel,
    QualificationRule,
    RejectionReason,
    Responsibility,
)
from agreements.models.agreement import (
    ERROR_DAY_END,
    ERROR_END_BEFORE_START,
    ERROR_NO_WORKDAY,
    Weekday,
    known_timezones,
)
from agreements.permissions import visible_agreements
from agreements.sections import SECTIONS_BY_KEY, Section, section_get
from teams.models import Side, Team
from teams.selectors import user_team_ids

ERROR_RATE = _("Enter a rate above 0 and at most 100.")
ERROR_NOT_NEGATIVE = _("Enter an amount of 0 or more.")
ERROR_DEAL_SIZE = _("The average deal size must be greater than 0.")
ERROR_MONTHS = _("The plan covers 1 to 120 months.")
ERROR_TARGET = _("A target must be 0 or more.")
ERROR_FIRST_RESPONSE = _("The first response time must be more than 0 hours.")
ERROR_ATTEMPTS = _("At least 1 contact attempt.")
ERROR_WINDOW = _("The window is at least 1 day.")
ERROR_SLUG = _("Use only lowercase letters, numbers, hyphens and underscores, e.g. no-budget.")
ERROR_CURRENCY = _("Enter a three-letter currency code such as USD or EUR.")
ERROR_THRESHOLD = _("The score threshold must be 0 or more.")
ERROR_NOT_YOUR_TEAMS = _(
    "You can only make an agreement for a team you belong to: "
    "choose your own marketing or sales team."
)
ERROR_COPY_SOURCE = _("Choose the agreement to copy.")
ERROR_DUPLICATE = _("“%(value)s” appears more than once; each must be unique.")


def range_messages(message: Any, *, upper: bool = True) -> dict[str, Any]:
    """A model field's range validators reported in the form's own words."""
    # The model's validators state the bounds; ModelForm runs them after the field's own
    # cleaning and swaps in the form's message for their codes.
    return {"min_value": message, "max_value": message} if upper else {"min_value": message}


@cache
def timezone_names() -> tuple[str, ...]:
    """Every IANA time zone name this system knows, sorted."""
    return tuple(sorted(known_timezones()))


@cache
def timezone_datalist() -> str:
    """The suggestions for the time zone input, as an HTML datalist."""
    return str(
        format_html(
            '<datalist id="timezone-names">{}</datalist>',
            format_html_join("", '<option value="{}">', ((name,) for name in timezone_names())),
        )
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%H:%M")


class RulesInPython(forms.ModelForm):
    """A model form that states the database's rules in its own clean methods."""

    # Django would check each CheckConstraint with a query of its own, per row of a
    # formset; the clean methods state the same rules, and the service and the database
    # enforce them again on save.

    def validate_unique(self) -> None:
        return None

    def validate_constraints(self) -> None:
        return None


def _plain_integer(form_field: forms.Field) -> None:
    """Drop a model integer field's generic range check; the form's own message replaces it."""
    assert isinstance(form_field, forms.IntegerField)
    form_field.validators = []
    form_field.min_value = form_field.max_value = None
    form_field.widget.attrs.pop("min", None)
    form_field.widget.attrs.pop("max", None)


def _autofocus_first(form: forms.BaseForm) -> None:
    for bound in form.visible_fields():
        bound.field.widget.attrs["autofocus"] = True
        return


def _check_end_after_start(
    form: forms.BaseForm, start_name: str, end_name: str, message: Any
) -> None:
    start = form.cleaned_data.get(start_name)
    end = form.cleaned_data.get(end_name)
    if start is not None and end is not None and end <= start:
        form.add_error(end_name, ValidationError(message, code="end_before_start"))


# Listing and creating agreements ------------------------------------------------------------


class AgreementFilterForm(forms.Form):
    """The list page's filters, sent by GET."""

    q = forms.CharField(label=_("Title contains"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *Agreement.Status.choices],
    )
    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=Team.objects.none(), empty_label=_("Any team")
    )

    def __init__(self, *args: Any, teams: Iterable[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ModelChoiceField)
        team_field.queryset = teams  # type: ignore[assignment]
        self.fields["q"].widget.attrs.update(
            {"type": "search", "placeholder": _("Search by title")}
        )
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_id = "agreement-filters"
        self.helper.form_class = "agreement-filters mb-4"
        self.helper.attrs = {"role": "search", "aria-label": _("Filter agreements")}
        self.helper.layout = Layout(
            Row(
                Column("q", css_class="col-md-5"),
                Column("status", css_class="col-md-3"),
                Column("team", css_class="col-md-2"),
                Column(
                    StrictButton(_("Filter"), type="submit", css_class="btn-primary w-100"),
                    css_class="col-md-2 d-flex align-items-end mb-3",
                ),
                css_class="g-2",
            )
        )

    def filters(self) -> dict[str, Any]:
        """The valid filters, ready for selectors.agreement_list; invalid ones are ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        team = data.get("team")
        return {
            "search": data.get("q") or "",
            "status": data.get("status") or "",
            "team_id": team.pk if team is not None else None,
        }


class TeamChoiceField(forms.ModelChoiceField):
    """A team select that marks the user's own teams."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.own_team_ids: set[int] = set()

    def label_from_instance(self, obj: Any) -> str:
        if obj.pk in self.own_team_ids:
            return str(_("%(name)s (your team)") % {"name": obj.name})
        return str(obj.name)


class AgreementPartiesForm(RulesInPython):
    """Title, the two teams and the period: shared by the create and header forms."""

    marketing_team = TeamChoiceField(
        label=_("Marketing team"), queryset=Team.objects.filter(side=Side.MARKETING)
    )
    sales_team = TeamChoiceField(
        label=_("Sales team"), queryset=Team.objects.filter(side=Side.SALES)
    )

    class Meta:
        model = Agreement
        fields = section_get("header").fields
        widgets = {"start_date": DateInput(), "end_date": DateInput()}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        own = set() if user.is_staff else user_team_ids(user)
        for name in ("marketing_team", "sales_team"):
            team_field = self.fields[name]
            assert isinstance(team_field, TeamChoiceField)
            team_field.own_team_ids = own
        _autofocus_first(self)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _check_end_after_start(self, "start_date", "end_date", ERROR_END_BEFORE_START)
        marketing, sales = cleaned.get("marketing_team"), cleaned.get("sales_team")
        if (
            marketing is not None
            and sales is not None
            and not self.user.is_staff
            and not {marketing.pk, sales.pk} & user_team_ids(self.user)
        ):
            raise ValidationError(ERROR_NOT_YOUR_TEAMS, code="not_your_teams")
        return cleaned

    def parties_layout(self) -> Layout:
        return Layout(
            "title",
            Row(Column("marketing_team"), Column("sales_team")),
            Row(Column("start_date"), Column("end_date")),
        )


class AgreementCreateForm(AgreementPartiesForm):
    class StartFrom:
        EMPTY = "empty"
        TEMPLATE = "template"
        COPY = "copy"

    start_from = forms.ChoiceField(
        label=_("Start from"),
        choices=[
            (StartFrom.TEMPLATE, _("The standard template (sensible values for every section)")),
            (StartFrom.EMPTY, _("An empty agreement")),
            (StartFrom.COPY, _("A copy of an existing agreement")),
        ],
        initial=StartFrom.TEMPLATE,
        widget=forms.RadioSelect,
    )
    copy_source = forms.ModelChoiceField(
        label=_("Agreement to copy"),
        required=False,
        queryset=Agreement.objects.none(),
        help_text=_(
            "Used only when starting from a copy. The copy takes this form's title, "
            "teams and period."
        ),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        source_field = self.fields["copy_source"]
        assert isinstance(source_field, forms.ModelChoiceField)
        source_field.queryset = visible_agreements(user).order_by("title", "pk")
        self.helper = FormHelper()
        self.helper.form_id = "agreement-create"
        self.helper.layout = Layout(
            self.parties_layout(),
            Field("start_from"),
            Field("copy_source"),
            StrictButton(
                _("Create agreement"), type="submit", name="create", css_class="btn-primary"
            ),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("start_from") == self.StartFrom.COPY and not cleaned.get("copy_source"):
            self.add_error("copy_source", ValidationError(ERROR_COPY_SOURCE, code="required"))
        return cleaned


# Section forms ------------------------------------------------------------------------------


class SectionFormMixin:
    """Every section form carries the revision the agreement had when it was opened."""

    # Each concrete form declares ``base_revision`` itself: Django collects declared
    # fields from form classes only, not from plain mixins.

    helper: FormHelper

    def section_layout(self) -> Layout:
        return Layout()

    def setup_helper(self) -> None:
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(self.section_layout(), "base_revision")


class SectionBaseForm(SectionFormMixin, forms.Form):
    """The main form of a section held only in rows."""

    base_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, agreement: Agreement, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_helper()


class SectionModelForm(SectionFormMixin, RulesInPython):
    base_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, agreement: Agreement, user: Any, **kwargs: Any) -> None:
        kwargs["instance"] = agreement
        super().__init__(*args, **kwargs)
        _autofocus_first(self)
        self.setup_helper()


class HeaderForm(SectionFormMixin, AgreementPartiesForm):
    base_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, agreement: Agreement, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, instance=agreement, user=user, **kwargs)
        self.setup_helper()

    def section_layout(self) -> Layout:
        return self.parties_layout()


class FunnelForm(SectionModelForm):
    # Revenue goal first: the first field gets the focus, and the layout opens with it.
    field_order = ["revenue_goal"]

    class Meta:
        model = Agreement
        fields = section_get("funnel").fields
        error_messages = {
            "revenue_goal": range_messages(ERROR_NOT_NEGATIVE),
            "marketing_share_pct": range_messages(ERROR_RATE),
            "average_deal_size": range_messages(ERROR_DEAL_SIZE),
            "lead_to_mql_pct": range_messages(ERROR_RATE),
            "mql_to_sql_pct": range_messages(ERROR_RATE),
            "sql_to_won_pct": range_messages(ERROR_RATE),
            "months": range_messages(ERROR_MONTHS),
        }

    def __init__(self, *args: Any, preview_url: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # clean_currency states the whole rule; the generic length message would come first.
        self.fields["currency"].validators = []
        self.fields["currency"].widget.attrs.update(
            {"maxlength": 3, "autocapitalize": "characters", "size": 4}
        )
        for name in self._meta.fields or ():
            widget = self.fields[name].widget
            widget.attrs["inputmode"] = "numeric" if name == "months" else "decimal"
            if name == "currency":
                widget.attrs["inputmode"] = "text"
            if preview_url:
                widget.attrs.update(
                    {
                        "hx-post": preview_url,
                        "hx-trigger": "input changed delay:300ms",
                        "hx-target": "#funnel-plan",
                        "hx-swap": "innerHTML",
                        "hx-sync": "closest form:replace",
                    }
                )
        _plain_integer(self.fields["months"])

    def section_layout(self) -> Layout:
        return Layout(
            Row(Column("revenue_goal", css_class="col-md-8"), Column("currency")),
            Row(Column("marketing_share_pct"), Column("average_deal_size")),
            Row(Column("lead_to_mql_pct"), Column("mql_to_sql_pct"), Column("sql_to_won_pct")),
            Row(Column("months", css_class="col-md-4")),
        )

    def clean_currency(self) -> str:
        value = (self.cleaned_data.get("currency") or "").strip().upper()
        if len(value) != 3 or not value.isalpha() or not value.isascii():
            raise ValidationError(ERROR_CURRENCY, code="currency")
        return value


class CriteriaForm(SectionModelForm):
    class Meta:
        model = Agreement
        fields = section_get("criteria").fields
        # A positive integer field: its database range starts at 0.
        error_messages = {"mql_score_threshold": range_messages(ERROR_THRESHOLD, upper=False)}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _plain_integer(self.fields["mql_score_threshold"])

    def section_layout(self) -> Layout:
        return Layout(Row(Column("mql_score_threshold", css_class="col-md-4")))


class CalendarForm(SectionModelForm):
    timezone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        help_text=_("An IANA name such as Europe/Berlin or America/New_York."),
        widget=forms.TextInput(
            attrs={"list": "timezone-names", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    workdays = forms.TypedMultipleChoiceField(
        label=_("Working days"),
        choices=Weekday.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Agreement
        fields = section_get("service_levels").fields
        widgets = {"day_start": TimeInput(), "day_end": TimeInput()}

    def section_layout(self) -> Layout:
        return Layout(
            Row(Column("timezone", css_class="col-md-6")),
            HTML(timezone_datalist()),
            Field("workdays", css_class="workday-choices"),
            Row(Column("day_start"), Column("day_end")),
        )

    def clean_timezone(self) -> str:
        # The model's validate_timezone then checks the name.
        return (self.cleaned_data.get("timezone") or "").strip()

    def clean_workdays(self) -> list[int]:
        value = sorted(set(self.cleaned_data.get("workdays") or []))
        if not value:
            raise ValidationError(ERROR_NO_WORKDAY, code="no_workday")
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _check_end_after_start(self, "day_start", "day_end", ERROR_DAY_END)
        return cleaned


class ReviewForm(SectionModelForm):
    class Meta:
        model = Agreement
        fields = section_get("review").fields
        widgets = {"next_review": DateInput()}

    def section_layout(self) -> Layout:
        return Layout(
            Row(Column("report_cadence"), Column("meeting_cadence")),
            Row(Column("next_review", css_class="col-md-6")),
        )


# Repeating rows -----------------------------------------------------------------------------


class RowForm(RulesInPython):
    """One repeating row of a section; its values become one dict of the service's rows."""

    columns: ClassVar[tuple[tuple[str, str], ...]] = ()
    # Integer fields whose range the form states in its own clean methods.
    whole_number_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.whole_number_fields:
            _plain_integer(self.fields[name])
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(
                *(Column(name, css_class=css) for name, css in self.columns),
                css_class="g-2 align-items-start",
            )
        )

    def add_remove_field(self) -> None:
        """Show the formset's DELETE checkbox as "Remove" at the end of the row."""
        self.fields["DELETE"].label = _("Remove")
        self.helper.layout[0].append(Column(Field("DELETE"), css_class="col-md-1 row-remove"))

    def row_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self._meta.fields or ()}


class KpiForm(RowForm):
    columns = (
        ("name", "col-md-2"),
        ("owner", "col-md-2"),
        ("target", "col-md-2"),
        ("unit", "col-md-1"),
        ("direction", "col-md-2"),
        ("cadence", "col-md-2"),
    )

    class Meta:
        model = Kpi
        fields = ("name", "owner", "target", "unit", "direction", "cadence")
        error_messages = {"target": range_messages(ERROR_TARGET)}


class ResponsibilityForm(RowForm):
    columns = (
        ("activity", "col-md-3"),
        ("owner", "col-md-2"),
        ("description", "col-md-3"),
        ("commitment", "col-md-3"),
    )

    class Meta:
        model = Responsibility
        fields = ("owner", "activity", "description", "commitment")
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "commitment": forms.Textarea(attrs={"rows": 2}),
        }


class QualificationRuleForm(RowForm):
    columns = (
        ("stage", "col-md-2"),
        ("category", "col-md-2"),
        ("rule", "col-md-5"),
        ("points", "col-md-2"),
    )

    class Meta:
        model = QualificationRule
        fields = ("stage", "category", "rule", "points")


class LeadTypeForm(RowForm):
    whole_number_fields = ("min_attempts", "attempt_window_days")
    columns = (
        ("lead_type", "col-md-2"),
        ("first_response_hours", "col-md-2"),
        ("min_attempts", "col-md-2"),
        ("attempt_window_days", "col-md-2"),
        ("escalation", "col-md-3"),
    )

    class Meta:
        model = LeadTypeServiceLevel
        fields = (
            "lead_type",
            "first_response_hours",
            "min_attempts",
            "attempt_window_days",
            "escalation",
        )
        error_messages = {
            "first_response_hours": range_messages(ERROR_FIRST_RESPONSE),
            "min_attempts": range_messages(ERROR_ATTEMPTS),
            "attempt_window_days": range_messages(ERROR_WINDOW),
        }


class HolidayForm(RowForm):
    columns = (("date", "col-md-4"),)

    class Meta:
        model = Holiday
        fields = ("date",)
        widgets = {"date": DateInput()}


class RejectionReasonForm(RowForm):
    columns = (("code", "col-md-3"), ("label", "col-md-5"), ("next_step", "col-md-3"))

    class Meta:
        model = RejectionReason
        fields = ("code", "label", "next_step")
        # The slug field's own message names no example; this one does.
        error_messages = {"code": {"invalid": ERROR_SLUG}}


class DeadlineForm(RowForm):
    columns = (
        ("title", "col-md-5"),
        ("due", "col-md-2"),
        ("owner", "col-md-2"),
        ("done", "col-md-1"),
    )

    class Meta:
        model = Deadline
        fields = ("title", "due", "owner", "done")
        widgets = {"due": DateInput()}


class RowFormSet(forms.BaseFormSet):
    """Rows of one relation: blank rows are skipped, removed rows dropped, keys unique."""

    unique_field: ClassVar[str | None] = None
    relation: ClassVar[str] = ""
    heading: ClassVar[Any] = _("Rows")
    row_label: ClassVar[Any] = _("Row")
    add_label: ClassVar[Any] = _("Add row")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Any row may be left blank, including one that was filled when the page opened.
        kwargs.setdefault("form_kwargs", {"empty_permitted": True})
        kwargs.setdefault("prefix", self.relation)
        super().__init__(*args, **kwargs)

    def add_fields(self, form: forms.BaseForm, index: int | None) -> None:
        super().add_fields(form, index)
        if self.can_delete and isinstance(form, RowForm):
            form.add_remove_field()

    def kept_forms(self) -> list[forms.BaseForm]:
        return [
            form
            for form in self.forms
            if not (self.can_delete and form.cleaned_data.get(DELETION_FIELD_NAME))
            and form.has_changed()
            and getattr(form, "cleaned_data", None)
        ]

    def clean(self) -> None:
        if self.unique_field is None:
            return
        seen: set[Any] = set()
        for form in self.kept_forms():
            value = form.cleaned_data.get(self.unique_field)
            if value is None:
                continue
            key = value.casefold() if isinstance(value, str) else value
            if key in seen:
                form.add_error(
                    self.unique_field,
                    ValidationError(ERROR_DUPLICATE, code="duplicate", params={"value": value}),
                )
            seen.add(key)

    def rows(self) -> list[dict[str, Any]]:
        return [form.row_values() for form in self.kept_forms()]  # type: ignore[attr-defined]


def _row_formset(
    form: type[RowForm],
    relation: str,
    heading: Any,
    row_label: Any,
    add_label: Any,
    unique_field: str | None = None,
) -> type[RowFormSet]:
    base = type(
        f"{form.__name__}SetBase",
        (RowFormSet,),
        {
            "relation": relation,
            "unique_field": unique_field,
            "heading": heading,
            "row_label": row_label,
            "add_label": add_label,
        },
    )
    return forms.formset_factory(  # type: ignore[return-value]
        form, formset=base, extra=1, can_delete=True, max_num=500, validate_max=True
    )


KpiFormSet = _row_formset(KpiForm, "kpis", _("KPIs"), _("KPI"), _("Add a KPI"), unique_field="name")
ResponsibilityFormSet = _row_formset(
    ResponsibilityForm,
    "responsibilities",
    _("Responsibilities"),
    _("Responsibility"),
    _("Add a responsibility"),
)
QualificationRuleFormSet = _row_formset(
    QualificationRuleForm, "criteria_rules", _("Rules"), _("Rule"), _("Add a rule")
)
LeadTypeFormSet = _row_formset(
    LeadTypeForm,
    "service_levels",
    _("Service levels by lead type"),
    _("Lead type"),
    _("Add a lead type"),
    unique_field="lead_type",
)
HolidayFormSet = _row_formset(
    HolidayForm, "holidays", _("Holidays"), _("Holiday"), _("Add a holiday"), unique_field="date"
)
RejectionReasonFormSet = _row_formset(
    RejectionReasonForm,
    "rejection_reasons",
    _("Reasons"),
    _("Reason"),
    _("Add a reason"),
    unique_field="code",
)
DeadlineFormSet = _row_formset(
    DeadlineForm, "deadlines", _("Deadlines"), _("Deadline"), _("Add a deadline")
)


@dataclass(frozen=True)
class SectionForms:
    form: type[forms.BaseForm]
    formsets: tuple[type[RowFormSet], ...] = ()


SECTION_FORMS: dict[str, SectionForms] = {
    "header": SectionForms(HeaderForm),
    "funnel": SectionForms(FunnelForm),
    "kpis": SectionForms(SectionBaseForm, (KpiFormSet,)),
    "responsibilities": SectionForms(SectionBaseForm, (ResponsibilityFormSet,)),
    "criteria": SectionForms(CriteriaForm, (QualificationRuleFormSet,)),
    "service_levels": SectionForms(CalendarForm, (HolidayFormSet, LeadTypeFormSet)),
    "rejection_reasons": SectionForms(SectionBaseForm, (RejectionReasonFormSet,)),
    "deadlines": SectionForms(SectionBaseForm, (DeadlineFormSet,)),
    "review": SectionForms(ReviewForm),
}


def _row_initial(agreement: Agreement, formset: type[RowFormSet]) -> list[dict[str, Any]]:
    names = formset.form._meta.fields or ()
    return [
        {name: getattr(row, name) for name in names}
        for row in getattr(agreement, formset.relation).all()
    ]


@dataclass
class SectionEditor:
    """A section's main form and its row formsets, validated and saved together."""

    section: Section
    form: forms.BaseForm
    formsets: list[RowFormSet] = field(default_factory=list)

    def is_valid(self) -> bool:
        results = [self.form.is_valid(), *(formset.is_valid() for formset in self.formsets)]
        return all(results)

    def fields(self) -> dict[str, Any]:
        return {name: self.form.cleaned_data[name] for name in self.section.fields}

    def rows(self) -> dict[str, list[dict[str, Any]]]:
        return {formset.relation: formset.rows() for formset in self.formsets}

    @property
    def base_revision(self) -> int:
        return int(self.form.cleaned_data["base_revision"])

    def add_service_error(self, error: ValidationError) -> None:
        """Show a service's ValidationError beside the fields it names, else above the form."""
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                target = name if name in self.form.fields else None
                for message in messages:
                    self.form.add_error(target, message)
        else:
            for message in error.messages:
                self.form.add_error(None, message)

    def focus_first_error(self) -> None:
        """Move the autofocus to the first field with an error, for keyboard users."""
        fields = [
            bound
            for form in (self.form, *(row for formset in self.formsets for row in formset))
            for bound in form.visible_fields()
        ]
        first_error = next((bound for bound in fields if bound.errors), None)
        if first_error is None:
            return
        for bound in fields:
            bound.field.widget.attrs.pop("autofocus", None)
        first_error.field.widget.attrs["autofocus"] = True

    def quiet(self) -> None:
        """Keep the posted values but show no errors (after "Add row", before saving)."""
        # A bound form validates when its errors are first read; preset empty errors
        # render the posted values as they are.
        form: Any = self.form
        form._errors = ErrorDict()
        for formset in self.formsets:
            quiet_set: Any = formset
            for row in quiet_set.forms:
                row._errors = ErrorDict()
            quiet_set._errors = [row._errors for row in quiet_set.forms]
            quiet_set._non_form_errors = quiet_set.error_class(renderer=quiet_set.renderer)


def section_editor(
    *,
    section_key: str,
    agreement: Agreement,
    user: Any,
    data: Any = None,
    add_row: str = "",
) -> SectionEditor:
    """Bind (or open) a section's forms; with add_row, one more blank row of that relation."""
    spec = SECTION_FORMS[section_key]
    # A model form writes its input into its instance; a copy keeps the loaded one as saved.
    form_kwargs: dict[str, Any] = {"agreement": copy.copy(agreement), "user": user}
    if spec.form is FunnelForm:
        form_kwargs["preview_url"] = reverse(
            "agreements:funnel_preview", kwargs={"pk": agreement.pk}
        )
    if data is not None and add_row:
        data = data.copy()
        total_key = f"{add_row}-TOTAL_FORMS"
        if total_key in data:
            with contextlib.suppress(ValueError):
                data[total_key] = str(int(data[total_key]) + 1)
    if data is None:
        form = spec.form(initial={"base_revision": agreement.revision}, **form_kwargs)
        formsets = [
            formset_class(initial=_row_initial(agreement, formset_class))
            for formset_class in spec.formsets
        ]
    else:
        form = spec.form(data, **form_kwargs)
        formsets = [formset_class(data) for formset_class in spec.formsets]
    editor = SectionEditor(section=SECTIONS_BY_KEY[section_key], form=form, formsets=formsets)
    if not any(True for _field in form.visible_fields()) and formsets and formsets[0].forms:
        _autofocus_first(formsets[0].forms[0])
    if add_row:
        editor.quiet()
    return editor
