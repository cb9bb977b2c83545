"""The goals and funnel plan section: the revenue goal and the rates the plan is computed from."""

from __future__ import annotations

from typing import Any

from crispy_forms.layout import Column, Layout, Row
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from agreements.forms.drafting.base import SectionModelForm, plain_integer, range_messages
from agreements.models import Agreement
from agreements.models.agreement import RATE_MAX
from agreements.periods import MONTHS_MAX, MONTHS_MIN, period_months
from agreements.sections import section_get

# The bounds come from the model, so the message cannot drift from the rule.
ERROR_RATE = format_lazy(_("Enter a rate above 0 and at most {max}."), max=RATE_MAX)
ERROR_NOT_NEGATIVE = _("Enter an amount of 0 or more.")
ERROR_DEAL_SIZE = _("The average deal size must be greater than 0.")
ERROR_MONTHS = format_lazy(
    _("The plan covers {min} to {max} months."), min=MONTHS_MIN, max=MONTHS_MAX
)
ERROR_CURRENCY = _("Enter a three-letter currency code such as USD or EUR.")
# The submit button that sets the months to the period's and saves: one click, nothing lost.
USE_PERIOD_MONTHS = "use_period_months"


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
        agreement: Agreement = kwargs["agreement"]
        # How many months the agreement's period spans, as saved in its header.
        self.period_months = (
            period_months(agreement.start_date, agreement.end_date)
            if agreement.start_date and agreement.end_date
            else None
        )
        if args and args[0] is not None and USE_PERIOD_MONTHS in args[0] and self.period_months:
            data = args[0].copy()
            data["months"] = str(self.period_months)
            args = (data, *args[1:])
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
        plain_integer(self.fields["months"])

    def section_layout(self) -> Layout:
        return Layout(
            Row(Column("revenue_goal", css_class="col-md-8"), Column("currency")),
            Row(Column("marketing_share_pct"), Column("average_deal_size")),
            Row(Column("lead_to_mql_pct"), Column("mql_to_sql_pct"), Column("sql_to_won_pct")),
            Row(Column("months", css_class="col-md-4")),
        )

    @property
    def months_disagree(self) -> bool:
        """Whether the months in the plan (as on screen) differ from the period's months."""
        if self.period_months is None:
            return False
        shown = self["months"].value()
        try:
            return int(str(shown)) != self.period_months
        except ValueError:
            return False

    def clean_currency(self) -> str:
        value = (self.cleaned_data.get("currency") or "").strip().upper()
        if len(value) != 3 or not value.isalpha() or not value.isascii():
            raise ValidationError(ERROR_CURRENCY, code="currency")
        return value
