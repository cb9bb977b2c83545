"""The qualification criteria section: the score an MQL must reach (its rules are rows)."""

from __future__ import annotations

from typing import Any

from crispy_forms.layout import Column, Layout, Row
from django.utils.translation import gettext_lazy as _

from agreements.forms.drafting.base import SectionModelForm, plain_integer, range_messages
from agreements.models import Agreement
from agreements.sections import section_get

ERROR_THRESHOLD = _("The score threshold must be 0 or more.")


class CriteriaForm(SectionModelForm):
    class Meta:
        model = Agreement
        fields = section_get("criteria").fields
        # A positive integer field: its database range starts at 0.
        error_messages = {"mql_score_threshold": range_messages(ERROR_THRESHOLD, upper=False)}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plain_integer(self.fields["mql_score_threshold"])

    def section_layout(self) -> Layout:
        return Layout(Row(Column("mql_score_threshold", css_class="col-md-4")))
