"""Signing in."""

from __future__ import annotations

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
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
        # AuthenticationForm sets the length after the field is made, so nothing enforced it:
        # any longer name went on to authenticate(), and django-axes' record of the failed
        # attempt (a 255-character column) then failed on PostgreSQL with a server error.
        username = self.fields["username"]
        assert isinstance(username, forms.CharField) and username.max_length is not None
        username.validators.append(MaxLengthValidator(username.max_length))
