"""Exchange forms: uploading a schema /1 file to import it as a new draft."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy

from agreements.document_reader import (
    DOCUMENT_MAX_BYTES,
    ContentErrors,
    DocumentUnreadable,
    document_parse,
    document_size_check,
)


class AgreementImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Agreement file (.json)"),
        help_text=gettext_lazy(
            "A file in schema slaportal.agreement/2 (or /1), such as one downloaded with "
            "“Export JSON”. "
            "At most 2 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.document: Any = None
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.form_tag = True
        self.helper.layout = Layout(
            Field("file"),
            Submit("import", gettext_lazy("Import as a new draft")),
        )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        try:
            document_size_check(upload.size)
            self.document = document_parse(upload.read(DOCUMENT_MAX_BYTES + 1))
        except DocumentUnreadable as unreadable:
            raise forms.ValidationError(unreadable.message, code=unreadable.code) from None
        except ContentErrors as errors:
            # Only the whole document's shape is checked here (its nesting), at path "$".
            raise forms.ValidationError(
                [
                    forms.ValidationError(f"{path}: {message}", code="too_deep")
                    for path, message in errors.errors
                ]
            ) from None
        return upload
