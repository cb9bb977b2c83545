"""The agreement list's filters."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from agreements.models import Agreement
from teams.models import Team


def offer_loaded_choices(field: forms.ModelChoiceField, objects: Iterable[Any]) -> None:
    """Make a model choice field offer the given objects, loaded now in one query.

    The field's choices then cost no second query, whether the rendering is read from the cache
    (page_cache.shared_form_html names the choices in its key) or rendered; its queryset still
    checks a submitted choice, as before.
    """
    empty = [("", field.empty_label)] if field.empty_label is not None else []
    field.choices = [
        *empty,
        *((field.prepare_value(obj), field.label_from_instance(obj)) for obj in objects),
    ]


class AgreementFilterForm(forms.Form):
    """The list page's filters, sent by GET."""

    # A search input by its widget: a "type" in attrs would print the attribute twice.
    q = forms.CharField(
        label=_("Title contains"),
        required=False,
        max_length=200,
        widget=forms.SearchInput(attrs={"placeholder": _("Search by title")}),
    )
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
        offer_loaded_choices(team_field, teams)
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
