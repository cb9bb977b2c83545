"""The parties and period of an agreement: creating one, and editing its header section."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from agreements.forms.drafting.base import (
    DateInput,
    NormalisedNames,
    RulesInPython,
    SectionFormMixin,
    autofocus_first,
    check_end_after_start,
)
from agreements.models import Agreement
from agreements.models.agreement import ERROR_END_BEFORE_START
from agreements.permissions import visible_agreements
from agreements.sections import section_get
from agreements.services.agreements import ERROR_AMENDMENT_PARTIES, PARTY_FIELDS
from teams.models import Side, Team
from teams.selectors import user_team_ids

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ERROR_NOT_YOUR_TEAMS = _(
    "You can only make an agreement for a team you belong to: "
    "choose your own marketing or sales team."
)
ERROR_COPY_SOURCE = _("Choose the agreement to copy.")


class TeamChoiceField(forms.ModelChoiceField):
    """A team select that marks the user's own teams."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.own_team_ids: set[int] = set()

    def label_from_instance(self, obj: Any) -> str:
        if obj.pk in self.own_team_ids:
            return str(_("%(name)s (your team)") % {"name": obj.name})
        return str(obj.name)


class AgreementPartiesForm(NormalisedNames, RulesInPython):
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

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        own = set() if user.is_staff else user_team_ids(user)
        for name in ("marketing_team", "sales_team"):
            team_field = self.fields[name]
            assert isinstance(team_field, TeamChoiceField)
            team_field.own_team_ids = own
        if self.instance.amends_id is not None:
            # An amendment keeps its teams: shown, not editable (the service refuses a change too).
            for name in PARTY_FIELDS:
                self.fields[name].disabled = True
            self.fields["sales_team"].help_text = _(ERROR_AMENDMENT_PARTIES)
        autofocus_first(self)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        check_end_after_start(self, "start_date", "end_date", ERROR_END_BEFORE_START)
        marketing, sales = cleaned.get("marketing_team"), cleaned.get("sales_team")
        if (
            marketing is not None
            and sales is not None
            and not self.user.is_staff
            and not {marketing.pk, sales.pk} & user_team_ids(self.user)
        ):
            raise ValidationError(ERROR_NOT_YOUR_TEAMS, code="not_your_teams")
        if self.instance.amends_id is not None:
            self._refuse_posted_teams()
        return cleaned

    def _refuse_posted_teams(self) -> None:
        """A browser posts no disabled field: another team posted anyway is said, not dropped."""
        for name in PARTY_FIELDS:
            posted = self.data.get(self.add_prefix(name))
            if posted and posted != str(getattr(self.instance, f"{name}_id")):
                self.add_error(
                    name, ValidationError(_(ERROR_AMENDMENT_PARTIES), code="amendment_parties")
                )

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

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
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


class HeaderForm(SectionFormMixin, AgreementPartiesForm):
    base_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, agreement: Agreement, user: User, **kwargs: Any) -> None:
        super().__init__(*args, instance=agreement, user=user, **kwargs)
        self.setup_helper()

    def section_layout(self) -> Layout:
        return self.parties_layout()
