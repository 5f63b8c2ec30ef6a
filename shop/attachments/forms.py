"""The 申請書類 field of the checkout form (O3): several files at once, each checked by content.

Django 5.2's FileField takes one file; a multiple-file input needs the field and
widget of Django's "Uploading multiple files" recipe. Every file is checked with
`check_upload`, and every refused file is reported (not only the first), each
message naming its file. The cleaned value is the list of uploaded files, for
`services.store`, which checks them again on the exact bytes it keeps.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from .validation import ACCEPT, check_upload, human_size, max_upload_bytes


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A FileField whose cleaned value is a list of files (possibly empty when not required)."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_empty_file", True)  # an empty file is refused later, with its name
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        single = super().clean
        return [single(f, initial) for f in files]

    def has_changed(self, initial, data):
        return bool(data)


class ApplicationDocumentsField(MultipleFileField):
    """申請書類: up to KOBAI_UPLOAD_MAX_FILES (10) PDF / Excel (.xlsx) files; optional unless required=True."""

    def __init__(self, *, max_files: int | None = None, **kwargs):
        self.max_files = max_files or int(getattr(settings, "KOBAI_UPLOAD_MAX_FILES", 10))
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "申請書類")
        kwargs.setdefault(
            "help_text",
            f"PDF（.pdf）またはExcel（.xlsx）、1ファイル{human_size(max_upload_bytes())}まで、"
            f"{self.max_files}ファイルまで。",
        )
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = super().clean(data, initial)
        if len(files) > self.max_files:
            raise ValidationError(
                f"申請書類は{self.max_files}ファイルまでアップロードできます（{len(files)}ファイルが選ばれています）。",
                code="too_many_files",
            )
        errors = []
        for uploaded in files:
            try:
                check_upload(uploaded)
            except ValidationError as refused:
                errors.extend(refused.error_list)
        if errors:
            raise ValidationError(errors)
        return files
