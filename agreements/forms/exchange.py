"""Exchange forms: uploading a schema /1 file to import it as a new draft."""

from __future__ import annotations

import json
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout, Submit
from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

IMPORT_MAX_BYTES = 2 * 1024 * 1024

ERROR_TOO_BIG = "The file is %(size)s; the largest accepted is %(limit)s."
ERROR_NOT_UTF8 = "The file is not UTF-8 text; save it as UTF-8 and upload it again."
ERROR_NOT_JSON = "The file is not valid JSON: %(reason)s (line %(line)s, column %(column)s)."
ERROR_EMPTY = "The file is empty."


class AgreementImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Agreement file (.json)"),
        help_text=gettext_lazy(
            "A file in schema slaportal.agreement/1, such as one downloaded with “Export JSON”. "
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
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _(ERROR_TOO_BIG)
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(IMPORT_MAX_BYTES)},
                code="too_big",
            )
        raw = upload.read(IMPORT_MAX_BYTES + 1)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(_(ERROR_NOT_UTF8), code="not_utf8") from None
        if not text.strip():
            raise forms.ValidationError(_(ERROR_EMPTY), code="empty")
        try:
            self.document = json.loads(text)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                _(ERROR_NOT_JSON)
                % {"reason": error.msg, "line": error.lineno, "column": error.colno},
                code="not_json",
            ) from None
        return upload
