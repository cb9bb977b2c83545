"""Sign-off forms: signing, review decisions, comments, comparison and the signed-SLA filter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from agreements.forms.drafting.listing import offer_loaded_choices
from agreements.models.agreement import REMINDER_DAYS_DEFAULT, REMINDER_DAYS_MAX
from agreements.sections import SECTIONS
from agreements.services.reminders import ReviewTerms, review_terms_check
from agreements.services.signatures import ERROR_NAME_MISMATCH, typed_name_matches
from teams.models import Team

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _helper(
    *, submit: str | Promise, action: str = "", css_class: str = "btn-primary"
) -> FormHelper:
    helper = FormHelper()
    helper.form_method = "post"
    if action:
        helper.form_action = action
    helper.add_input(Submit("submit", submit, css_class=css_class))
    return helper


class SignForm(forms.Form):
    """Re-authentication and a typed name, bound to the digest the signer was shown."""

    team = forms.TypedChoiceField(label=_("Sign for"), coerce=int)
    typed_name = forms.CharField(
        label=_("Your full name"),
        max_length=150,
        help_text=_("Type your full name as your signature."),
    )
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Signing asks for your password again."),
    )
    digest = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(
        self, *args: Any, teams: Sequence[Team], signer: User | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.signer = signer
        self.teams = {team.pk: team for team in teams}
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.TypedChoiceField)
        team_field.choices = [(team.pk, team.name) for team in teams]
        if len(teams) == 1:
            team_field.widget = forms.HiddenInput()
            team_field.initial = teams[0].pk
        self.fields["typed_name"].widget.attrs["autocomplete"] = "name"
        self.helper = _helper(submit=_("Sign this version"), css_class="btn-success")

    def clean_team(self) -> Team:
        return self.teams[self.cleaned_data["team"]]

    def clean_typed_name(self) -> str:
        """Said at the field, beside any other error, before the password is even checked."""
        typed_name: str = self.cleaned_data["typed_name"]
        if self.signer is not None and not typed_name_matches(self.signer, typed_name):
            raise forms.ValidationError(_(ERROR_NAME_MISMATCH), code="name_mismatch")
        return typed_name

    def only_name_refused(self) -> bool:
        """The one error is the typed name's mismatch: the password is still worth checking."""
        errors = self.errors.as_data()
        return set(errors) == {"typed_name"} and all(
            error.code == "name_mismatch" for error in errors["typed_name"]
        )


class ReviewTermsForm(forms.Form):
    """A review's due date and reminder interval, set on submitting and changed meanwhile.

    Both fields may be left out: a bare "Submit for sign-off" button asks for no due date and
    reminders at the default interval.
    """

    review_due = forms.DateField(
        label=_("Signatures due by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Optional. Shown on the agreement and in the emails; overdue after it."),
    )
    reminder_days = forms.IntegerField(
        label=_("Remind signers every (days)"),
        required=False,
        min_value=0,
        max_value=REMINDER_DAYS_MAX,
        initial=REMINDER_DAYS_DEFAULT,
        help_text=_(
            "Signatories whose team has not signed get a reminder this often. 0 sends none."
        ),
    )

    def __init__(
        self,
        *args: Any,
        submit: str | Promise,
        current_due: dt.date | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # An overdue review keeps its due date: the browser must not refuse it as too early.
        self.current_due = current_due
        earliest = min(filter(None, (timezone.localdate(), current_due)))
        self.fields["review_due"].widget.attrs["min"] = earliest.isoformat()
        self.helper = _helper(submit=submit)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        try:
            review_terms_check(self.terms, current_due=self.current_due)
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned

    @property
    def terms(self) -> ReviewTerms:
        days = self.cleaned_data.get("reminder_days")
        return ReviewTerms(
            review_due=self.cleaned_data.get("review_due"),
            reminder_days=REMINDER_DAYS_DEFAULT if days is None else days,
        )


class RequestChangesForm(forms.Form):
    comment = forms.CharField(
        label=_("What needs to change"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The agreement goes back to draft; your comment is shown to both teams."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(submit=_("Request changes"), css_class="btn-warning")


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional; recorded with every signature this voids."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(submit=_("Withdraw to draft"), css_class="btn-warning")


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(submit=_("Cancel this agreement"), css_class="btn-danger")


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}))
    section = forms.ChoiceField(label=_("On section"), required=False)

    def __init__(self, *args: Any, action: str = "", form_tag: bool = True, **kwargs: Any) -> None:
        """``form_tag`` False renders the fields and the button only, the same for every viewer
        (page_cache.shared_form_html): the template writes the form tag and CSRF token."""
        super().__init__(*args, **kwargs)
        section_field = self.fields["section"]
        assert isinstance(section_field, forms.ChoiceField)
        section_field.choices = [("", _("The whole agreement"))] + [
            (section.key, section.title) for section in SECTIONS
        ]
        self.helper = _helper(submit=_("Add comment"), action=action, css_class="btn-secondary")
        self.helper.form_tag = form_tag
        self.helper.disable_csrf = not form_tag


class CompareForm(forms.Form):
    """Two references: rN is revision N of this agreement, vN is version N of its series."""

    a = forms.ChoiceField(label=_("Compare"))
    b = forms.ChoiceField(label=_("with"))

    def __init__(self, *args: Any, refs: Iterable[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = list(refs)
        for name in ("a", "b"):
            ref_field = self.fields[name]
            assert isinstance(ref_field, forms.ChoiceField)
            ref_field.choices = choices
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(
                Column("a", css_class="col-md-5"),
                Column("b", css_class="col-md-5"),
                Column(
                    Submit("compare", _("Compare"), css_class="btn-primary"),
                    css_class="col-md-2 d-flex align-items-end mb-3",
                ),
            )
        )


class SignedFilterForm(forms.Form):
    """Signed agreements of one team, in force at some time within a period."""

    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("All teams")
    )
    period_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    period_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ModelChoiceField)
        team_field.queryset = teams
        offer_loaded_choices(team_field, teams)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(
                Column("team", css_class="col-md-4"),
                Column("period_from", css_class="col-md-3"),
                Column("period_to", css_class="col-md-3"),
                Column(
                    Submit("filter", _("Filter"), css_class="btn-secondary"),
                    css_class="col-md-2 d-flex align-items-end mb-3",
                ),
            )
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("period_from"), cleaned.get("period_to")
        if start and end and end < start:
            self.add_error("period_to", _("The end of the period must not be before its start."))
        return cleaned
