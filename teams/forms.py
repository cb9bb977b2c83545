"""Signing in."""

from __future__ import annotations

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "username",
            "password",
            StrictButton(_("Sign in"), type="submit", name="login", css_class="btn-primary"),
        )
        self.fields["username"].widget.attrs["autofocus"] = True
