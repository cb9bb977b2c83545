"""The reporting and review section."""

from __future__ import annotations

from crispy_forms.layout import Column, Layout, Row

from agreements.forms.drafting.base import DateInput, SectionModelForm
from agreements.models import Agreement
from agreements.sections import section_get


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
